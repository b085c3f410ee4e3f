/**
 * Rows of a CSV text (RFC 4180: quoted fields, doubled quotes, CRLF or LF), with their 1-based line
 * numbers as a spreadsheet would show them. A UTF-8 byte-order mark (Excel's "CSV UTF-8") is dropped.
 */
export function parseCsv(text: string): Array<{ line: number; cells: string[] }> {
  const src = text.replace(/^\uFEFF/, '');
  const rows: Array<{ line: number; cells: string[] }> = [];
  let cells: string[] = [];
  let cell = '';
  let quoted = false;
  let line = 1;
  let start = 1;
  for (let i = 0; i < src.length; i++) {
    const ch = src[i]!;
    if (quoted) {
      if (ch === '"' && src[i + 1] === '"') {
        cell += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else {
        if (ch === '\n') line++;
        cell += ch;
      }
    } else if (ch === '"' && cell === '') quoted = true;
    else if (ch === ',') {
      cells.push(cell);
      cell = '';
    } else if (ch === '\n' || ch === '\r') {
      if (ch === '\r' && src[i + 1] === '\n') i++;
      cells.push(cell);
      rows.push({ line: start, cells: cells.map((c) => c.trim()) });
      cells = [];
      cell = '';
      start = ++line;
    } else cell += ch;
  }
  if (cell !== '' || cells.length) {
    cells.push(cell);
    rows.push({ line: start, cells: cells.map((c) => c.trim()) });
  }
  return rows.filter((r) => r.cells.some((c) => c !== ''));
}
