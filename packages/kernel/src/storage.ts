import type { Readable } from 'node:stream';
import { serviceRef } from './plugin.ts';

/** What `put` stored. */
export interface StoredObject {
  key: string;
  size: number;
  /** hex SHA-256 of the bytes */
  sha256: string;
}

/**
 * Binary objects (photos, documents) by key: a platform service every plugin may use (events'
 * attachments, landlord-scoring's evidence). Keys are `/`-separated lowercase segments
 * (`[a-z0-9][a-z0-9._-]*`); callers namespace them by tenant (`forTenant`). `put` is all or nothing:
 * a stream that fails or passes `maxBytes` leaves nothing under the key.
 */
export interface ObjectStorage {
  put(key: string, body: Readable, opts?: { maxBytes?: number }): Promise<StoredObject>;
  /** The object's bytes, or null when there is none under the key. */
  get(key: string): Promise<Readable | null>;
  /** Removes the object; no error when there is none. */
  delete(key: string): Promise<void>;
  /** Every object under the folder `prefix` (`''` for all, else `a/b`), in key order. */
  list(prefix: string): AsyncIterable<{ key: string; size: number }>;
}

/** `put` refused a stream longer than its `maxBytes` (nothing was kept). */
export class ObjectTooLargeError extends Error {
  override name = 'ObjectTooLargeError';
  constructor(readonly maxBytes: number) {
    super(`larger than ${maxBytes} bytes`);
  }
}

/**
 * The platform's storage service, as plugins look it up (`deps.services.get(objectStorage)`). A platform
 * service needs no `consumes` entry: the process provides it to every plugin (`PluginHost` option `services`).
 */
export const objectStorage = serviceRef<ObjectStorage>('platform.storage');
