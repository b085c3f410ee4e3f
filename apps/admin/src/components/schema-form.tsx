import type { ApiError } from '@civicgrid/admin-kit';
import { useTranslate } from '@refinedev/core';
import { Form, type FormInstance, Input, InputNumber, Select, Switch } from 'antd';
import type { Rule } from 'antd/es/form';

/** The subset of JSON Schema a module's settings use: an object of scalar properties. */
export interface JsonSchema {
  type?: string;
  title?: string | { 'zh-CN'?: string; en?: string };
  description?: string;
  properties?: Record<string, JsonSchema>;
  required?: string[];
  enum?: unknown[];
  minimum?: number;
  maximum?: number;
  maxLength?: number;
  minLength?: number;
  pattern?: string;
  default?: unknown;
}

type T = (key: string, options?: unknown, defaultMessage?: string) => string;

/** What a property accepts, in words: the message beside a refused value (client or server side). */
export function constraintText(t: T, p: JsonSchema): string {
  if (p.type === 'integer' || p.type === 'number') {
    const kind = t(p.type === 'integer' ? 'schemaForm.integer' : 'schemaForm.number');
    if (p.minimum != null && p.maximum != null)
      return t('schemaForm.between', { kind, min: p.minimum, max: p.maximum });
    if (p.minimum != null) return t('schemaForm.atLeast', { kind, min: p.minimum });
    if (p.maximum != null) return t('schemaForm.atMost', { kind, max: p.maximum });
    return t('schemaForm.numberOnly', { kind });
  }
  if (p.enum) return t('schemaForm.oneOf', { values: p.enum.map(String).join(', ') });
  if (p.type === 'string') {
    if (p.maxLength != null && p.minLength != null)
      return t('schemaForm.lengthBetween', { min: p.minLength, max: p.maxLength });
    if (p.maxLength != null) return t('schemaForm.lengthAtMost', { max: p.maxLength });
    if (p.minLength != null) return t('schemaForm.lengthAtLeast', { min: p.minLength });
  }
  return t('schemaForm.invalid');
}

/** The form rules of one property, from its schema: the same bounds the server's Ajv checks. */
function rulesOf(t: T, p: JsonSchema, required: boolean): Rule[] {
  const rules: Rule[] = [{ required, message: t('common.required') }];
  const message = constraintText(t, p);
  if (p.type === 'integer' || p.type === 'number')
    rules.push({
      validator: async (_, v: unknown) => {
        if (v == null || v === '') return;
        const n = Number(v);
        const bad =
          !Number.isFinite(n) ||
          (p.type === 'integer' && !Number.isInteger(n)) ||
          (p.minimum != null && n < p.minimum) ||
          (p.maximum != null && n > p.maximum);
        if (bad) throw new Error(message);
      },
    });
  else if (p.type === 'string' && !p.enum) {
    if (p.minLength != null || p.maxLength != null)
      rules.push({ type: 'string', min: p.minLength, max: p.maxLength, message });
    if (p.pattern) rules.push({ pattern: new RegExp(p.pattern), message: t('schemaForm.invalid') });
  }
  return rules;
}

/**
 * Form fields generated from a module's settings schema: integers and numbers get a number input,
 * booleans a switch, enums a select, strings a text input; each carries the schema's bounds as rules, so
 * a value out of range is named beside its field before anything is sent. The server validates again
 * (Ajv) and answers `settings.<field>`; `showServerErrors` puts those beside their fields too.
 */
export function SchemaFields({
  schema,
  prefix,
  locale,
}: {
  schema: JsonSchema;
  prefix: string;
  locale: 'zh-CN' | 'en';
}) {
  const t = useTranslate() as T;
  return (
    <>
      {Object.entries(schema.properties ?? {}).map(([name, p]) => {
        const label =
          typeof p.title === 'object'
            ? (p.title[locale] ?? name)
            : (p.title ?? t(`${prefix}.settings.${name}`, name));
        const rules = rulesOf(t, p, schema.required?.includes(name) === true);
        let input: React.ReactNode;
        if (p.enum)
          input = <Select options={p.enum.map((v) => ({ value: v as string, label: String(v) }))} />;
        else if (p.type === 'boolean')
          return (
            <Form.Item key={name} name={name} label={label} valuePropName="checked">
              <Switch />
            </Form.Item>
          );
        else if (p.type === 'integer' || p.type === 'number')
          // No min/max on the input itself: it would silently clamp a wrong value instead of saying so.
          input = <InputNumber style={{ width: '100%' }} />;
        else input = <Input showCount={p.maxLength != null} />;
        return (
          <Form.Item
            key={name}
            name={name}
            label={label}
            rules={rules}
            extra={p.description ?? (p.type === 'boolean' ? undefined : constraintText(t, p))}
          >
            {input}
          </Form.Item>
        );
      })}
    </>
  );
}

/**
 * Puts the server's `settings.<field>` refusals beside their fields (worded from the schema, in the
 * user's language); answers false when the error named no field of the form.
 */
export function showServerErrors(
  t: T,
  form: FormInstance,
  schema: JsonSchema,
  err: ApiError | unknown,
): boolean {
  const details = (err as ApiError | undefined)?.details ?? [];
  const fields = details
    .map((d) => d.field.replace(/^(body\.)?settings\./, ''))
    .filter((f) => schema.properties?.[f] != null);
  if (fields.length === 0) return false;
  form.setFields(
    [...new Set(fields)].map((f) => ({ name: f, errors: [constraintText(t, schema.properties![f]!)] })),
  );
  return true;
}
