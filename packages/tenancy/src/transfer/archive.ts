import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import type { Tenant } from '../tenant.ts';

/**
 * A tenant archive is gzip'd text, one record per line, its kind in the first character:
 *
 *     M {manifest}               first line: what this is, whose, from which schema and keys
 *     T {"table","columns"}      a table begins; its rows follow
 *     R {row}                    one row, a JSON object (bytea as "\\x…", ltree and times as text)
 *     E {"table","rows"}         the table ends: how many rows it had
 *     F {"key","size","sha256"}  a stored file begins (key relative to the tenant's storage)
 *     B <base64>                 up to 48 KiB of the file
 *     Z {"tables","files"}       last line: counts of everything above; an archive without it is cut short
 *
 * Text and gzip because an operator can read one with `zcat | head` and the format outlives this code.
 */
export const ARCHIVE_FORMAT = 'civicgrid-tenant';
export const ARCHIVE_VERSION = 1;
export const FILE_CHUNK = 48 * 1024;

export interface KeyFingerprints {
  keys: Record<string, string>;
  hash: string;
}

export interface ArchiveManifest {
  format: typeof ARCHIVE_FORMAT;
  version: number;
  exportedAt: string;
  /** The tenant's row (its id and code stay the same where it goes). */
  tenant: Pick<Tenant, 'id' | 'code' | 'name' | 'timezone' | 'locale' | 'divisionCode' | 'status'> & {
    createdAt: string;
  };
  /** Migrations applied where it was exported (`source/name`): the target must have them all. */
  migrations: string[];
  /** The personal-data keys its sealed values need (fingerprints only), or null: none configured. */
  keys: KeyFingerprints | null;
}

export interface ArchiveTotals {
  tables: Record<string, number>;
  files: number;
}

export type ArchiveLine =
  | { kind: 'M'; manifest: ArchiveManifest }
  | { kind: 'T'; table: string; columns: string[] }
  | { kind: 'R'; row: string }
  | { kind: 'E'; table: string; rows: number }
  | { kind: 'F'; key: string; size: number; sha256: string }
  | { kind: 'B'; bytes: Buffer }
  | { kind: 'Z'; totals: ArchiveTotals };

/** Why an archive cannot be read: the import says it, field `archive`, and writes nothing. */
export class ArchiveError extends Error {
  override name = 'ArchiveError';
}

export const line = (kind: 'M' | 'T' | 'E' | 'F' | 'Z', value: object) =>
  `${kind} ${JSON.stringify(value)}\n`;

/** The lines of a gzip'd archive, parsed; a row stays text (the database parses it). */
export async function* readArchive(gz: Readable): AsyncGenerator<ArchiveLine> {
  const gunzip = createGunzip();
  // A failing input (not gzip, cut short) ends the lines, or rejects them: either way it is said below.
  let failure: Error | null = null;
  const lines = createInterface({ input: gunzip, crlfDelay: Number.POSITIVE_INFINITY });
  const fail = (e: Error) => {
    failure ??= e;
    lines.close();
  };
  gz.on('error', fail);
  gunzip.on('error', fail);
  gz.pipe(gunzip);
  let n = 0;
  try {
    for await (const text of lines) {
      if (failure) break;
      n++;
      const kind = text[0];
      const body = text.slice(2);
      if (text[1] !== ' ') throw new ArchiveError(`line ${n} is not an archive line`);
      if (kind === 'R') yield { kind, row: body };
      else if (kind === 'B') yield { kind, bytes: Buffer.from(body, 'base64') };
      else if (kind === 'M') yield { kind, manifest: parse(body, n) as ArchiveManifest };
      else if (kind === 'T' || kind === 'E' || kind === 'F')
        yield { kind, ...(parse(body, n) as object) } as ArchiveLine;
      else if (kind === 'Z') yield { kind, totals: parse(body, n) as ArchiveTotals };
      else throw new ArchiveError(`line ${n} is not an archive line`);
    }
  } catch (err) {
    if (err instanceof ArchiveError) throw err;
    failure ??= err as Error;
  }
  if (failure) throw new ArchiveError(`not a readable archive (${(failure as Error).message})`);
}

function parse(body: string, n: number): unknown {
  try {
    return JSON.parse(body);
  } catch {
    throw new ArchiveError(`line ${n} is not valid JSON`);
  }
}
