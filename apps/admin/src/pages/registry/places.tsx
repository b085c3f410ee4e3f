import { may } from '@civicgrid/admin-kit';
import { OrgUnitPicker, useIsPhone, useMe } from '@civicgrid/admin-ui';
import { useTable } from '@refinedev/antd';
import { useTranslate } from '@refinedev/core';
import { Button, Input, Select, Tag } from 'antd';
import type { ReactNode } from 'react';
import { Link, useNavigate } from 'react-router';
import { CardLines, DataList } from './data-list.tsx';
import { ExportButton, RegistryPage, ResetFilters, useFilters } from './shared.tsx';

export const HOUSE_USES = ['own-occupied', 'rented', 'shop', 'vacant'] as const;

export interface House {
  id: string;
  orgUnitId: string;
  address: string;
  floor: number | null;
  area: number | null;
  use: string;
  rooms: number | null;
  occupancyCap: number | null;
  escapeWindow: boolean | null;
  ebikeCharging: boolean | null;
}
export interface Shop {
  id: string;
  orgUnitId: string;
  name: string;
  houseId: string | null;
  licenceNo: string | null;
  businessStreet: string | null;
  operatorId: string | null;
}

type Kind = 'houses' | 'shops';
type Col = { key: string; sorter?: boolean; tag?: boolean };

/**
 * Houses or shops in the caller's scope: search, filters (houses also by use), the export with the
 * same filters, create and edit for holders of registry.place.manage. Cards on a phone.
 */
function PlaceList<R extends { id: string } & Record<string, unknown>>({
  resource,
  columns,
}: {
  resource: Kind;
  columns: Col[];
}) {
  const t = useTranslate();
  const me = useMe();
  const phone = useIsPhone();
  const navigate = useNavigate();
  const f = useFilters();
  const { tableProps } = useTable<R>({
    resource,
    syncWithLocation: false,
    pagination: { pageSize: 20 },
    filters: {
      permanent: Object.entries(f.active).map(([field, value]) => ({ field, operator: 'eq', value })),
    },
  });
  const canManage = may(me, 'registry.place.manage');
  const [first, ...rest] = columns;
  const value = (c: Col, v: unknown): ReactNode =>
    v == null || v === '' ? (
      '—'
    ) : c.tag ? (
      <Tag>{t(`${resource}.${c.key}s.${String(v)}`)}</Tag>
    ) : typeof v === 'boolean' ? (
      t(v ? 'common.yes' : 'common.no')
    ) : (
      String(v)
    );
  const title = (r: R) =>
    canManage ? (
      <Link to={`/registry/${resource}/${r.id}/edit`} data-testid={`${resource}-edit-link`}>
        {String(r[first!.key])}
      </Link>
    ) : (
      String(r[first!.key])
    );
  const width = phone ? '100%' : 200;

  return (
    <RegistryPage
      title={t(`menu.${resource}`)}
      testId={`${resource}-page`}
      actions={
        <>
          <Input.Search
            id={`${resource}-q`}
            placeholder={t(`${resource}.search`)}
            allowClear
            value={f.typed}
            onChange={(e) => f.setTyped(e.target.value)}
            onSearch={f.set('q')}
            style={{ width }}
          />
          {resource === 'houses' && (
            <Select
              id="houses-use"
              data-testid="houses-use"
              allowClear
              placeholder={t('houses.use')}
              value={f.filters.use}
              onChange={f.set('use')}
              options={HOUSE_USES.map((v) => ({ value: v, label: t(`houses.uses.${v}`) }))}
              style={{ width: phone ? '100%' : 120 }}
            />
          )}
          <div style={{ width }}>
            <OrgUnitPicker id={`${resource}-under`} value={f.filters.under} onChange={f.set('under')} />
          </div>
          <ResetFilters f={f} />
          <ExportButton me={me} list={resource} filters={f.active} />
          {canManage && (
            <Button
              type="primary"
              onClick={() => navigate(`/registry/${resource}/new`)}
              data-testid={`${resource}-create`}
            >
              {t(`${resource}.create`)}
            </Button>
          )}
        </>
      }
    >
      <DataList<R>
        testId={resource}
        tableProps={tableProps}
        columns={[
          {
            title: t(`${resource}.${first!.key}`),
            dataIndex: first!.key,
            sorter: first!.sorter,
            render: (_, r) => title(r),
          },
          ...rest.map((c) => ({
            title: t(`${resource}.${c.key}`),
            dataIndex: c.key,
            sorter: c.sorter,
            render: (v: unknown) => value(c, v),
          })),
        ]}
        card={(r) => {
          const tagged = rest.find((c) => c.tag);
          return {
            title: title(r),
            extra: tagged && value(tagged, r[tagged.key]),
            body: (
              <CardLines
                lines={rest.filter((c) => !c.tag).map((c) => [t(`${resource}.${c.key}`), value(c, r[c.key])])}
              />
            ),
          };
        }}
      />
    </RegistryPage>
  );
}

export const Houses = () => (
  <PlaceList<House & Record<string, unknown>>
    resource="houses"
    columns={[
      { key: 'address', sorter: true },
      { key: 'use', tag: true },
      { key: 'floor' },
      { key: 'area' },
      { key: 'rooms' },
      { key: 'occupancyCap' },
    ]}
  />
);

export const Shops = () => (
  <PlaceList<Shop & Record<string, unknown>>
    resource="shops"
    columns={[{ key: 'name', sorter: true }, { key: 'licenceNo' }, { key: 'businessStreet' }]}
  />
);
