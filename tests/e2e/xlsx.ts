import ExcelJS from 'exceljs';

/** A valid GB 11643 number: region, birth date, sequence, then the ISO 7064 MOD 11-2 check character. */
export function idNumber(region: string, birth: string, seq: number): string {
  const body = `${region}${birth.replace(/-/g, '')}${String(seq).padStart(3, '0')}`;
  const weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
  const sum = [...body].reduce((s, d, i) => s + Number(d) * weights[i]!, 0);
  return body + '10X98765432'[sum % 11];
}

const HEADERS = [
  '姓名',
  '拼音首字母',
  '证件类型',
  '证件号码',
  '性别',
  '出生日期',
  '国籍',
  '手机号',
  '户籍类型',
  '房屋编号',
  '房屋地址',
  '迁入日期',
];

/** A residents workbook in the template's columns. */
export async function residentsWorkbook(rows: string[][]): Promise<Buffer> {
  const wb = new ExcelJS.Workbook();
  const ws = wb.addWorksheet('居民');
  ws.addRow(HEADERS);
  for (const r of rows) ws.addRow(r);
  return Buffer.from(await wb.xlsx.writeBuffer());
}

/** A report workbook's rows as text cells. */
export async function readRows(file: string): Promise<string[][]> {
  const wb = new ExcelJS.Workbook();
  await wb.xlsx.readFile(file);
  const out: string[][] = [];
  wb.worksheets[0]!.eachRow((row) => {
    out.push((row.values as unknown[]).slice(1).map((v) => (v == null ? '' : String(v))));
  });
  return out;
}
