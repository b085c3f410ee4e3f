import { useTable } from '@refinedev/antd';
import { useTranslate } from '@refinedev/core';
import { Input, Table, Tag } from 'antd';
import { useState } from 'react';
import { Page } from '../../components/list.tsx';

function PlaceList({
  resource,
  columns,
}: {
  resource: 'houses' | 'shops';
  columns: { key: string; sorter?: boolean; tag?: boolean }[];
}) {
  const t = useTranslate();
  const [q, setQ] = useState('');
  const { tableProps } = useTable({
    resource,
    syncWithLocation: false,
    pagination: { pageSize: 20 },
    filters: { permanent: q ? [{ field: 'q', operator: 'eq', value: q }] : [] },
  });
  return (
    <Page
      title={t(`menu.${resource}`)}
      extra={
        <Input.Search
          placeholder={t(`${resource}.search`)}
          allowClear
          onSearch={setQ}
          style={{ width: 220 }}
        />
      }
    >
      <Table
        {...tableProps}
        rowKey="id"
        columns={columns.map((c) => ({
          title: t(`${resource}.${c.key}`),
          dataIndex: c.key,
          sorter: c.sorter,
          render: (v: unknown) =>
            v == null ? (
              '—'
            ) : c.tag ? (
              <Tag>{t(`${resource}.${c.key}s.${String(v)}`)}</Tag>
            ) : typeof v === 'boolean' ? (
              t(v ? 'common.yes' : 'common.no')
            ) : (
              String(v)
            ),
        }))}
      />
    </Page>
  );
}

export const Houses = () => (
  <PlaceList
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
  <PlaceList
    resource="shops"
    columns={[{ key: 'name', sorter: true }, { key: 'licenceNo' }, { key: 'businessStreet' }]}
  />
);
