import { useIsPhone } from '@civicgrid/admin-ui';
import type { BaseRecord } from '@refinedev/core';
import { Card, List, Table, type TableColumnsType, type TableProps } from 'antd';
import type { ReactNode } from 'react';

/**
 * A registry list: a table on a wide screen; on a phone (width < 576 px) one card per record with
 * the same paging, so nothing scrolls sideways. `card` draws a record's card body.
 */
export function DataList<R extends BaseRecord>({
  tableProps,
  columns,
  card,
  testId,
}: {
  tableProps: TableProps<R>;
  columns: TableColumnsType<R>;
  card: (r: R) => { title: ReactNode; body: ReactNode; extra?: ReactNode };
  testId: string;
}) {
  const phone = useIsPhone();
  if (!phone)
    return <Table<R> {...tableProps} rowKey="id" columns={columns} data-testid={`${testId}-table`} />;
  const p = tableProps.pagination || undefined;
  return (
    <List<R>
      data-testid={`${testId}-cards`}
      loading={Boolean(tableProps.loading)}
      dataSource={[...(tableProps.dataSource ?? [])]}
      rowKey="id"
      pagination={
        p && {
          current: p.current,
          pageSize: p.pageSize,
          total: p.total,
          size: 'small',
          align: 'center',
          showSizeChanger: false,
          onChange: (current, pageSize) =>
            tableProps.onChange?.({ current, pageSize }, {}, [], {
              action: 'paginate',
              currentDataSource: [],
            }),
        }
      }
      renderItem={(r) => {
        const c = card(r);
        return (
          <List.Item style={{ padding: '6px 0', border: 'none' }}>
            <Card
              size="small"
              title={c.title}
              extra={c.extra}
              style={{ width: '100%' }}
              data-testid="record-card"
            >
              {c.body}
            </Card>
          </List.Item>
        );
      }}
    />
  );
}

/** Label and value lines inside a card. */
export function CardLines({ lines }: { lines: Array<[ReactNode, ReactNode]> }) {
  return (
    <div style={{ display: 'grid', gridTemplateColumns: 'auto 1fr', columnGap: 12, rowGap: 4 }}>
      {lines.map(([label, value], i) => (
        // biome-ignore lint/suspicious/noArrayIndexKey: fixed lines, never reordered
        <div key={i} style={{ display: 'contents' }}>
          <span style={{ color: 'rgba(0,0,0,0.45)' }}>{label}</span>
          <span style={{ wordBreak: 'break-all' }}>{value}</span>
        </div>
      ))}
    </div>
  );
}
