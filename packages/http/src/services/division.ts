import type { Tx } from '@civicgrid/db';

/** What the division tools package provides; loaded only when an import is asked for. */
export interface DivisionImporter {
  importDivision(
    tx: Tx,
    opts: { rootUnitId: string; districtCode: string },
  ): Promise<{ streets: number; communities: number; inserted: number; skipped: number }>;
}
