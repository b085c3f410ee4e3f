import type { Readable } from 'node:stream';
import { type ImportOptions, type ImportSummary, importResidents } from './import.ts';

/**
 * What can be imported from a workbook, and what each kind needs: the one list the synchronous import
 * routes and the background import job both read, so a kind added here is importable both ways.
 */
export interface ImportKindDef {
  /** The permission that writes this kind (its scope limits which places rows may name). */
  permission: string;
  /** The audit action recorded once per import, with its summary. */
  auditAction: string;
  /** The table the audit row names as its target type. */
  targetType: string;
  /** The report's file name, without extension. */
  reportName: string;
  run(source: Readable, opts: ImportOptions): Promise<ImportSummary>;
}

export const IMPORT_KINDS = {
  residents: {
    permission: 'registry.resident.manage',
    auditAction: 'registry.resident.import',
    targetType: 'resident',
    reportName: 'residents-import-report',
    run: importResidents,
  },
} satisfies Record<string, ImportKindDef>;

export type ImportKind = keyof typeof IMPORT_KINDS;

export const isImportKind = (k: unknown): k is ImportKind =>
  typeof k === 'string' && Object.hasOwn(IMPORT_KINDS, k);
