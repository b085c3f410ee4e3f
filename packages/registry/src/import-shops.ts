import type { Readable } from 'node:stream';
import type { Tx } from '@civicgrid/db';
import {
  type Checked,
  type ImportOptions,
  type ImportSummary,
  importRows,
  scopeOf,
  settleInserted,
} from './import-batches.ts';
import { isUnder, unitResolver } from './import-units.ts';
import { isIssue } from './xlsx/columns.ts';
import { mapShopHeaders, type ParsedShop, parseShopRow } from './xlsx/shops-template.ts';

/**
 * Shops from an xlsx stream, through the shared batch loop. The same licence number is the same shop
 * (the `shop_licence` unique key). A row may name the shop-front house (by id, or by address among the
 * houses on the shop's unit and below it) and the operator (by ID number, through the keyed hash, so the
 * number is never compared or stored in clear); both must be inside the caller's scope.
 */

export const SHOP_UNIT_KINDS = ['grid', 'building', 'compound'] as const;

type Pending = Checked<ParsedShop & { operatorHash: string | null }>;

export function importShops(source: Readable, opts: ImportOptions): Promise<ImportSummary> {
  const units = unitResolver(opts, SHOP_UNIT_KINDS);
  const seen = new Map<string, number>(); // licence number → the line that registered it
  return importRows(source, opts, {
    template: '商铺导入模板',
    mapHeaders: mapShopHeaders,
    check(line, cells, cols) {
      const outcome: Pending['outcome'] = { line, cells, status: 'failed', reason: null };
      const parsed = parseShopRow(cells, cols);
      if (isIssue(parsed)) {
        outcome.reason = `${parsed.column}：${parsed.reason}`;
        return { outcome };
      }
      // Hashed here, outside the transaction, as residents' numbers are sealed (the same normalization
      // as `idLookupHash`: trimmed, upper case).
      const operatorHash = parsed.operatorId
        ? opts.pii.hash(opts.tenantId, 'id', parsed.operatorId).toString('base64')
        : null;
      return { outcome, parsed: { ...parsed, operatorHash } };
    },
    write: (tx, rows) => writeShops(tx, rows, units, seen, opts),
  });
}

interface HouseRow {
  id: string;
  address: string;
  pathKey: string;
}

/** The batch's houses (by id or address) and operators (by hash), inside the caller's scope. */
async function refsOf(tx: Tx, rows: Pending[], opts: ImportOptions) {
  const ids: string[] = [];
  const addresses: string[] = [];
  const hashes: string[] = [];
  for (const { parsed } of rows) {
    const h = parsed!.house;
    if (h && 'id' in h) ids.push(h.id);
    else if (h) addresses.push(h.address);
    if (parsed!.operatorHash) hashes.push(parsed!.operatorHash);
  }
  const hs = scopeOf(opts, 'h.org_unit_id');
  const houses =
    ids.length + addresses.length === 0
      ? []
      : await tx.query<HouseRow>(
          `select h.id, h.address, u.path_key as "pathKey" from house h
             join org_unit u on u.tenant_id = h.tenant_id and u.id = h.org_unit_id
            where h.tenant_id = ? and (h.id = any(?::uuid[]) or h.address = any(?::text[])) and ${hs.sql}`,
          [tx.tenantId, ids, addresses, ...hs.params],
        );
  const rs = scopeOf(opts, 'r.org_unit_id');
  const operators =
    hashes.length === 0
      ? []
      : await tx.query<{ id: string; hash: string }>(
          `select r.id, encode(r.id_hash, 'base64') as hash from resident r
            where r.tenant_id = ? and r.id_hash = any(array(select decode(x, 'base64') from unnest(?::text[]) x))
              and ${rs.sql}`,
          [tx.tenantId, hashes, ...rs.params],
        );
  return {
    houses,
    byId: new Map(houses.map((h) => [h.id, h])),
    operators: new Map(operators.map((o) => [o.hash, o.id])),
  };
}

async function writeShops(
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
  const refs = await refsOf(tx, rows, opts);
  const records: Array<{
    id: string;
    unit: string;
    house: string | null;
    name: string;
    licence: string;
    street: string | null;
    operator: string | null;
  }> = [];
  const byId = new Map<string, Pending>();
  for (const p of rows) {
    const s = p.parsed!;
    const unit = units.get(s.unitRef);
    if ('reason' in unit) {
      p.outcome.reason = `所属网格/楼栋：${unit.reason}`;
      continue;
    }
    let house: string | null = null;
    if (s.house && 'id' in s.house) {
      house = refs.byId.get(s.house.id)?.id ?? null;
      if (!house) {
        p.outcome.reason = '房屋编号：没有这套房屋（或不在您的管辖范围内）';
        continue;
      }
    } else if (s.house) {
      const address = s.house.address;
      const fit = refs.houses.filter((h) => h.address === address && isUnder(h.pathKey, unit.pathKey));
      if (fit.length !== 1) {
        p.outcome.reason =
          fit.length === 0
            ? '房屋地址：所属网格/楼栋下没有这个地址的房屋（或不在您的管辖范围内）'
            : '房屋地址：有多套房屋是这个地址，请填写房屋编号';
        continue;
      }
      house = fit[0]!.id;
    }
    const operator = s.operatorHash ? (refs.operators.get(s.operatorHash) ?? null) : null;
    if (s.operatorHash && !operator) {
      p.outcome.reason = '经营者证件号码：没有登记此人（或不在您的管辖范围内），请先登记居民';
      continue;
    }
    const earlier = seen.get(s.licenceNo);
    if (earlier !== undefined) {
      p.outcome.status = 'duplicate';
      p.outcome.reason = `重复：与第${earlier}行是同一商铺（统一社会信用代码相同）`;
      continue;
    }
    seen.set(s.licenceNo, p.outcome.line);
    const id = crypto.randomUUID();
    byId.set(id, p);
    records.push({
      id,
      unit: unit.id,
      house,
      name: s.name,
      licence: s.licenceNo,
      street: s.businessStreet,
      operator,
    });
  }
  if (records.length === 0) return;
  const inserted = await tx.query<{ id: string }>(
    `insert into shop (tenant_id, id, org_unit_id, house_id, name, licence_no, business_street, operator_id)
     select ?::uuid, id, unit, house, name, licence, street, operator
       from json_to_recordset(?::json) as x(id uuid, unit uuid, house uuid, name text, licence text,
         street text, operator uuid)
     on conflict (tenant_id, licence_no) where licence_no is not null do nothing
     returning id`,
    [opts.tenantId, JSON.stringify(records)],
  );
  settleInserted(byId, inserted, '重复：此商铺已登记（统一社会信用代码相同）');
}
