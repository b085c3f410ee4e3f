import { createCipheriv, createDecipheriv, createHmac, randomBytes } from 'node:crypto';

/**
 * Personal data at rest: AES-256-GCM with the key named by `pii_key`, the tenant and the field as
 * associated data (a ciphertext pasted into another tenant or column does not decrypt), and an
 * HMAC-SHA-256 keyed hash for exact lookup and de-duplication. Keys come from configuration; the newest
 * encrypts, every listed one decrypts, so keys rotate by adding one and re-encrypting at leisure.
 */
export interface PiiKeyring {
  /** key id → 32-byte key */
  keys: Map<string, Buffer>;
  /** the id new values are encrypted with */
  current: string;
  /** the lookup-hash key (never rotated without re-hashing every row) */
  hashKey: Buffer;
}

/**
 * What a sealed value is: `file` for the chunks of an uploaded workbook and its report,
 * `setting:<plugin>.<path>` for a module's write-only setting (ModuleSettings in @civicgrid/tenancy).
 */
export type PiiField = 'id' | 'phone' | 'file' | `setting:${string}`;

export class Pii {
  constructor(private readonly ring: PiiKeyring) {
    if (!ring.keys.has(ring.current)) throw new Error(`PII key ${ring.current} is not in the keyring`);
    for (const [id, k] of ring.keys) if (k.length !== 32) throw new Error(`PII key ${id} is not 32 bytes`);
    if (ring.hashKey.length < 32) throw new Error('the PII hash key must be at least 32 bytes');
  }

  get keyId(): string {
    return this.ring.current;
  }

  encrypt(tenantId: string, field: PiiField, plain: string | Buffer): Buffer {
    const iv = randomBytes(12);
    const c = createCipheriv('aes-256-gcm', this.ring.keys.get(this.ring.current)!, iv);
    c.setAAD(Buffer.from(`${tenantId}:${field}`));
    const body = Buffer.concat([
      typeof plain === 'string' ? c.update(plain, 'utf8') : c.update(plain),
      c.final(),
    ]);
    return Buffer.concat([iv, c.getAuthTag(), body]);
  }

  decrypt(tenantId: string, field: PiiField, keyId: string, sealed: Buffer): string {
    return this.decryptBytes(tenantId, field, keyId, sealed).toString('utf8');
  }

  decryptBytes(tenantId: string, field: PiiField, keyId: string, sealed: Buffer): Buffer {
    const key = this.ring.keys.get(keyId);
    if (!key) throw new Error(`PII key ${keyId} is not configured`);
    const d = createDecipheriv('aes-256-gcm', key, sealed.subarray(0, 12));
    d.setAAD(Buffer.from(`${tenantId}:${field}`));
    d.setAuthTag(sealed.subarray(12, 28));
    return Buffer.concat([d.update(sealed.subarray(28)), d.final()]);
  }

  /**
   * The keys as an archive names them: an HMAC of a fixed text under each key, never the key. A tenant
   * moved to another instance opens there only if that instance holds the same keys (same ids, same
   * fingerprints), which the import checks before writing anything.
   */
  fingerprints(): { keys: Record<string, string>; hash: string } {
    const fp = (k: Buffer) =>
      createHmac('sha256', k).update('civicgrid key check').digest('hex').slice(0, 16);
    return {
      keys: Object.fromEntries([...this.ring.keys].map(([id, k]) => [id, fp(k)])),
      hash: fp(this.ring.hashKey),
    };
  }

  /** Per tenant: the same number in two cities hashes differently, so hashes do not link tenants. */
  hash(tenantId: string, field: PiiField, normalized: string): Buffer {
    return createHmac('sha256', this.ring.hashKey).update(`${tenantId}:${field}:${normalized}`).digest();
  }
}

/**
 * `PII_KEYS` = `id:base64key,id:base64key` (the last one encrypts) and `PII_HASH_KEY` (base64).
 * Returns null when neither is set.
 */
export function piiFromEnv(env: NodeJS.ProcessEnv): Pii | null {
  if (!env.PII_KEYS && !env.PII_HASH_KEY) return null;
  if (!env.PII_KEYS || !env.PII_HASH_KEY) throw new Error('set both PII_KEYS and PII_HASH_KEY');
  const keys = new Map<string, Buffer>();
  let current = '';
  for (const part of env.PII_KEYS.split(',')) {
    const [id, b64] = part.trim().split(':');
    if (!id || !b64 || !/^[a-z0-9-]{1,20}$/.test(id))
      throw new Error('PII_KEYS entries look like k1:<base64 of 32 bytes>');
    keys.set(id, Buffer.from(b64, 'base64'));
    current = id;
  }
  return new Pii({ keys, current, hashKey: Buffer.from(env.PII_HASH_KEY, 'base64') });
}

/** A fresh keyring for the embedded default and tests: `PII_KEYS` and `PII_HASH_KEY` values. */
export function generatePiiSecrets(): { piiKeys: string; piiHashKey: string } {
  return {
    piiKeys: `k1:${randomBytes(32).toString('base64')}`,
    piiHashKey: randomBytes(32).toString('base64'),
  };
}
