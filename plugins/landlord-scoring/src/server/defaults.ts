import type { SubjectKind } from '../common/index.ts';

/**
 * The catalogue every tenant starts with (a version effective from 2000-01-01, so any record date has
 * a rule). Landlords: Yiwu's 7 categories / 17 deduction items (population management, fire safety,
 * public order, electrical safety, …; seed 004), point values after the Jinhua examples in
 * REFERENCE.md (no household file −12, incomplete −4, dangling-cable charging −3, blocked escape window
 * −3). Shops: the 38 negative behaviours of the business-street system in four groups. Bonus items
 * after Yiwu 义亭镇 (+1 patrol/mediation, at most 3 a month; +1 verified self-inspection; +2 smart
 * lock; +3 stopping a fraud). Tenants edit them as new versions.
 */
export interface DefaultCategory {
  code: string;
  zh: string;
  en: string;
  /** [code, zh-CN, English, points, monthly cap (bonus items only)] */
  items: Array<[string, string, string, number, number?]>;
  effect: 'deduction' | 'bonus';
}

const LANDLORD: DefaultCategory[] = [
  {
    code: 'population',
    zh: '人口管理',
    en: 'Population management',
    effect: 'deduction',
    items: [
      ['no-household-file', '未建立出租房屋“一户一档”', 'No one-file-per-household record', 12],
      ['household-file-incomplete', '“一户一档”信息不全', 'Household record incomplete', 4],
      ['tenant-undeclared', '租客未按规定申报登记', 'Tenant not declared', 2],
      ['tenant-id-unchecked', '未查验租客身份证件', 'Tenant identity not checked', 2],
    ],
  },
  {
    code: 'fire',
    zh: '消防安全',
    en: 'Fire safety',
    effect: 'deduction',
    items: [
      ['escape-window-blocked', '逃生窗被封堵', 'Escape window blocked', 3],
      ['no-extinguisher', '未按规定配备灭火器、烟感', 'No extinguisher or smoke alarm', 2],
      ['corridor-blocked', '楼道、疏散通道堆放杂物', 'Corridor or escape route obstructed', 2],
    ],
  },
  {
    code: 'public-order',
    zh: '治安管理',
    en: 'Public order',
    effect: 'deduction',
    items: [
      ['crime-unreported', '出租房内违法犯罪活动未报告', 'Crime in the rental not reported', 4],
      ['overcrowding', '群租、超员居住', 'Overcrowding or group renting', 3],
    ],
  },
  {
    code: 'electrical',
    zh: '用电安全',
    en: 'Electrical safety',
    effect: 'deduction',
    items: [
      ['dangling-cable-charging', '飞线充电', 'Charging e-bikes from a dangling cable', 3],
      ['ebike-indoors', '电动车进楼入户停放充电', 'E-bikes parked or charged indoors', 3],
      ['unsafe-wiring', '私拉乱接电线', 'Unsafe improvised wiring', 2],
    ],
  },
  {
    code: 'premises',
    zh: '场所安全',
    en: 'Premises safety',
    effect: 'deduction',
    items: [
      ['three-in-one', '违规“三合一”（住人与生产、储存合用）', 'Living, production and storage combined', 4],
    ],
  },
  {
    code: 'environment',
    zh: '环境卫生',
    en: 'Environment and sanitation',
    effect: 'deduction',
    items: [
      ['rubbish', '垃圾未分类、乱堆放', 'Rubbish unsorted or dumped', 1],
      ['illegal-structure', '违章搭建', 'Illegal structure', 3],
    ],
  },
  {
    code: 'cooperation',
    zh: '配合管理',
    en: 'Cooperation with the grid',
    effect: 'deduction',
    items: [
      ['inspection-refused', '拒绝、阻挠网格员检查', 'Inspection refused or obstructed', 3],
      ['rectification-overdue', '隐患整改逾期未完成', 'Hazard not rectified in time', 2],
    ],
  },
  {
    code: 'bonus',
    zh: '加分项目',
    en: 'Bonus items',
    effect: 'bonus',
    items: [
      ['joined-patrol', '参加宣传、巡逻、调解等活动', 'Joined publicity, patrol or mediation', 1, 3],
      [
        'self-inspection',
        '消防安全自查并经网格核实',
        'Fire-safety self-inspection verified by the grid',
        1,
        1,
      ],
      ['smart-lock', '安装智能门锁', 'Installed a smart door lock', 2, 2],
      ['fraud-stopped', '劝阻租客被诈骗', 'Stopped a tenant being defrauded', 3],
    ],
  },
];

const SHOP: DefaultCategory[] = [
  {
    code: 'trading',
    zh: '规范经营',
    en: 'Regulated trading',
    effect: 'deduction',
    items: [
      ['unlicensed', '无照经营或证照不全', 'Trading without full licences', 4],
      ['licence-hidden', '未亮照经营', 'Licence not displayed', 1],
      ['beyond-scope', '超范围经营', 'Trading beyond the licensed scope', 3],
      ['counterfeit', '销售假冒伪劣商品', 'Selling counterfeit or substandard goods', 6],
      ['expired-food', '销售过期变质食品', 'Selling expired or spoiled food', 6],
      ['price-fraud', '价格欺诈、未明码标价', 'Price fraud or unmarked prices', 3],
      ['short-weight', '短斤缺两', 'Short weight', 3],
      ['false-advertising', '虚假宣传', 'False advertising', 3],
      ['no-receipt', '拒开发票或收据', 'Refusing receipts', 1],
      ['sold-to-minors', '向未成年人销售烟酒', 'Selling tobacco or alcohol to minors', 4],
    ],
  },
  {
    code: 'conduct',
    zh: '文明经商',
    en: 'Civil conduct',
    effect: 'deduction',
    items: [
      ['forced-sale', '强买强卖、欺客宰客', 'Forced sales or overcharging', 4],
      ['touting', '店外揽客、拉客', 'Touting in the street', 2],
      ['mediation-refused', '经营纠纷不配合调解', 'Refusing mediation of a dispute', 2],
      ['abuse', '辱骂、殴打顾客', 'Abusing or assaulting customers', 6],
      ['noise', '高音喇叭促销等噪声扰民', 'Noise nuisance (loudspeakers)', 2],
      ['pavement-trading', '占道经营、出店经营', 'Trading on the pavement', 2],
      ['fly-posting', '乱张贴、乱悬挂广告', 'Fly-posting', 1],
      ['inspection-refused', '拒不配合网格检查', 'Refusing grid inspection', 3],
      ['frontage-duties', '未落实“门前三包”', 'Frontage duties not met', 1],
    ],
  },
  {
    code: 'safety',
    zh: '安全生产',
    en: 'Safety',
    effect: 'deduction',
    items: [
      ['fire-equipment', '消防器材缺失或失效', 'Fire equipment missing or expired', 3],
      ['fire-exit-blocked', '堵塞消防通道、安全出口', 'Fire exit blocked', 4],
      ['three-in-one', '店内违规住人（“三合一”）', 'People living on the premises', 6],
      ['gas-cylinders', '违规使用、存放液化气瓶', 'Unsafe LPG cylinders', 4],
      ['unsafe-wiring', '私拉乱接电线', 'Unsafe improvised wiring', 2],
      ['ebike-charging', '电动车店内充电', 'Charging e-bikes inside', 3],
      ['flammables', '违规储存易燃易爆物品', 'Storing flammable or explosive goods', 6],
      ['no-security', '未落实防盗、监控措施', 'No anti-theft or CCTV measures', 1],
      ['staff-unregistered', '从业人员信息未登记', 'Staff not registered', 2],
      ['accident-unreported', '发生安全事故未及时报告', 'Accident not reported in time', 4],
    ],
  },
  {
    code: 'environment',
    zh: '环境卫生',
    en: 'Environment',
    effect: 'deduction',
    items: [
      ['rubbish', '垃圾未分类、乱倒垃圾', 'Rubbish unsorted or dumped', 1],
      ['fumes', '油烟直排', 'Cooking fumes discharged untreated', 2],
      ['sewage', '污水乱排', 'Sewage discharged', 2],
      ['signboard', '店招店牌破损或不规范', 'Damaged or non-standard signboard', 1],
      ['clutter', '店外乱堆乱放', 'Clutter outside the shop', 1],
      ['parking', '车辆乱停乱放', 'Disorderly parking', 1],
      ['illegal-awning', '违规搭建雨棚、违章建筑', 'Illegal awning or structure', 3],
      ['public-damage', '损坏公共设施、绿化', 'Damaging public facilities or greenery', 2],
      ['frontage-dirty', '门前卫生不洁', 'Unclean frontage', 1],
    ],
  },
  {
    code: 'bonus',
    zh: '加分项目',
    en: 'Bonus items',
    effect: 'bonus',
    items: [
      ['joined-patrol', '参与志愿服务、巡逻、调解', 'Joined volunteering, patrol or mediation', 1, 3],
      ['customer-praise', '诚信经营获顾客表扬', 'Praised by customers for honest trading', 1, 2],
      ['hazard-reported', '主动报告安全隐患或违法线索', 'Reported a hazard or an offence', 2],
    ],
  },
];

export const DEFAULT_CATALOGUE: Record<SubjectKind, DefaultCategory[]> = { landlord: LANDLORD, shop: SHOP };

/** The date the default versions apply from: before any record a tenant could enter. */
export const DEFAULT_EFFECTIVE_FROM = '2000-01-01';
