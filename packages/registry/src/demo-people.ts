import { makeIdCard } from './id-card.ts';
import type { IdType, Registration } from './residents.ts';

/**
 * Deterministic generators of believable people and places for the demo tenant, tests and benches:
 * the same seed always gives the same people, so a failing test or a bench run can be replayed.
 * Pure functions (no clock, no I/O): ages are counted from a fixed reference date, not from today,
 * which also keeps every birth date in the past as `parseIdCard` demands.
 */

/** 32-bit seeded PRNG (mulberry32): fast, good enough for demo data, not for anything secret. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

type Rng = () => number;
const pick = <T>(rng: Rng, xs: readonly T[]): T => xs[Math.floor(rng() * xs.length)]!;
const between = (rng: Rng, lo: number, hi: number) => lo + Math.floor(rng() * (hi - lo + 1));
const pad = (n: number, w = 2) => String(n).padStart(w, '0');

/** Ages and birth dates count from here (a fixed day, so output does not drift with the clock). */
const REFERENCE = { year: 2025, month: 6, day: 30 };

// Common surnames, Yiwu's own (楼, 骆, 傅, 龚, 金, 吴, 陈, 王…) repeated so they come up more often.
const SURNAMES = (
  '王w 李l 张z 刘l 陈c 杨y 黄h 赵z 吴w 周z 徐x 孙s 马m 朱z 胡h 郭g 何h 高g 林l 罗l 郑z 梁l 谢x 宋s 唐t ' +
  '许x 韩h 冯f 邓d 曹c 彭p 曾z 肖x 田t 董d 袁y 潘p 蒋j 蔡c 余y 杜d 叶y 程c 苏s 魏w 吕l 丁d 任r 沈s ' +
  '楼l 楼l 楼l 骆l 骆l 傅f 傅f 龚g 金j 金j 吴w 陈c 王w 方f 陶t 虞y 鲍b 贾j'
)
  .split(' ')
  .map((s) => [s.slice(0, 1), s.slice(1)] as const);

const MALE_CHARS = (
  '伟w 强q 磊l 军j 勇y 杰j 涛t 斌b 超c 明m 刚g 平p 辉h 鹏p 华h 飞f 鑫x 波b 宇y 浩h 凯k 健j 俊j 帆f ' +
  '建j 国g 峰f 志z 文w 海h 东d 林l 亮l 成c 龙l 博b 晨c 轩x 睿r 航h 锋f 兴x 荣r 德d'
)
  .split(' ')
  .map((s) => [s.slice(0, 1), s.slice(1)] as const);

const FEMALE_CHARS = (
  '芳f 娜n 敏m 静j 丽l 艳y 娟j 霞x 秀x 燕y 玲l 桂g 英y 红h 萍p 雪x 慧h 婷t 琳l 颖y 佳j 欣x 怡y 梦m ' +
  '雨y 思s 涵h 悦y 诗s 萱x 丹d 倩q 晶j 美m 月y 兰l 琴q 彩c'
)
  .split(' ')
  .map((s) => [s.slice(0, 1), s.slice(1)] as const);

const SHARED_CHARS = '小x 晓x 春c 金j 子z 一y 天t 嘉j 永y 海h'
  .split(' ')
  .map((s) => [s.slice(0, 1), s.slice(1)] as const);

/** Yiwu (330782) mostly, then the rest of Jinhua and Zhejiang: people registered here (户籍). */
const LOCAL_DIVISIONS =
  '330782 330782 330782 330782 330782 330782 330782 330782 330702 330703 330723 330726 330783 330784 330106 330302'.split(
    ' ',
  );
/** Where Yiwu's floating population (流动人口) comes from: Jiangxi, Anhui, Henan, Guizhou, Sichuan, Hunan, Yunnan. */
const FLOATING_DIVISIONS =
  '361127 362329 360102 341221 340121 411523 412726 522121 520221 511623 510722 430524 532621 450821'.split(
    ' ',
  );

/** Yiwu's foreign merchants: nationality (ISO 3166 alpha-3), given names, family names. */
const FOREIGNERS: ReadonlyArray<{ nationality: string; male: string[]; female: string[]; family: string[] }> =
  [
    {
      nationality: 'IND',
      male: ['Rahul', 'Amit', 'Vikram', 'Sanjay'],
      female: ['Priya', 'Anita'],
      family: ['Sharma', 'Patel', 'Gupta', 'Singh'],
    },
    {
      nationality: 'PAK',
      male: ['Imran', 'Bilal', 'Faisal'],
      female: ['Ayesha', 'Sana'],
      family: ['Khan', 'Malik', 'Qureshi'],
    },
    {
      nationality: 'EGY',
      male: ['Ahmed', 'Mohamed', 'Omar'],
      female: ['Fatma', 'Nour'],
      family: ['Hassan', 'Mahmoud', 'Ibrahim'],
    },
    {
      nationality: 'YEM',
      male: ['Abdullah', 'Saleh', 'Khaled'],
      female: ['Amal', 'Huda'],
      family: ['Ahmadi', 'Saeed', 'Nasser'],
    },
    {
      nationality: 'KOR',
      male: ['Minjun', 'Jihoon', 'Seojun'],
      female: ['Jiwoo', 'Seoyeon'],
      family: ['Kim', 'Lee', 'Park'],
    },
  ];

const PHONE_PREFIXES = (
  '130 131 132 133 135 136 137 138 139 150 151 152 153 155 156 157 158 159 166 173 177 180 181 182 183 185 ' +
  '186 187 188 189 199'
).split(' ');

export interface DemoPerson {
  name: string;
  /** Pinyin initials of the name (`zw` for 张伟), as search expects them. */
  nameInitials: string;
  gender: 'male' | 'female';
  /** YYYY-MM-DD, the one the ID number states for a resident ID card. */
  birthDate: string;
  idType: IdType;
  idNumber: string;
  /** ISO 3166 alpha-3 for foreigners; null for Chinese citizens. */
  nationality: string | null;
  phone: string | null;
  registration: Registration;
}

export interface DemoHousehold {
  /** The head comes first. */
  members: DemoPerson[];
}

type Kind = 'local' | 'floating' | 'overseas';

/**
 * One stream of people: the set of numbers already issued keeps ID numbers (and so the lookup hash)
 * unique, which the resident table requires per tenant.
 */
class PeopleMaker {
  private readonly issued = new Set<string>();
  constructor(readonly rng: Rng) {}

  person(
    kind: Kind,
    gender: 'male' | 'female',
    age: number,
    surname?: readonly [string, string],
  ): DemoPerson {
    const rng = this.rng;
    const birth = this.birthDate(age);
    const phone = age >= 14 && rng() < 0.95 ? this.phone() : null;
    if (kind === 'overseas') {
      const f = pick(rng, FOREIGNERS);
      const given = pick(rng, gender === 'male' ? f.male : f.female);
      const family = pick(rng, f.family);
      let passport: string;
      do passport = `${f.nationality[0]}${between(rng, 10_000_000, 99_999_999)}`;
      while (this.issued.has(passport));
      this.issued.add(passport);
      return {
        name: `${given} ${family}`,
        nameInitials: `${given[0]}${family[0]}`.toLowerCase(),
        gender,
        birthDate: `${birth.slice(0, 4)}-${birth.slice(4, 6)}-${birth.slice(6)}`,
        idType: 'passport',
        idNumber: passport,
        nationality: f.nationality,
        phone,
        registration: 'overseas',
      };
    }
    const sur = surname ?? pick(rng, SURNAMES);
    const chars = gender === 'male' ? MALE_CHARS : FEMALE_CHARS;
    const given =
      rng() < 0.35
        ? [pick(rng, chars)]
        : [rng() < 0.3 ? pick(rng, SHARED_CHARS) : pick(rng, chars), pick(rng, chars)];
    const divisions = kind === 'local' ? LOCAL_DIVISIONS : FLOATING_DIVISIONS;
    let id: string;
    let b = birth;
    for (let tries = 0; ; tries++) {
      // The sequence's last digit is odd for men, even for women (GB 11643).
      const seq = gender === 'male' ? between(rng, 0, 499) * 2 + 1 : between(rng, 1, 499) * 2;
      id = makeIdCard(pick(rng, divisions), b, seq);
      if (!this.issued.has(id)) break;
      // A crowded birth day (a big stream): move to another day of the same year after a few tries.
      if (tries > 3) b = this.birthDate(age);
    }
    this.issued.add(id);
    return {
      name: sur[0] + given.map((g) => g[0]).join(''),
      nameInitials: sur[1] + given.map((g) => g[1]).join(''),
      gender,
      birthDate: `${b.slice(0, 4)}-${b.slice(4, 6)}-${b.slice(6)}`,
      idType: 'resident-id',
      idNumber: id,
      nationality: null,
      phone,
      registration: kind,
    };
  }

  /** YYYYMMDD of someone `age` years old on the reference date (never after it). */
  birthDate(age: number): string {
    const year = REFERENCE.year - age - (this.rng() < 0.5 ? 1 : 0);
    const month = between(this.rng, 1, 12);
    const day = between(this.rng, 1, new Date(Date.UTC(year, month, 0)).getUTCDate());
    const past = year < REFERENCE.year || month * 100 + day <= REFERENCE.month * 100 + REFERENCE.day;
    return past
      ? `${year}${pad(month)}${pad(day)}`
      : `${year - 1}${pad(month)}${pad(day === 29 && month === 2 ? 28 : day)}`;
  }

  phone(): string {
    return `${pick(this.rng, PHONE_PREFIXES)}${pad(between(this.rng, 0, 99_999_999), 8)}`;
  }

  /** A working-age-heavy spread: Yiwu's markets draw adults, with children and the elderly around them. */
  age(): number {
    const r = this.rng();
    if (r < 0.15) return between(this.rng, 0, 17);
    if (r < 0.75) return between(this.rng, 18, 59);
    return between(this.rng, 60, 95);
  }

  kind(): Kind {
    const r = this.rng();
    return r < 0.72 ? 'local' : r < 0.97 ? 'floating' : 'overseas';
  }

  /**
   * A household: an elderly person living alone, a couple with children (who take the head's surname)
   * and sometimes a grandparent, a few floating workers sharing a rented room, or a foreign merchant.
   */
  household(): DemoHousehold {
    const rng = this.rng;
    const kind = this.kind();
    if (kind === 'overseas') {
      const head = this.person('overseas', rng() < 0.8 ? 'male' : 'female', between(rng, 25, 55));
      return {
        members:
          rng() < 0.3
            ? [
                head,
                this.person('overseas', head.gender === 'male' ? 'female' : 'male', between(rng, 22, 50)),
              ]
            : [head],
      };
    }
    const r = rng();
    if (kind === 'local' && r < 0.12)
      return { members: [this.person('local', rng() < 0.6 ? 'female' : 'male', between(rng, 65, 92))] };
    if (kind === 'floating' && r < 0.35) {
      // Co-workers sharing a rental: unrelated, one of them registered as the head.
      return {
        members: Array.from({ length: between(rng, 1, 4) }, () =>
          this.person('floating', rng() < 0.55 ? 'male' : 'female', between(rng, 18, 45)),
        ),
      };
    }
    const headAge = between(rng, 26, 68);
    const sur = pick(rng, SURNAMES);
    const head = this.person(kind, 'male', headAge, sur);
    const members = [head, this.person(kind, 'female', Math.max(20, headAge + between(rng, -5, 3)))];
    const children = headAge < 50 ? between(rng, 0, 2) : between(rng, 0, 1);
    for (let i = 0; i < children; i++)
      members.push(
        this.person(kind, rng() < 0.52 ? 'male' : 'female', Math.max(0, headAge - between(rng, 22, 34)), sur),
      );
    if (kind === 'local' && headAge < 55 && rng() < 0.25)
      members.push(this.person(kind, rng() < 0.5 ? 'male' : 'female', headAge + between(rng, 24, 30), sur));
    return { members };
  }
}

/**
 * An endless stream of unrelated people with unique ID numbers (about 72 % local, 25 % floating, 3 %
 * foreign), for loads too big to hold in memory at once (the 2 M-resident lookup bench).
 */
export function* peopleStream(seed = 1): Generator<DemoPerson, never> {
  const maker = new PeopleMaker(seededRandom(seed));
  for (;;) {
    const g = maker.rng() < 0.51 ? 'male' : 'female';
    yield maker.person(maker.kind(), g, maker.age());
  }
}

/** The first `count` people of `peopleStream(seed)`. */
export function generatePeople(count: number, seed = 1): DemoPerson[] {
  const stream = peopleStream(seed);
  return Array.from({ length: count }, () => stream.next().value);
}

/** `count` households (families, people living alone, shared rentals), ID numbers unique across all. */
export function generateHouseholds(count: number, seed = 1): DemoHousehold[] {
  const maker = new PeopleMaker(seededRandom(seed));
  return Array.from({ length: count }, () => maker.household());
}

export type HouseUse = 'own-occupied' | 'rented' | 'shop' | 'vacant';

export interface DemoHouse {
  /** Which building of the compound (1…), 0 for a shop-front on a street. */
  building: number;
  address: string;
  floor: number;
  area: number;
  use: HouseUse;
  /** Rentals only: rooms let and the most people allowed to live there. */
  rooms: number | null;
  occupancyCap: number | null;
  escapeWindow: boolean;
  ebikeCharging: boolean;
}

/**
 * The flats of `buildings` residential buildings in a compound (6 floors, 2 stairwells, 2 flats per
 * landing, the usual 义乌 walk-up), numbered 幢/单元/室. About half own-occupied, a third rented (some as
 * group rentals with more rooms), the rest vacant. Rentals without escape windows or with indoor e-bike
 * charging are the fire-safety cases the grid workers look for.
 */
export function generateHouses(
  compound: string,
  buildings: number,
  seed = 1,
  firstBuilding = 1,
): DemoHouse[] {
  const rng = seededRandom(seed);
  const out: DemoHouse[] = [];
  for (let b = firstBuilding; b < firstBuilding + buildings; b++)
    for (let unit = 1; unit <= 2; unit++)
      for (let floor = 1; floor <= 6; floor++)
        for (let flat = 1; flat <= 2; flat++) {
          const r = rng();
          const use: HouseUse = r < 0.5 ? 'own-occupied' : r < 0.85 ? 'rented' : 'vacant';
          const area = Math.round((60 + rng() * 80) * 100) / 100;
          const rooms = use === 'rented' ? (rng() < 0.3 ? between(rng, 4, 8) : between(rng, 1, 3)) : null;
          out.push({
            building: b,
            address: `${compound}${b}幢${unit}单元${floor}${pad(flat)}室`,
            floor,
            area,
            use,
            rooms,
            occupancyCap: rooms == null ? null : rooms * 2,
            escapeWindow: rng() < (use === 'rented' ? 0.7 : 0.9),
            ebikeCharging: rng() < (use === 'rented' ? 0.25 : 0.1),
          });
        }
  return out;
}

export interface DemoShop {
  name: string;
  /** Unified social credit code (统一社会信用代码, GB 32100) with valid check characters. */
  licenceNo: string;
  businessStreet: string;
  /** The shop-front: a `shop` house on the street. */
  house: DemoHouse;
}

const SHOP_PREFIX =
  '鑫华 永顺 佳美 金达 宏达 恒通 顺发 隆兴 华联 新亚 汇丰 万和 福源 天成 利民 博远 富达 嘉诚'.split(' ');
const SHOP_GOODS = '饰品 五金 日用百货 袜业 玩具 工艺品 箱包 文具 服装 小家电 针织 拉链 眼镜 电子'.split(' ');
const SHOP_SUFFIX = ['商行', '店', '贸易商行', '经营部', '有限公司'];

// GB 32100 (unified social credit code) and GB 11714 (organization code) check characters.
const USCC_CHARS = '0123456789ABCDEFGHJKLMNPQRTUWXY';
const USCC_WEIGHTS = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28];
const ORG_WEIGHTS = [3, 7, 9, 10, 5, 8, 4, 2];

export function unifiedCreditCode(kindCode: '91' | '92', division: string, org8: string): string {
  let s = 0;
  for (let i = 0; i < 8; i++) s += Number(org8[i]) * ORG_WEIGHTS[i]!;
  const c9 = 11 - (s % 11);
  const org = org8 + (c9 === 10 ? 'X' : c9 === 11 ? '0' : String(c9));
  const first17 = `${kindCode}${division}${org}`;
  let sum = 0;
  for (let i = 0; i < 17; i++) sum += USCC_CHARS.indexOf(first17[i]!) * USCC_WEIGHTS[i]!;
  return first17 + USCC_CHARS[(31 - (sum % 31)) % 31]!;
}

/** `count` shop-fronts numbered along a street of businesses, each with a name and a licence number. */
export function generateShops(street: string, count: number, seed = 1): DemoShop[] {
  const rng = seededRandom(seed);
  const used = new Set<string>();
  const out: DemoShop[] = [];
  for (let i = 0; i < count; i++) {
    const suffix = pick(rng, SHOP_SUFFIX);
    // 个体工商户 (92) for shops, enterprises (91) for the 有限公司 ones.
    let licenceNo: string;
    do
      licenceNo = unifiedCreditCode(
        suffix === '有限公司' ? '91' : '92',
        '330782',
        pad(between(rng, 0, 99_999_999), 8),
      );
    while (used.has(licenceNo));
    used.add(licenceNo);
    out.push({
      name: `义乌市${pick(rng, SHOP_PREFIX)}${pick(rng, SHOP_GOODS)}${suffix}`,
      licenceNo,
      businessStreet: street,
      house: {
        building: 0,
        address: `${street}${2 * i + 1}号`,
        floor: 1,
        area: Math.round((20 + rng() * 60) * 100) / 100,
        use: 'shop',
        rooms: null,
        occupancyCap: null,
        escapeWindow: rng() < 0.8,
        ebikeCharging: rng() < 0.15,
      },
    });
  }
  return out;
}
