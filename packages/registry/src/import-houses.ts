import type { Readable } from 'node:stream';
import type { Tx } from '@civicgrid/db';
import {
  type Checked,
  type ImportOptions,
  type ImportSummary,
  importRows,
  settleInserted,
} from './import-batches.ts';
import { unitResolver } from './import-units.ts';
import { isIssue } from './xlsx/columns.ts';
import { mapHouseHeaders, type ParsedHouse, parseHouseRow } from './xlsx/houses-template.ts';

/**
 * Houses from an xlsx stream, through the shared batch loop. A house is the same house when it has the
 * same address on the same unit (the `house_address` unique key): earlier in the file, or registered
 * before, it is reported as a duplicate and not written again, so a file can be imported twice.
 */

/** The unit kinds a house may hang on (architecture: a building, a compound or a grid). */
export const HOUSE_UNIT_KINDS = ['building', 'compound', 'grid'] as const;

type Pending = Checked<ParsedHouse>;

export function importHouses(source: Readable, opts: ImportOptions): Promise<ImportSummary> {
  const units = unitResolver(opts, HOUSE_UNIT_KINDS);
  const seen = new Map<string, number>(); // unit id + address → the line that registered it
  return importRows(source, opts, {
    template: '房屋导入模板',
    mapHeaders: mapHouseHeaders,
    check(line, cells, cols) {
      const outcome: Pending['outcome'] = { line, cells, status: 'failed', reason: null };
      const parsed = parseHouseRow(cells, cols);
      if (isIssue(parsed)) {
        outcome.reason = `${parsed.column}：${parsed.reason}`;
        return { outcome };
      }
      return { outcome, parsed };
    },
    write: (tx, rows) => writeHouses(tx, rows, units, seen, opts),
  });
}

async function writeHouses(
  tx: Tx,
  rows: Pending[],
  units: ReturnType<typeof unitResolver>,
  seen: Map<string, number>,
  opts: ImportOptions,
) {
  await units.resolve(
    tx,
    rows.map((p) => p.parsed!.unitRef),
  );
  const records: Array<Omit<ParsedHouse, 'unitRef'> & { id: string; unit: string }> = [];
  const byId = new Map<string, Pending>();
  for (const p of rows) {
    const { unitRef, ...house } = p.parsed!;
    const unit = units.get(unitRef);
    if ('reason' in unit) {
      p.outcome.reason = `所属楼栋/网格：${unit.reason}`;
      continue;
    }
    const key = `${unit.id} ${house.address}`;
    const earlier = seen.get(key);
    if (earlier !== undefined) {
      p.outcome.status = 'duplicate';
      p.outcome.reason = `重复：与第${earlier}行是同一套房屋（所属楼栋/网格和地址相同）`;
      continue;
    }
    seen.set(key, p.outcome.line);
    const id = crypto.randomUUID();
    byId.set(id, p);
    records.push({ ...house, id, unit: unit.id });
  }
  if (records.length === 0) return;
  const inserted = await tx.query<{ id: string }>(
    `insert into house (tenant_id, id, org_unit_id, address, floor, area, use, rooms, occupancy_cap,
       escape_window, ebike_charging)
     select ?::uuid, id, unit, address, floor, area, use, rooms, "occupancyCap", "escapeWindow", "ebikeCharging"
       from json_to_recordset(?::json) as x(id uuid, unit uuid, address text, floor integer, area numeric,
         use text, rooms integer, "occupancyCap" integer, "escapeWindow" boolean, "ebikeCharging" boolean)
     on conflict (tenant_id, org_unit_id, address) do nothing
     returning id`,
    [opts.tenantId, JSON.stringify(records)],
  );
  // The rest hit the (tenant_id, org_unit_id, address) key: registered before this file.
  settleInserted(byId, inserted, '重复：此房屋已登记（所属楼栋/网格和地址相同）');
}
