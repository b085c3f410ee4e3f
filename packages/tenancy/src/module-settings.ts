import type { Tx } from '@civicgrid/db';
import { AppError, fieldIssues, type PluginHost } from '@civicgrid/kernel';
import { Ajv, type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';

type Schema = { properties?: Record<string, unknown>; writeOnly?: boolean } | undefined;

/** Paths (`a.b`) of the schema's properties marked `writeOnly: true`, nested objects included. */
export function secretPaths(schema: Schema, prefix: string[] = []): string[][] {
  return Object.entries(schema?.properties ?? {}).flatMap(([k, sub]) => {
    const s = sub as Schema;
    if (s?.writeOnly) return [[...prefix, k]];
    return s?.properties ? secretPaths(s, [...prefix, k]) : [];
  });
}

export const valueAt = (o: Record<string, unknown>, path: string[]) =>
  path.reduce<unknown>(
    (v, k) => (v && typeof v === 'object' ? (v as Record<string, unknown>)[k] : undefined),
    o,
  );
export function putAt(o: Record<string, unknown>, path: string[], value: unknown) {
  let cur = o;
  for (const k of path.slice(0, -1)) {
    if (!cur[k] || typeof cur[k] !== 'object') return;
    cur = cur[k] as Record<string, unknown>;
  }
  cur[path.at(-1)!] = value;
}

/**
 * What seals write-only settings at rest: the platform's personal-data keyring (`Pii` of
 * @civicgrid/registry, keys from PII_KEYS) — AES-256-GCM, the tenant and the setting's name as
 * associated data, the newest key sealing and every configured one opening.
 */
export interface SettingsCipher {
  readonly keyId: string;
  encrypt(tenantId: string, field: `setting:${string}`, plain: string): Buffer;
  decrypt(tenantId: string, field: `setting:${string}`, keyId: string, sealed: Buffer): string;
}

/** A sealed write-only value as stored: `sealed:<key id>:<base64 of iv, tag, ciphertext>`. */
const SEALED = /^sealed:([a-z0-9-]{1,20}):([A-Za-z0-9+/=]+)$/;

/** A plugin's settings checked against its schema, with the schema's defaults filled in. */
export class ModuleSettings {
  readonly #validators = new Map<string, ValidateFunction>();
  readonly #secrets = new Map<string, string[][]>();

  /** Without a cipher, write-only values cannot be stored (503) and sealed ones read as not set. */
  constructor(
    host: PluginHost,
    private readonly cipher: SettingsCipher | null = null,
  ) {
    const ajv = new Ajv({ useDefaults: true, removeAdditional: false, allErrors: true, strict: false });
    addFormats.default(ajv);
    for (const p of host.plugins) {
      // A broken schema is the plugin's bug: it fails startup, not the first admin who opens the form.
      if (p.settings) this.#validators.set(p.id, ajv.compile(p.settings.schema));
      const paths = secretPaths(p.settings?.schema as Schema);
      if (paths.length) this.#secrets.set(p.id, paths);
    }
  }

  /**
   * The settings as stored: every write-only value that is set, sealed with the tenant and
   * `<plugin>.<path>` as associated data (a sealed value copied to another tenant or setting does not
   * open). The caller's plain copy is left as it was.
   */
  seal(tenantId: string, pluginId: string, settings: Record<string, unknown>): Record<string, unknown> {
    const paths = this.#secrets.get(pluginId);
    if (!paths) return settings;
    const out = structuredClone(settings);
    for (const p of paths) {
      const v = valueAt(out, p);
      if (typeof v !== 'string' || v === '') continue;
      if (!this.cipher)
        throw new AppError(
          503,
          'secrets_unavailable',
          'no key is configured to store this secret with (PII_KEYS)',
        );
      const sealed = this.cipher.encrypt(tenantId, `setting:${pluginId}.${p.join('.')}`, v);
      putAt(out, p, `sealed:${this.cipher.keyId}:${sealed.toString('base64')}`);
    }
    return out;
  }

  /** The stored settings with their sealed values opened (a value stored before sealing reads as it is). */
  open(tenantId: string, pluginId: string, settings: Record<string, unknown>): Record<string, unknown> {
    const paths = this.#secrets.get(pluginId);
    if (!paths) return settings;
    const out = structuredClone(settings);
    for (const p of paths) {
      const m = SEALED.exec(String(valueAt(out, p) ?? ''));
      if (!m) continue;
      const field = `setting:${pluginId}.${p.join('.')}` as const;
      putAt(
        out,
        p,
        this.cipher ? this.cipher.decrypt(tenantId, field, m[1]!, Buffer.from(m[2]!, 'base64')) : '',
      );
    }
    return out;
  }

  /** Validated copy with defaults; a 400 names each bad field as `settings.<path>`. */
  check(pluginId: string, given: unknown): Record<string, unknown> {
    const value = structuredClone(given ?? {}) as Record<string, unknown>;
    const validate = this.#validators.get(pluginId);
    if (!validate) {
      if (Object.keys(value).length > 0)
        throw new AppError(400, 'validation_failed', 'settings: this module has no settings', [
          { field: 'settings', reason: 'this module has no settings' },
        ]);
      return value;
    }
    if (!validate(value)) {
      const details = fieldIssues(validate.errors ?? [], '').map((d) => ({
        field: d.field ? `settings.${d.field}` : 'settings',
        reason: d.reason,
      }));
      throw new AppError(
        400,
        'validation_failed',
        details.map((d) => `${d.field}: ${d.reason}`).join('; '),
        details,
      );
    }
    return value;
  }

  /** The tenant's stored settings for a plugin, defaults applied (a later schema default reaches old rows). */
  async read(tx: Tx, pluginId: string): Promise<Record<string, unknown>> {
    const [row] = await tx.query<{ settings: Record<string, unknown> }>(
      `select settings from tenant_module where tenant_id = ? and module_id = ?`,
      [tx.tenantId, pluginId],
      { prepare: true },
    );
    const value = this.open(tx.tenantId!, pluginId, structuredClone(row?.settings ?? {}));
    this.#validators.get(pluginId)?.(value);
    return value;
  }
}
