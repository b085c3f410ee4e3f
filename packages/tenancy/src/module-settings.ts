import type { Tx } from '@civicgrid/db';
import { AppError, fieldIssues, type PluginHost } from '@civicgrid/kernel';
import { Ajv, type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';

/** A plugin's settings checked against its schema, with the schema's defaults filled in. */
export class ModuleSettings {
  readonly #validators = new Map<string, ValidateFunction>();

  constructor(host: PluginHost) {
    const ajv = new Ajv({ useDefaults: true, removeAdditional: false, allErrors: true, strict: false });
    addFormats.default(ajv);
    for (const p of host.plugins) {
      // A broken schema is the plugin's bug: it fails startup, not the first admin who opens the form.
      if (p.settings) this.#validators.set(p.id, ajv.compile(p.settings.schema));
    }
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
    const value = structuredClone(row?.settings ?? {});
    this.#validators.get(pluginId)?.(value);
    return value;
  }
}
