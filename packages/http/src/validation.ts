import type { FieldIssue } from '@civicgrid/kernel';
import { Ajv, type ErrorObject } from 'ajv';
import addFormats from 'ajv-formats';
import type { FastifySchemaCompiler } from 'fastify';

function makeAjv(coerce: boolean) {
  // Unknown fields are refused, not silently dropped: `removeAdditional: false` with
  // `additionalProperties: false` in every body schema.
  const ajv = new Ajv({
    coerceTypes: coerce ? 'array' : false,
    useDefaults: true,
    removeAdditional: false,
    allErrors: false,
    strict: false,
  });
  addFormats.default(ajv);
  return ajv;
}

const strict = makeAjv(false);
const coercing = makeAjv(true);

/** Bodies are typed exactly (no "123" for a number); query strings and params are strings to coerce. */
export const validatorCompiler: FastifySchemaCompiler<unknown> = ({ schema, httpPart }) =>
  (httpPart === 'body' ? strict : coercing).compile(schema as object);

/** ajv's errors as `{ field, reason }` pairs a user can act on. */
export function fieldIssues(errors: ErrorObject[], part: string): FieldIssue[] {
  return errors.map((e) => {
    const base = e.instancePath.replace(/^\//, '').replaceAll('/', '.');
    const p = e.params as Record<string, string>;
    if (e.keyword === 'required') return { field: join(base, p.missingProperty!), reason: 'is required' };
    if (e.keyword === 'additionalProperties') {
      return { field: join(base, p.additionalProperty!), reason: 'is not a known field' };
    }
    return { field: base || part, reason: e.message ?? 'is invalid' };
  });
}

const join = (a: string, b: string) => (a ? `${a}.${b}` : b);
