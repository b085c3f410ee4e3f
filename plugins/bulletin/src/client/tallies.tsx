import { useTable } from '@refinedev/antd';
import { useTranslate } from '@refinedev/core';
import { Card, Table } from 'antd';

export default function TalliesPage() {
  const t = useTranslate();
  const { tableProps } = useTable({
    resource: 'm/bulletin/tallies',
    syncWithLocation: false,
    pagination: { pageSize: 20 },
    sorters: { initial: [{ field: 'period', order: 'desc' }] },
  });
  return (
    <Card title={t('bulletin.tallies.label')}>
      <Table
        {...tableProps}
        rowKey={(r) => `${r.period}:${r.orgUnitId}`}
        columns={[
          { title: t('bulletin.tallies.period'), dataIndex: 'period' },
          { title: t('bulletin.tallies.unit'), dataIndex: 'orgUnitId' },
          { title: t('bulletin.tallies.notices'), dataIndex: 'notices' },
        ]}
      />
    </Card>
  );
}
