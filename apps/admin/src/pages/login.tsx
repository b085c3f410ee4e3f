import { authProvider, LOCALES, type Locale, type LoginInput } from '@civicgrid/admin-kit';
import { Alert, Button, Card, Checkbox, Form, Input, Select, Typography } from 'antd';
import { useState } from 'react';
import { i18n } from '../i18n/instance.ts';

/**
 * Tenant code + account + password; platform operators tick the box and give no tenant. It needs no
 * Refine and no router (it is also the stand-alone first page, see login-app.tsx): on success the
 * browser loads the app at the principal's home.
 */
export default function Login() {
  const [locale, setLocale] = useState<Locale>(i18n.locale());
  const t = i18n.t;
  const [operator, setOperator] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);

  const submit = async ({ tenant, username, password }: LoginInput) => {
    setBusy(true);
    setError(null);
    const r = await authProvider.login({ tenant: operator ? undefined : tenant, username, password });
    if (r.success) {
      // Back to the page that asked for a login (same-origin paths only), else the principal's home.
      const to = new URLSearchParams(location.search).get('to');
      location.assign(
        to?.startsWith('/') && !to.startsWith('//') && to !== '/login' ? to : (r.redirectTo ?? '/'),
      );
    } else {
      setError(r.error?.message ?? t('login.failed'));
      setBusy(false);
    }
  };

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
            onChange={async (l: Locale) => {
              await i18n.provider.changeLocale(l);
              setLocale(l);
            }}
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
        <Form<LoginInput> layout="vertical" requiredMark={false} onFinish={submit}>
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
          <Button type="primary" htmlType="submit" block loading={busy} data-testid="login-submit">
            {t('login.submit')}
          </Button>
        </Form>
      </Card>
    </div>
  );
}
