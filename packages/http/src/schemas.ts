import { badInput } from '@civicgrid/kernel';
import { type TSchema, Type } from 'typebox';

export const ErrorBody = Type.Object(
  {
    statusCode: Type.Integer(),
    code: Type.String(),
    message: Type.String(),
    details: Type.Optional(Type.Array(Type.Object({ field: Type.String(), reason: Type.String() }))),
  },
  { $id: 'Error' },
);

/** The 4xx answers every route may give, so the OpenAPI document lists them. */
export const errorResponses = {
  400: ErrorBody,
  401: ErrorBody,
  403: ErrorBody,
  404: ErrorBody,
  409: ErrorBody,
  413: ErrorBody,
  415: ErrorBody,
  423: ErrorBody,
  429: ErrorBody,
};

export const Uuid = Type.String({ format: 'uuid' });

/** A value or null. */
export const Nullable = <T extends TSchema>(t: T) => Type.Union([t, Type.Null()]);
export const IdParams = Type.Object({ id: Uuid }, { additionalProperties: false });

export const MAX_PAGE = 500;

/** Refine simple-rest paging and sorting: `_start`, `_end`, `_sort`, `_order`. */
export function listQuery<F extends Record<string, TSchema>>(sortable: readonly string[], filters: F) {
  return Type.Object(
    {
      _start: Type.Optional(Type.Integer({ minimum: 0, maximum: 10_000_000 })),
      _end: Type.Optional(Type.Integer({ minimum: 0, maximum: 10_000_000 })),
      _sort: Type.Optional(Type.Union(sortable.map((s) => Type.Literal(s)))),
      _order: Type.Optional(
        Type.Union([Type.Literal('asc'), Type.Literal('desc'), Type.Literal('ASC'), Type.Literal('DESC')]),
      ),
      ...filters,
    },
    { additionalProperties: false },
  );
}

export interface PageQuery {
  _start?: number;
  _end?: number;
  _sort?: string;
  _order?: string;
}

/** Resolves a page request into bounds; a page larger than MAX_PAGE is a 400, not a silent cut. */
export function pageOf<S extends string>(q: PageQuery, defaultSort: S) {
  const start = q._start ?? 0;
  const end = q._end ?? start + 25;
  if (end < start) throw badInput('_end', 'must not be less than _start');
  if (end - start > MAX_PAGE) throw badInput('_end', `a page holds at most ${MAX_PAGE} rows`);
  return {
    start,
    end,
    sort: (q._sort ?? defaultSort) as S,
    order: (q._order?.toLowerCase() === 'desc' ? 'desc' : 'asc') as 'asc' | 'desc',
  };
}

/** A name a person types: trimmed by the client, no control characters, bounded. */
export const Name = Type.String({ minLength: 1, maxLength: 100, pattern: '^[^\\u0000-\\u001f\\u007f]+$' });
export const Username = Type.String({ pattern: '^[A-Za-z0-9_.-]{2,64}$' });
export const Phone = Type.String({ pattern: '^\\+?[0-9]{5,20}$' });
export const Password = Type.String({ minLength: 1, maxLength: 128 });
