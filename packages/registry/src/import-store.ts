import { Readable, Writable } from 'node:stream';
import type { Database, Tx } from '@civicgrid/db';
import type { Pii } from './pii.ts';

/**
 * An import's files (the uploaded workbook, its report) as sealed chunks in `registry_import_chunk`:
 * written and read one chunk at a time, so neither side ever holds a whole file, and readable from
 * any replica. Each chunk is sealed with the tenant and `file` as associated data.
 */

export type ChunkPart = 'upload' | 'report';

/** 1 MiB: a 100 k-row workbook (~8 MB) is a handful of rows, and a chunk is small next to the pool's memory. */
const CHUNK = 1 << 20;

interface Where {
  tenantId: string;
  importId: string;
  part: ChunkPart;
}

/**
 * A Writable that seals and stores what it is given in chunks of 1 MiB, each inserted by `run` (the
 * caller's transaction for an upload, a short one of its own per chunk for a report being written).
 */
export function chunkWriter(
  pii: Pii,
  where: Where,
  run: <T>(fn: (tx: Tx) => Promise<T>) => Promise<T>,
): Writable & { chunks(): number; bytes(): number } {
  let pending: Buffer[] = [];
  let size = 0;
  let total = 0;
  let seq = 0;
  const store = async () => {
    if (size === 0) return;
    const data = Buffer.concat(pending, size);
    pending = [];
    size = 0;
    const sealed = pii.encrypt(where.tenantId, 'file', data);
    const n = seq++;
    await run((tx) =>
      tx.query(
        `insert into registry_import_chunk (tenant_id, import_id, part, seq, pii_key, data) values (?, ?, ?, ?, ?, ?)`,
        [where.tenantId, where.importId, where.part, n, pii.keyId, sealed],
      ),
    );
  };
  const w = new Writable({
    write(chunk: Buffer, _enc, done) {
      pending.push(chunk);
      size += chunk.length;
      total += chunk.length;
      if (size < CHUNK) return done();
      store().then(() => done(), done);
    },
    final(done) {
      store().then(() => done(), done);
    },
  });
  return Object.assign(w, { chunks: () => seq, bytes: () => total });
}

/**
 * The stored file as a stream, one chunk fetched (and opened) when the consumer wants more, handed on
 * in slices of 64 KiB (a consumer's backpressure then works on slices, not on 1 MiB chunks).
 */
export function chunkReader(pii: Pii, db: Database, where: Where): Readable {
  let seq = 0;
  let held: Buffer | null = null;
  return new Readable({
    highWaterMark: SLICE,
    read() {
      if (held) {
        const slice = held.subarray(0, SLICE);
        held = held.length > SLICE ? held.subarray(SLICE) : null;
        this.push(slice);
        return;
      }
      db.withTenant(where.tenantId, (tx) =>
        tx.query<{ key: string; data: Buffer }>(
          `select pii_key as key, data from registry_import_chunk
           where tenant_id = ? and import_id = ? and part = ? and seq = ?`,
          [where.tenantId, where.importId, where.part, seq],
        ),
      ).then(
        ([row]) => {
          if (!row) return void this.push(null);
          seq++;
          held = pii.decryptBytes(where.tenantId, 'file', row.key, row.data);
          this._read(SLICE);
        },
        (err: Error) => this.destroy(err),
      );
    },
  });
}

const SLICE = 64 * 1024;

/** Drops a part (a report written by an earlier attempt; the upload once it has been read). */
export async function dropChunks(tx: Tx, where: Where): Promise<void> {
  await tx.query(`delete from registry_import_chunk where tenant_id = ? and import_id = ? and part = ?`, [
    where.tenantId,
    where.importId,
    where.part,
  ]);
}
