import { useIsPhone } from '@civicgrid/admin-ui';
import { useTranslate } from '@refinedev/core';
import { Alert, Button, Col, Form, type FormInstance, Row, Space, Spin } from 'antd';
import { Children, type ReactNode, useState } from 'react';
import { useNavigate } from 'react-router';
import { showOnFields } from './errors.ts';
import { RegistryPage } from './shared.tsx';

/** Values without empty strings and unset fields: the API's bodies are strict (no "" for a phone). */
export const bodyOf = (values: Record<string, unknown>) =>
  Object.fromEntries(Object.entries(values).filter(([, v]) => v !== undefined && v !== '' && v !== null));

/**
 * A registry create/edit page: vertical labels, two columns on a wide screen and one on a phone, the
 * save button at the bottom (full width on a phone). A 400/409 from the server lands on the fields it
 * names; anything else shows above the form, translated.
 */
export function FormPage<V extends Record<string, unknown>>({
  title,
  form,
  fields,
  initialValues,
  loading,
  submit,
  testId,
  children,
}: {
  title: ReactNode;
  form: FormInstance<V>;
  /** the form's field names: server issues naming one of them go on that field */
  fields: readonly string[];
  initialValues?: Partial<V>;
  loading?: boolean;
  /** saves; answers where to go next */
  submit: (values: V) => Promise<string>;
  testId: string;
  children: ReactNode;
}) {
  const t = useTranslate();
  const phone = useIsPhone();
  const navigate = useNavigate();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const items = Children.toArray(children).filter(Boolean);
  return (
    <RegistryPage title={title} testId={testId}>
      {loading ? (
        <Spin />
      ) : (
        <Form<V>
          form={form}
          layout="vertical"
          initialValues={initialValues}
          scrollToFirstError
          onFinish={async (values) => {
            setBusy(true);
            setError(null);
            try {
              navigate(await submit(values));
            } catch (err) {
              setError(showOnFields(form, t, err, fields));
            } finally {
              setBusy(false);
            }
          }}
        >
          {error && (
            <Alert
              type="error"
              showIcon
              message={error}
              style={{ marginBottom: 16 }}
              data-testid="form-error"
            />
          )}
          <Row gutter={16}>
            {items.map((item, i) => (
              // biome-ignore lint/suspicious/noArrayIndexKey: the form's fixed fields, in order
              <Col key={i} xs={24} sm={24} md={12}>
                {item}
              </Col>
            ))}
          </Row>
          <Space style={{ width: '100%' }} direction={phone ? 'vertical' : 'horizontal'}>
            <Button type="primary" htmlType="submit" loading={busy} block={phone} data-testid="form-save">
              {t('buttons.save')}
            </Button>
            <Button onClick={() => navigate(-1)} block={phone}>
              {t('buttons.cancel')}
            </Button>
          </Space>
        </Form>
      )}
    </RegistryPage>
  );
}
