import { ApartmentOutlined } from '@ant-design/icons';
import { LOCALES, session } from '@civicgrid/admin-kit';
import { ThemedLayout, ThemedSider, ThemedTitle } from '@refinedev/antd';
import { useGetLocale, useLogout, useSetLocale, useTranslate } from '@refinedev/core';
import { Button, Layout, Select, Space, Typography } from 'antd';
import type { ReactNode } from 'react';
import { useSyncExternalStore } from 'react';
import { Link } from 'react-router';

function Header() {
  const t = useTranslate();
  const locale = useGetLocale()();
  const setLocale = useSetLocale();
  const { mutate: logout } = useLogout();
  const me = useSyncExternalStore(session.subscribe, session.snapshot);
  return (
    <Layout.Header
      style={{
        background: '#fff',
        display: 'flex',
        justifyContent: 'flex-end',
        alignItems: 'center',
        padding: '0 16px',
        height: 56,
        borderBottom: '1px solid #f0f0f0',
      }}
    >
      <Space wrap>
        {me?.tenant && <Typography.Text type="secondary">{me.tenant.name}</Typography.Text>}
        <Link to="/account" data-testid="account-link">
          {me?.displayName}
        </Link>
        <Select
          data-testid="locale-switch"
          size="small"
          value={locale}
          onChange={(l) => setLocale(l)}
          options={LOCALES.map((l) => ({ value: l, label: t(`locale.${l}`) }))}
          style={{ width: 100 }}
        />
        <Button size="small" onClick={() => logout()} data-testid="logout">
          {t('buttons.logout')}
        </Button>
      </Space>
    </Layout.Header>
  );
}

/** The signed-in frame: the module-aware menu on the left (collapses on a phone), header, page. */
function Title({ collapsed }: { collapsed: boolean }) {
  const t = useTranslate();
  return <ThemedTitle collapsed={collapsed} text={t('app.title')} icon={<ApartmentOutlined />} />;
}

function Sider() {
  return <ThemedSider Title={Title} render={({ items }) => items} />;
}

export default function Shell({ children }: { children: ReactNode }) {
  return (
    <ThemedLayout Header={Header} Title={Title} Sider={Sider}>
      {children}
    </ThemedLayout>
  );
}
