import { LOCALES, type LoginInput } from '@civicgrid/admin-kit';
import { useGetLocale, useLogin, useSetLocale, useTranslate } from '@refinedev/core';
import { Alert, Button, Card, Checkbox, Form, Input, Select, Typography } from 'antd';
import { useState } from 'react';

/** Tenant code + account + password; platform operators tick the box and give no tenant. */
export default function Login() {
  const t = useTranslate();
  const locale = useGetLocale()();
  const setLocale = useSetLocale();
  const [operator, setOperator] = useState(false);
  const { mutate: login, isPending, data } = useLogin<LoginInput>();
  const error = data && !data.success ? data.error?.message : null;

  return (
    <div
      style={{
        minHeight: '100vh',
        display: 'grid',
        placeItems: 'center',
        background: '#f5f5f5',
        padding: 16,
      }}
    >
      <Card style={{ width: '100%', maxWidth: 400 }}>
        <div style={{ display: 'flex', justifyContent: 'space-between', alignItems: 'center' }}>
          <Typography.Title level={3} style={{ margin: 0 }}>
            {t('app.title')}
          </Typography.Title>
          <Select
            size="small"
            data-testid="locale-switch"
            value={locale}
            onChange={(l) => setLocale(l)}
            options={LOCALES.map((l) => ({ value: l, label: t(`locale.${l}`) }))}
            style={{ width: 100 }}
          />
        </div>
        <Typography.Paragraph type="secondary">{t('login.subtitle')}</Typography.Paragraph>
        {error && (
          <Alert
            type="error"
            showIcon
            message={error}
            style={{ marginBottom: 16 }}
            data-testid="login-error"
          />
        )}
        <Form<LoginInput & { operator: boolean }>
          layout="vertical"
          requiredMark={false}
          onFinish={({ tenant, username, password }) =>
            login({ tenant: operator ? undefined : tenant, username, password })
          }
        >
          {!operator && (
            <Form.Item
              name="tenant"
              label={t('login.tenant')}
              rules={[{ required: true, message: t('login.tenantRequired') }]}
            >
              <Input id="tenant" autoComplete="organization" placeholder="yiwu" />
            </Form.Item>
          )}
          <Form.Item
            name="username"
            label={t('login.username')}
            rules={[{ required: true, message: t('login.usernameRequired') }]}
          >
            <Input id="username" autoComplete="username" />
          </Form.Item>
          <Form.Item
            name="password"
            label={t('login.password')}
            rules={[{ required: true, message: t('login.passwordRequired') }]}
          >
            <Input.Password id="password" autoComplete="current-password" />
          </Form.Item>
          <Form.Item>
            <Checkbox
              checked={operator}
              onChange={(e) => setOperator(e.target.checked)}
              data-testid="operator-login"
            >
              {t('login.operator')}
            </Checkbox>
          </Form.Item>
          <Button type="primary" htmlType="submit" block loading={isPending} data-testid="login-submit">
            {t('login.submit')}
          </Button>
        </Form>
      </Card>
    </div>
  );
}
