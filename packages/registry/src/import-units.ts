import type { Tx } from '@civicgrid/db';
import { idsOfPath } from '@civicgrid/tenancy';
import { type ImportOptions, scopeOf } from './import-batches.ts';

/**
 * The org unit a row names, the way a clerk names it: by the unit's code (unique in the tenant), or by
 * its name path from any level down, names separated by `/` (稠城街道/绣湖社区/绣湖小区/1幢; levels may
 * be left out, 绣湖社区/1幢, as long as one unit matches). Only units inside the caller's scope count:
 * one outside it is as unknown as one that does not exist. A name that fits several units is a row
 * error asking for more of the path, never a guess.
 */

export interface FoundUnit {
  id: string;
  kind: string;
  /** the unit's path (hyphen-less ids, root first), for "is this under that" checks */
  pathKey: string;
}
export type UnitLookup = FoundUnit | { reason: string };

interface Candidate extends FoundUnit {
  name: string;
  code: string | null;
}

const KIND_TEXT: Record<string, string> = { building: '楼栋', compound: '小区', grid: '网格' };

export const splitNamePath = (ref: string) =>
  ref
    .split(/[/／]/)
    .map((s) => s.trim())
    .filter(Boolean);

/** True when `names` appear in `path` in order (not necessarily adjacent), the last one last. */
function fits(names: string[], path: string[]): boolean {
  if (names.at(-1) !== path.at(-1)) return false;
  let i = 0;
  for (const n of path.slice(0, -1)) if (i < names.length - 1 && n === names[i]) i++;
  return i === names.length - 1;
}

/**
 * Resolves references in batches, remembering each for the rest of the import (a file names the same
 * buildings over and over). `kinds` are the unit kinds a row may hang on.
 */
export function unitResolver(opts: ImportOptions, kinds: readonly string[]) {
  const known = new Map<string, UnitLookup>();
  const kindList = kinds.map((k) => KIND_TEXT[k] ?? k).join('、');

  async function resolve(tx: Tx, refs: Iterable<string>): Promise<void> {
    const todo = [...new Set(refs)].filter((r) => !known.has(r));
    if (todo.length === 0) return;
    const lastNames = todo.map((r) => splitNamePath(r).at(-1) ?? '');
    const s = scopeOf(opts, 'u.id');
    const candidates = await tx.query<Candidate>(
      `select u.id, u.kind, u.name, u.code, u.path_key as "pathKey" from org_unit u
        where u.tenant_id = ? and (u.code = any(?::text[]) or u.name = any(?::text[])) and ${s.sql}`,
      [tx.tenantId, todo, lastNames, ...s.params],
    );
    // The names of every candidate's ancestors, for matching the rest of a path (ancestors above the
    // caller's scope included: a secretary writes her street's name too).
    const ancestorIds = new Set(candidates.flatMap((c) => idsOfPath(c.pathKey)));
    const names = new Map(
      (
        await tx.query<{ id: string; name: string }>(
          `select id, name from org_unit where tenant_id = ? and id = any(?::uuid[])`,
          [tx.tenantId, [...ancestorIds]],
        )
      ).map((u) => [u.id, u.name]),
    );
    for (const ref of todo) {
      const byCode = candidates.find((c) => c.code === ref);
      const segments = splitNamePath(ref);
      const matches = byCode
        ? [byCode]
        : candidates.filter((c) =>
            fits(
              segments,
              idsOfPath(c.pathKey).map((id) => names.get(id) ?? ''),
            ),
          );
      const allowed = matches.filter((c) => kinds.includes(c.kind));
      let found: UnitLookup;
      if (allowed.length === 1) found = allowed[0]!;
      else if (allowed.length > 1)
        found = { reason: `有${allowed.length}个${kindList}符合“${ref}”，请写出更多上级名称或填写组织编码` };
      else if (matches.length > 0) found = { reason: `“${ref}”不是${kindList}` };
      else found = { reason: `没有这个${kindList}（或不在您的管辖范围内）` };
      if ('id' in found) found = { id: found.id, kind: found.kind, pathKey: found.pathKey };
      known.set(ref, found);
    }
  }

  return {
    resolve,
    /** A reference already resolved (call `resolve` with the batch's references first). */
    get: (ref: string): UnitLookup => known.get(ref) ?? { reason: '未解析' },
  };
}

/** Is the unit at `pathKey` the unit at `ancestorKey` or below it? */
export const isUnder = (pathKey: string, ancestorKey: string) =>
  pathKey === ancestorKey || pathKey.startsWith(`${ancestorKey}.`);

/**
 * Units' name paths below the tenant's root (稠城街道/绣湖社区/绣湖小区/1幢), as the imports read them
 * back: what an export writes, so an edited export imports again.
 */
export async function unitNamePaths(tx: Tx, unitIds: Iterable<string>): Promise<Map<string, string>> {
  const units = await tx.query<{ id: string; pathKey: string }>(
    `select id, path_key as "pathKey" from org_unit where tenant_id = ? and id = any(?::uuid[])`,
    [tx.tenantId, [...new Set(unitIds)]],
  );
  const all = new Set(units.flatMap((u) => idsOfPath(u.pathKey)));
  const names = new Map(
    (
      await tx.query<{ id: string; name: string }>(
        `select id, name from org_unit where tenant_id = ? and id = any(?::uuid[])`,
        [tx.tenantId, [...all]],
      )
    ).map((u) => [u.id, u.name]),
  );
  return new Map(
    units.map((u) => {
      const ids = idsOfPath(u.pathKey);
      return [u.id, (ids.length > 1 ? ids.slice(1) : ids).map((id) => names.get(id) ?? '').join('/')];
    }),
  );
}
