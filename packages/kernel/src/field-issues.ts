import type { FieldIssue } from './errors.ts';

/** The parts of an Ajv error this needs (structural, so the kernel does not depend on Ajv). */
export interface SchemaError {
  instancePath: string;
  keyword: string;
  params: object;
  message?: string;
}

/** Schema errors as `{ field, reason }` pairs a user can act on. */
export function fieldIssues(errors: readonly SchemaError[], part: string): FieldIssue[] {
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
