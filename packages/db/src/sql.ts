import { createHash } from 'node:crypto';
import type { ClientBase } from 'pg';

/** Options of one raw statement. */
export interface QueryOptions {
  /**
   * Run as a named prepared statement on this connection: parsed, RLS-rewritten and planned once per
   * connection instead of on every call. For hot statements whose text is one of a few fixed shapes.
   */
  prepare?: boolean;
}

const converted = new Map<string, string>();
const CACHE_MAX = 2000;

/** `?` placeholders (the project's SQL style) to PostgreSQL's `$1, $2, …`; memoised per statement text. */
export function toNumbered(sql: string): string {
  let out = converted.get(sql);
  if (out === undefined) {
    let n = 0;
    out = sql.replace(/\?/g, () => `$${++n}`);
    if (converted.size >= CACHE_MAX) converted.clear();
    converted.set(sql, out);
  }
  return out;
}

const statementName = (text: string) => `cg_${createHash('sha1').update(text).digest('base64url')}`;

/** Runs one statement with bound parameters (never pasted into the text) on a pg connection. */
export async function runQuery<R>(
  client: ClientBase,
  sql: string,
  params: readonly unknown[],
  opts?: QueryOptions,
): Promise<R[]> {
  const text = toNumbered(sql);
  const values = params.map((v) => (v === undefined ? null : v));
  const res = await client.query(
    opts?.prepare ? { name: statementName(text), text, values } : { text, values },
  );
  return res.rows as R[];
}
