import type { Readable } from 'node:stream';
import { type ImportOptions, type ImportSummary, importResidents } from './import.ts';
import { importHouses } from './import-houses.ts';
import { importShops } from './import-shops.ts';
import { HOUSE_EXAMPLE, HOUSE_HEADERS } from './xlsx/houses-template.ts';
import { RESIDENT_EXAMPLE, RESIDENT_HEADERS } from './xlsx/residents-template.ts';
import { SHOP_EXAMPLE, SHOP_HEADERS } from './xlsx/shops-template.ts';

export { HOUSE_UNIT_KINDS, importHouses } from './import-houses.ts';
export { importShops, SHOP_UNIT_KINDS } from './import-shops.ts';
export { unitNamePaths } from './import-units.ts';

/**
 * What can be imported from a workbook, and what each kind needs: the one list the synchronous import
 * routes and the background import job both read, so a kind added here is importable both ways.
 */
export interface ImportKindDef {
  /** The permission that writes this kind (its scope limits which places rows may name). */
  permission: string;
  /** The permission that reads this kind: enough to download its template. */
  readPermission: string;
  /** The audit action recorded once per import, with its summary. */
  auditAction: string;
  /** The table the audit row names as its target type. */
  targetType: string;
  /** The report's file name, without extension. */
  reportName: string;
  /** The downloadable template: its sheet's name, the header row and one example row. */
  template: { sheet: string; headers: readonly string[]; example: readonly string[] };
  run(source: Readable, opts: ImportOptions): Promise<ImportSummary>;
}

export const IMPORT_KINDS = {
  residents: {
    permission: 'registry.resident.manage',
    readPermission: 'registry.resident.read',
    auditAction: 'registry.resident.import',
    targetType: 'resident',
    reportName: 'residents-import-report',
    template: { sheet: '居民', headers: RESIDENT_HEADERS, example: RESIDENT_EXAMPLE },
    run: importResidents,
  },
  houses: {
    permission: 'registry.place.manage',
    readPermission: 'registry.place.read',
    auditAction: 'registry.house.import',
    targetType: 'house',
    reportName: 'houses-import-report',
    template: { sheet: '房屋', headers: HOUSE_HEADERS, example: HOUSE_EXAMPLE },
    run: importHouses,
  },
  shops: {
    permission: 'registry.place.manage',
    readPermission: 'registry.place.read',
    auditAction: 'registry.shop.import',
    targetType: 'shop',
    reportName: 'shops-import-report',
    template: { sheet: '商铺', headers: SHOP_HEADERS, example: SHOP_EXAMPLE },
    run: importShops,
  },
} satisfies Record<string, ImportKindDef>;

export type ImportKind = keyof typeof IMPORT_KINDS;

export const isImportKind = (k: unknown): k is ImportKind =>
  typeof k === 'string' && Object.hasOwn(IMPORT_KINDS, k);
