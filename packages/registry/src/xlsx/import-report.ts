import type { Writable } from 'node:stream';
import type { RowOutcome } from '../import.ts';
import { writeSheet } from './sheet.ts';

/**
 * The import report: every data row as it was sent, with 状态 (成功 / 失败) and 原因, written row by
 * row to `out` as the import goes (a duplicate is a 失败 whose reason starts with 重复).
 */
export function importReport(out: Writable) {
  let sheet: ReturnType<typeof writeSheet> | null = null;
  let width = 0;
  return {
    header(cells: string[]) {
      width = cells.length;
      sheet = writeSheet(out, '导入结果', ['行号', ...cells, '状态', '原因']);
    },
    row(o: RowOutcome) {
      const cells = Array.from({ length: width }, (_, i) => o.cells[i] ?? '');
      sheet!.add([o.line, ...cells, o.status === 'imported' ? '成功' : '失败', o.reason ?? '']);
    },
    async end() {
      // A file refused before its header still gets a (header-only) report.
      sheet ??= writeSheet(out, '导入结果', ['行号', '状态', '原因']);
      await sheet.end();
    },
  };
}
