export { exportHouseholds, HOUSEHOLD_EXPORT_HEADERS } from './households-export.ts';
export { HOUSE_EXAMPLE, HOUSE_HEADERS } from './houses-template.ts';
export { importReport } from './import-report.ts';
export { addPaged, type PagedExport, type Unmasked, type Where } from './paged-export.ts';
export { exportHouses, exportShops, HOUSE_EXPORT_HEADERS, SHOP_EXPORT_HEADERS } from './places-export.ts';
export { EXPORT_HEADERS, exportResidents, type ResidentExport } from './residents-export.ts';
export { RESIDENT_EXAMPLE, RESIDENT_HEADERS } from './residents-template.ts';
export {
  cellText,
  countSheetRows,
  NotXlsxError,
  readSheet,
  type SheetRow,
  type SheetWriter,
  type WorkbookWriter,
  writeSheet,
  writeWorkbook,
} from './sheet.ts';
export { licenceProblem, SHOP_EXAMPLE, SHOP_HEADERS } from './shops-template.ts';
