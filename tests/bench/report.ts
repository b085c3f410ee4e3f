/** Plain-text tables for the bench reports (CJK-aware column widths). */

/** Display width: CJK and full-width characters take two columns. */
export function width(s: string): number {
  let w = 0;
  for (const ch of s) {
    const c = ch.codePointAt(0)!;
    w +=
      c >= 0x1100 &&
      (c <= 0x115f ||
        (c >= 0x2e80 && c <= 0xa4cf) ||
        (c >= 0xac00 && c <= 0xd7a3) ||
        (c >= 0xf900 && c <= 0xfaff) ||
        (c >= 0xfe30 && c <= 0xfe4f) ||
        (c >= 0xff00 && c <= 0xff60) ||
        (c >= 0xffe0 && c <= 0xffe6))
        ? 2
        : 1;
  }
  return w;
}

const pad = (s: string, n: number, right: boolean) => {
  const fill = ' '.repeat(Math.max(0, n - width(s)));
  return right ? fill + s : s + fill;
};

/** A table: first row is the header; columns whose cells look numeric are right-aligned. */
export function table(rows: Array<Array<string | number>>, title?: string): string {
  const cells = rows.map((r) => r.map((c) => String(c)));
  const cols = Math.max(...cells.map((r) => r.length));
  const widths = Array.from({ length: cols }, (_, i) => Math.max(...cells.map((r) => width(r[i] ?? ''))));
  const numeric = Array.from({ length: cols }, (_, i) =>
    cells.slice(1).every((r) => /^[-+]?[\d.,]+\s*(%|ms|s|µs)?$/.test(r[i] ?? '') || (r[i] ?? '') === '—'),
  );
  const line = (r: string[]) =>
    `| ${Array.from({ length: cols }, (_, i) => pad(r[i] ?? '', widths[i]!, numeric[i]!)).join(' | ')} |`;
  const sep = `|${widths.map((w, i) => (numeric[i] ? `${'-'.repeat(w + 1)}:` : '-'.repeat(w + 2))).join('|')}|`;
  const out = [line(cells[0]!), sep, ...cells.slice(1).map(line)];
  return (title ? `${title}\n` : '') + out.join('\n');
}

/** Flattens a nested JSON value into dotted key / value rows (for results whose shape we do not own). */
export function flatten(value: unknown, prefix = ''): Array<[string, string]> {
  if (value === null || typeof value !== 'object') return [[prefix || 'value', String(value)]];
  if (Array.isArray(value) && value.every((v) => v === null || typeof v !== 'object'))
    return [[prefix, value.join(', ')]];
  return Object.entries(value).flatMap(([k, v]) => flatten(v, prefix ? `${prefix}.${k}` : k));
}
