import type { CrudFilter, CrudSort, DataProvider, HttpError } from '@refinedev/core';
import { API_BASE, ApiError, api, apiRaw } from './api.ts';

/**
 * Refine's simple-rest protocol against `/api/v1` (`_start`, `_end`, `_sort`, `_order`, field filters,
 * `x-total-count`), through `api()` so every call carries the bearer token and survives an expired one.
 * A resource's URL is its name (`users`, `m/bulletin/notices`) unless `meta.endpoint` names another.
 */
const endpoint = (resource: string, meta?: Record<string, unknown>) =>
  `/${(meta?.endpoint as string | undefined) ?? resource}`;

/** Equality filters become query parameters (the API accepts only those it declares). */
function filterQuery(filters: CrudFilter[] | undefined): Record<string, string> {
  const q: Record<string, string> = {};
  for (const f of filters ?? []) {
    if (!('field' in f) || f.value == null || f.value === '') continue;
    if (f.operator === 'eq' || f.operator === 'contains') q[f.field] = String(f.value);
  }
  return q;
}

function sortQuery(sorters: CrudSort[] | undefined) {
  const s = sorters?.[0];
  return s ? { _sort: s.field, _order: s.order } : {};
}

/** Refine shows `message` and puts `errors` beside form fields. */
export function toHttpError(err: unknown): HttpError {
  if (err instanceof ApiError) {
    const errors: Record<string, string> = {};
    for (const d of err.details) errors[d.field.replace(/^body\./, '')] = d.reason;
    return { message: err.message, statusCode: err.statusCode, code: err.code, errors };
  }
  return { message: err instanceof Error ? err.message : String(err), statusCode: 0 };
}

const wrap = async <T>(fn: () => Promise<T>): Promise<T> => {
  try {
    return await fn();
  } catch (err) {
    throw toHttpError(err);
  }
};

export const dataProvider: DataProvider = {
  getApiUrl: () => API_BASE,

  getList: ({ resource, pagination, sorters, filters, meta }) =>
    wrap(async () => {
      const { currentPage = 1, pageSize = 20, mode = 'server' } = pagination ?? {};
      const page =
        mode === 'server' ? { _start: (currentPage - 1) * pageSize, _end: currentPage * pageSize } : {};
      const res = await apiRaw(endpoint(resource, meta), {
        query: { ...page, ...sortQuery(sorters), ...filterQuery(filters), ...(meta?.query ?? {}) },
      });
      const data = await res.json();
      const total = Number(res.headers.get('x-total-count') ?? data.length);
      return { data, total, capped: res.headers.get('x-total-count-capped') === 'true' };
    }),

  getOne: ({ resource, id, meta }) =>
    wrap(async () => ({ data: await api(`${endpoint(resource, meta)}/${id}`) })),

  getMany: ({ resource, ids, meta }) =>
    wrap(async () => ({
      data: await Promise.all(ids.map((id) => api(`${endpoint(resource, meta)}/${id}`))),
    })) as never,

  create: ({ resource, variables, meta }) =>
    wrap(async () => ({ data: await api(endpoint(resource, meta), { method: 'POST', body: variables }) })),

  update: ({ resource, id, variables, meta }) =>
    wrap(async () => ({
      data: await api(`${endpoint(resource, meta)}/${id}`, {
        method: meta?.method ?? 'PATCH',
        body: variables,
      }),
    })),

  deleteOne: ({ resource, id, meta }) =>
    wrap(async () => {
      await api(`${endpoint(resource, meta)}/${id}`, { method: 'DELETE' });
      return { data: { id } as never };
    }),

  custom: ({ url, method, payload, query, filters, sorters }) =>
    wrap(async () => {
      const path = url.startsWith(API_BASE) ? url.slice(API_BASE.length) : url;
      const data = await api(path, {
        method: method.toUpperCase(),
        body: payload,
        query: { ...(query as Record<string, string>), ...filterQuery(filters), ...sortQuery(sorters) },
      });
      return { data: data as never };
    }),
};
