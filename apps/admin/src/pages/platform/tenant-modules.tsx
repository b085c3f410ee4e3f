import { api } from '@civicgrid/admin-kit';
import { useErrorText } from '@civicgrid/admin-ui';
import { useTranslate } from '@refinedev/core';
import { App, Button, Empty, Select, Space, Tag } from 'antd';
import { useEffect, useState } from 'react';
import { useNavigate, useParams } from 'react-router';
import { Page } from '../../components/list.tsx';
import { ModuleCatalogue } from '../../components/module-catalogue.tsx';
import type { Tenant } from './tenants.tsx';

/**
 * The operator's view of one tenant's modules (`/platform/tenants/:id/modules`): the installed catalogue
 * with that tenant's state and settings; switching one here is audited in the tenant as the operator,
 * and the tenant's users see its menu follow. Another tenant is picked from the list at the top.
 */
export default function TenantModulesPage() {
  const t = useTranslate();
  const errorText = useErrorText();
  const { message } = App.useApp();
  const navigate = useNavigate();
  const { id } = useParams<{ id: string }>();
  const [tenants, setTenants] = useState<Tenant[] | null>(null);

  useEffect(() => {
    api<Tenant[]>('/platform/tenants', { query: { _end: 500, _sort: 'createdAt', _order: 'asc' } }).then(
      setTenants,
      (err) => {
        setTenants([]);
        void message.error(errorText(err));
      },
    );
  }, [message, errorText]);

  const tenant = tenants?.find((x) => x.id === id);
  return (
    <Page
      title={
        <Space>
          {t('platformModules.title')}
          {tenant && (
            <Tag color={tenant.status === 'active' ? 'green' : 'red'}>
              {t(`tenants.statuses.${tenant.status}`)}
            </Tag>
          )}
        </Space>
      }
      extra={
        <Space wrap>
          <Select
            id="platform-tenant"
            data-testid="platform-tenant"
            showSearch
            optionFilterProp="label"
            style={{ minWidth: 240 }}
            placeholder={t('platformModules.pickTenant')}
            loading={tenants == null}
            value={tenant ? tenant.id : undefined}
            onChange={(v: string) => navigate(`/platform/tenants/${v}/modules`)}
            options={(tenants ?? []).map((x) => ({ value: x.id, label: `${x.name}（${x.code}）` }))}
          />
          <Button onClick={() => navigate('/platform/tenants')}>{t('platformModules.back')}</Button>
        </Space>
      }
    >
      {id && (tenants == null || tenant) ? (
        <ModuleCatalogue key={id} base={`/platform/tenants/${id}/modules`} canManage />
      ) : (
        <Empty description={t(tenants == null ? 'platformModules.pickTenant' : 'platformModules.noTenant')} />
      )}
    </Page>
  );
}
