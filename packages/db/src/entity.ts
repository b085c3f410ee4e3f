import { EntitySchema } from '@mikro-orm/core';

/** Columns every tenant table has: the distribution column and the row id form the primary key. */
export interface TenantScoped {
  tenantId: string;
  id: string;
}

type Props<T> = ConstructorParameters<typeof EntitySchema<T>>[0]['properties'];
type OwnProps<T> = Omit<Props<T>, 'tenantId' | 'id'>;

/**
 * Declares a tenant-scoped entity: composite primary key `(tenant_id, id)` and the `tenant` filter on by
 * default. The filter has no fallback: an EntityManager whose tenant was never set throws on `find`
 * (fails closed). Row-level security is the boundary; the filter is the convenience in front of it.
 */
export function tenantScoped<T extends TenantScoped>(
  name: string,
  tableName: string,
  properties: OwnProps<T>,
) {
  return new EntitySchema<T>({
    name,
    tableName,
    properties: {
      tenantId: { type: 'uuid', primary: true, fieldName: 'tenant_id' },
      id: { type: 'uuid', primary: true },
      ...properties,
    } as unknown as Props<T>,
    filters: {
      tenant: {
        name: 'tenant',
        cond: (args: { tenantId: string }) => ({ tenantId: args.tenantId }),
        default: true,
      },
    },
  });
}
