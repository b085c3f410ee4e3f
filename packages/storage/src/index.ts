import { createHash, randomUUID } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, readdir, rename, rm, stat } from 'node:fs/promises';
import { dirname, join, resolve, sep } from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { type ObjectStorage, ObjectTooLargeError, type StoredObject } from '@civicgrid/kernel';

const SEGMENT = /^[a-z0-9][a-z0-9._-]{0,127}$/;

/** Refuses anything but `/`-separated plain segments: no `..`, no absolute paths, no backslashes. */
export function checkKey(key: string): string[] {
  const parts = key.split('/');
  if (key.length > 512 || parts.some((p) => !SEGMENT.test(p) || p.includes('..')))
    throw new Error(`invalid storage key: ${JSON.stringify(key.slice(0, 80))}`);
  return parts;
}

/**
 * Objects as files under `root` (one file per key, `a/b/c` → `<root>/a/b/c`). `put` streams into a
 * temporary file beside the target, counting and hashing, and renames it into place only when the
 * whole stream arrived within `maxBytes`: a refused or broken upload leaves nothing behind.
 */
export function localDiskStorage(root: string): ObjectStorage {
  const base = resolve(root);
  const pathOf = (key: string) => {
    const p = resolve(base, ...checkKey(key));
    if (!p.startsWith(base + sep)) throw new Error('invalid storage key: outside the root');
    return p;
  };
  return {
    async put(key, body, opts = {}): Promise<StoredObject> {
      const target = pathOf(key);
      await mkdir(dirname(target), { recursive: true });
      const tmp = join(dirname(target), `.tmp-${randomUUID()}`);
      const hash = createHash('sha256');
      let size = 0;
      const max = opts.maxBytes ?? Number.POSITIVE_INFINITY;
      const meter = new Transform({
        transform(chunk: Buffer, _enc, done) {
          size += chunk.length;
          if (size > max) return done(new ObjectTooLargeError(max));
          hash.update(chunk);
          done(null, chunk);
        },
      });
      try {
        await pipeline(body, meter, createWriteStream(tmp, { flags: 'wx', mode: 0o600 }));
        await rename(tmp, target);
      } catch (err) {
        await rm(tmp, { force: true });
        body.destroy();
        throw err;
      }
      return { key, size, sha256: hash.digest('hex') };
    },
    async get(key) {
      const p = pathOf(key);
      const found = await stat(p).catch(() => null);
      return found?.isFile() ? createReadStream(p) : null;
    },
    async delete(key) {
      await rm(pathOf(key), { force: true });
    },
    async *list(prefix) {
      const start = prefix ? pathOf(prefix) : base;
      yield* walk(start, prefix);
    },
  };
}

/** Files under `dir` as keys under `prefix`, in key order; an upload still being written is not one. */
async function* walk(dir: string, prefix: string): AsyncGenerator<{ key: string; size: number }> {
  const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
  entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const e of entries) {
    if (e.name.startsWith('.tmp-')) continue;
    const key = prefix ? `${prefix}/${e.name}` : e.name;
    const path = join(dir, e.name);
    if (e.isDirectory()) yield* walk(path, key);
    else if (e.isFile()) yield { key, size: (await stat(path)).size };
  }
}

/**
 * The same storage with every key under `t/<tenantId>/`: what a tenant's code is handed, so a key
 * taken from another tenant's records cannot name that tenant's objects.
 */
export function forTenant(storage: ObjectStorage, tenantId: string): ObjectStorage {
  if (!/^[0-9a-f-]{36}$/.test(tenantId)) throw new Error('invalid tenant id');
  const k = (key: string) => `t/${tenantId}/${checkKey(key).join('/')}`;
  return {
    put: async (key, body, opts) => ({ ...(await storage.put(k(key), body, opts)), key }),
    get: async (key) => storage.get(k(key)),
    delete: async (key) => storage.delete(k(key)),
    async *list(prefix) {
      const own = `t/${tenantId}`;
      for await (const o of storage.list(prefix ? k(prefix) : own))
        yield { ...o, key: o.key.slice(own.length + 1) };
    },
  };
}

export type { ObjectStorage, StoredObject } from '@civicgrid/kernel';
export { ObjectTooLargeError, objectStorage } from '@civicgrid/kernel';
