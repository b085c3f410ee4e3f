export { importReport } from './import-report.ts';
export { EXPORT_HEADERS, exportResidents, type ResidentExport } from './residents-export.ts';
export { RESIDENT_EXAMPLE, RESIDENT_HEADERS } from './residents-template.ts';
export { cellText, NotXlsxError, readSheet, type SheetRow, type SheetWriter, writeSheet } from './sheet.ts';
