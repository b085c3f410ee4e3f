import { useTranslate } from '@refinedev/core';
import { Form, Input, InputNumber, Select, Switch } from 'antd';

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
  default?: unknown;
}

/**
 * Form fields generated from a module's settings schema: integers and numbers get a bounded number
 * input, booleans a switch, enums a select, strings a text input with their length limits. The server
 * validates again (Ajv) and answers `settings.<field>` when a value is refused.
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
  const t = useTranslate();
  return (
    <>
      {Object.entries(schema.properties ?? {}).map(([name, p]) => {
        const label =
          typeof p.title === 'object'
            ? (p.title[locale] ?? name)
            : (p.title ?? t(`${prefix}.settings.${name}`, name));
        const required = schema.required?.includes(name);
        const rules = [{ required, message: t('common.required') }];
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
          input = (
            <InputNumber
              min={p.minimum}
              max={p.maximum}
              precision={p.type === 'integer' ? 0 : undefined}
              style={{ width: '100%' }}
            />
          );
        else input = <Input maxLength={p.maxLength} />;
        return (
          <Form.Item key={name} name={name} label={label} rules={rules} extra={p.description}>
            {input}
          </Form.Item>
        );
      })}
    </>
  );
}
