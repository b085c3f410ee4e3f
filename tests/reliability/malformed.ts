/**
 * Malformed values and bodies, generated from a route's schema: each case names what it breaks.
 * Strings aim at the layers under validation — the database (NUL, lone surrogates, LIKE and ltree
 * metacharacters, SQL), the file system (traversal) and the parser (depth, size).
 */
import type { JsonSchema } from './openapi.ts';

export interface Case {
  name: string;
  value: unknown;
}

/** Strings that are valid JSON but hostile further down. */
export const HOSTILE_STRINGS: Case[] = [
  { name: 'empty', value: '' },
  { name: 'nul byte', value: 'a\u0000b' },
  { name: 'lone surrogate', value: 'x\ud800y' },
  { name: 'astral + combining + rtl override', value: '𠮷e\u0301\u202Egnp.exe\u200B' },
  { name: 'sql quote', value: "'; drop table org_unit; --" },
  { name: 'like wildcards', value: '%_\\%' },
  { name: 'ltree query', value: 'a.*{1,}|!b@' },
  { name: 'path traversal', value: '../../../../etc/passwd' },
  { name: 'encoded traversal', value: '..%2F..%2Fetc%2Fpasswd' },
  { name: 'huge', value: '长'.repeat(200_000) },
  { name: 'html', value: '<script>alert(1)</script>' },
  { name: 'number-like', value: '1e309' },
  { name: 'uuid-like', value: '00000000-0000-0000-0000-00000000000g' },
];

/** Values of every JSON type but the one expected. */
function wrongTypes(schema: JsonSchema): Case[] {
  const type = Array.isArray(schema.type) ? schema.type[0] : schema.type;
  const all: Case[] = [
    { name: 'a number', value: 12345 },
    { name: 'a float beyond int', value: 1.5e300 },
    { name: 'a boolean', value: true },
    { name: 'null', value: null },
    { name: 'an array', value: ['x', 1] },
    { name: 'an object', value: { $ne: 1 } },
    { name: 'a string', value: 'not-the-type' },
  ];
  const isType = (c: Case) =>
    (type === 'string' && typeof c.value === 'string') ||
    ((type === 'integer' || type === 'number') && typeof c.value === 'number' && c.name === 'a number') ||
    (type === 'boolean' && typeof c.value === 'boolean') ||
    (type === 'array' && Array.isArray(c.value)) ||
    (type === 'object' && c.value !== null && typeof c.value === 'object' && !Array.isArray(c.value));
  return all.filter((c) => !isType(c));
}

/** Values for one field: wrong types, and for strings and numbers their hostile or extreme forms. */
export function fieldCases(schema: JsonSchema): Case[] {
  const type = Array.isArray(schema.type) ? schema.type[0] : schema.type;
  const cases = wrongTypes(schema);
  if (type === 'string' || schema.format) cases.push(...HOSTILE_STRINGS);
  if (type === 'integer' || type === 'number')
    cases.push(
      { name: 'negative', value: -1 },
      { name: 'beyond int4', value: 2 ** 31 },
      { name: 'beyond int8', value: 2 ** 63 },
      { name: 'fraction', value: 0.5 },
    );
  if (type === 'array')
    cases.push({ name: 'huge array', value: Array.from({ length: 20_000 }, (_, i) => i) });
  return cases;
}

/** A plausible value for a field, so that a body breaks in the one place a case puts it. */
export function plausible(schema: JsonSchema, ids: { unit: string }): unknown {
  if (schema.enum?.length) return schema.enum[0];
  const alt = schema.anyOf?.[0] ?? schema.oneOf?.[0];
  if (alt) return plausible(alt, ids);
  const type = Array.isArray(schema.type) ? schema.type.find((t) => t !== 'null') : schema.type;
  switch (type) {
    case 'string':
      if (schema.format === 'uuid') return ids.unit;
      if (schema.format === 'date') return '2026-03-01';
      if (schema.format === 'date-time') return '2026-03-01T08:00:00Z';
      return 'x';
    case 'integer':
    case 'number':
      return Math.max(schema.minimum ?? 1, Math.min(1, schema.maximum ?? 1));
    case 'boolean':
      return true;
    case 'array':
      return [];
    case 'object':
      return plausibleBody(schema, ids);
    default:
      return 'x';
  }
}

export function plausibleBody(schema: JsonSchema, ids: { unit: string }): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, s] of Object.entries(schema.properties ?? {})) out[k] = plausible(s, ids);
  return out;
}

/** Whole bodies that are wrong as a whole: each route gets these beside its per-field cases. */
export function bodyCases(schema: JsonSchema | undefined, ids: { unit: string }): Case[] {
  const base = schema ? plausibleBody(schema, ids) : {};
  const cases: Case[] = [
    { name: 'empty object', value: {} },
    { name: 'an array instead of an object', value: [base] },
    { name: 'a bare string', value: 'x' },
    { name: 'an extra field', value: { ...base, notAField: 1 } },
    {
      name: 'a prototype key',
      value: JSON.parse('{"__proto__": {"admin": true}, "constructor": {"prototype": {}}}'),
    },
  ];
  for (const [field, s] of Object.entries(schema?.properties ?? {}))
    for (const c of fieldCases(s))
      cases.push({ name: `${field}: ${c.name}`, value: { ...base, [field]: c.value } });
  return cases;
}

/** A plausible body with 5,000 nested objects beside its fields, as text (too deep to stringify here). */
export function deepBody(schema: JsonSchema | undefined, ids: { unit: string }): string {
  const base = JSON.stringify(schema ? plausibleBody(schema, ids) : {});
  const deep = `${'{"a":'.repeat(5_000)}1${'}'.repeat(5_000)}`;
  return base === '{}' ? `{"nested":${deep}}` : `${base.slice(0, -1)},"nested":${deep}}`;
}
