import { may } from '@civicgrid/admin-kit';
import { OrgUnitPicker, useIsPhone, useMe } from '@civicgrid/admin-ui';
import { useTable } from '@refinedev/antd';
import { useTranslate } from '@refinedev/core';
import { Button, Input, Select, Tag } from 'antd';
import { Link, useNavigate } from 'react-router';
import { CardLines, DataList } from './data-list.tsx';
import { ExportButton, RegistryPage, ResetFilters, useFilters } from './shared.tsx';

export interface Resident {
  id: string;
  orgUnitId: string;
  name: string;
  gender: string;
  birthDate: string;
  idType: string;
  idNumber: string;
  nationality: string | null;
  phone: string | null;
  registration: string;
  householdId: string | null;
  houseId: string | null;
  createdAt: string;
  updatedAt: string;
}

export const REGISTRATIONS = ['local', 'floating', 'overseas'] as const;

/**
 * Residents in the caller's scope, ID numbers and phones masked (the detail page's "show" opens one,
 * audited). Search by name or pinyin initials, filter by registration and unit; the export takes the
 * same filters. A phone gets one card per resident.
 */
export default function ResidentsPage() {
  const t = useTranslate();
  const me = useMe();
  const phone = useIsPhone();
  const navigate = useNavigate();
  const f = useFilters();
  const { filters, active, set } = f;
  const { tableProps } = useTable<Resident>({
    resource: 'residents',
    syncWithLocation: false,
    pagination: { pageSize: 20 },
    filters: {
      permanent: Object.entries(active).map(([field, value]) => ({ field, operator: 'eq', value })),
    },
  });
  const width = phone ? '100%' : 200;
  const nameLink = (r: Resident) => (
    <Link to={`/registry/residents/${r.id}`} data-testid="resident-link">
      {r.name}
    </Link>
  );

  return (
    <RegistryPage
      title={t('menu.residents')}
      testId="residents-page"
      actions={
        <>
          <Input.Search
            id="residents-q"
            placeholder={t('residents.search')}
            allowClear
            value={f.typed}
            onChange={(e) => f.setTyped(e.target.value)}
            onSearch={set('q')}
            style={{ width }}
          />
          <Select
            id="residents-registration"
            allowClear
            placeholder={t('residents.registration')}
            value={filters.registration}
            onChange={set('registration')}
            options={REGISTRATIONS.map((v) => ({ value: v, label: t(`residents.registrations.${v}`) }))}
            style={{ width: phone ? '100%' : 140 }}
          />
          <div style={{ width }}>
            <OrgUnitPicker id="residents-under" value={filters.under} onChange={set('under')} />
          </div>
          <ResetFilters f={f} />
          <ExportButton me={me} list="residents" filters={active} />
          {may(me, 'registry.resident.manage') && (
            <Button
              type="primary"
              onClick={() => navigate('/registry/residents/new')}
              data-testid="resident-create"
            >
              {t('residents.create')}
            </Button>
          )}
        </>
      }
    >
      <DataList<Resident>
        testId="residents"
        tableProps={tableProps}
        columns={[
          { title: t('residents.name'), dataIndex: 'name', sorter: true, render: (_, r) => nameLink(r) },
          { title: t('residents.gender'), dataIndex: 'gender', render: (g) => t(`residents.genders.${g}`) },
          { title: t('residents.birthDate'), dataIndex: 'birthDate', sorter: true },
          { title: t('residents.idNumber'), dataIndex: 'idNumber' },
          { title: t('residents.phone'), dataIndex: 'phone', render: (v) => v ?? '—' },
          {
            title: t('residents.registration'),
            dataIndex: 'registration',
            render: (v) => <Tag>{t(`residents.registrations.${v}`)}</Tag>,
          },
        ]}
        card={(r) => ({
          title: nameLink(r),
          extra: <Tag>{t(`residents.registrations.${r.registration}`)}</Tag>,
          body: (
            <CardLines
              lines={[
                [t('residents.gender'), t(`residents.genders.${r.gender}`)],
                [t('residents.birthDate'), r.birthDate],
                [t('residents.idNumber'), r.idNumber],
                [t('residents.phone'), r.phone ?? '—'],
              ]}
            />
          ),
        })}
      />
    </RegistryPage>
  );
}
