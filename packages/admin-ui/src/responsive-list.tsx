import { Card, List, Table, type TableColumnsType, type TableProps } from 'antd';
import type { ReactNode } from 'react';
import { useIsPhone } from './hooks.ts';

/** Server-side paging, whoever keeps it (a page's own state, or Refine's table). */
export interface ListPaging {
  current: number;
  pageSize: number;
  total: number;
  onChange(page: number, pageSize: number): void;
}

/** What one record's card shows on a phone; the card itself (size, width, test id, click) is common. */
export interface CardContent {
  title?: ReactNode;
  extra?: ReactNode;
  body: ReactNode;
}

/**
 * A list page's records: a table on a wide screen; on a phone (width < 576 px) one card per record
 * with the same paging, so nothing scrolls sideways. Used by the shell's lists and the modules' alike.
 */
export function ResponsiveList<R extends object>({
  rows,
  loading,
  paging,
  rowKey = 'id',
  columns,
  card,
  onOpen,
  empty,
  testId,
  cardTestId = 'record-card',
  rowTestId,
  tableProps,
}: {
  rows: readonly R[] | null | undefined;
  loading?: boolean;
  /** Omitted: no paging (everything is on one page). */
  paging?: ListPaging;
  rowKey?: string;
  columns: TableColumnsType<R>;
  card: (r: R) => CardContent;
  /** A tap on a card opens the record. */
  onOpen?: (r: R) => void;
  empty?: ReactNode;
  /** `<testId>-table` / `<testId>-cards` on the list itself. */
  testId?: string;
  cardTestId?: string;
  /** `data-testid` (and `data-id`) on each table row. */
  rowTestId?: string;
  /** More of antd's table settings (size, scroll; Refine's table props whole), given the last say. */
  tableProps?: Omit<TableProps<R>, 'columns' | 'rowKey'>;
}) {
  const phone = useIsPhone();
  const keyOf = (r: R) => String((r as Record<string, unknown>)[rowKey]);
  if (!phone)
    return (
      <Table<R>
        rowKey={rowKey}
        loading={loading}
        dataSource={rows ? [...rows] : []}
        columns={columns}
        locale={empty ? { emptyText: empty } : undefined}
        data-testid={testId ? `${testId}-table` : undefined}
        pagination={
          paging && {
            current: paging.current,
            pageSize: paging.pageSize,
            total: paging.total,
            showSizeChanger: false,
            onChange: paging.onChange,
          }
        }
        onRow={rowTestId ? (r) => ({ 'data-testid': rowTestId, 'data-id': keyOf(r) }) as never : undefined}
        {...tableProps}
      />
    );
  return (
    <List<R>
      data-testid={testId ? `${testId}-cards` : undefined}
      loading={loading}
      dataSource={rows ? [...rows] : []}
      rowKey={keyOf}
      locale={empty ? { emptyText: empty } : undefined}
      pagination={
        paging &&
        paging.total > paging.pageSize && {
          current: paging.current,
          pageSize: paging.pageSize,
          total: paging.total,
          size: 'small',
          align: 'center',
          showSizeChanger: false,
          onChange: paging.onChange,
        }
      }
      renderItem={(r) => {
        const c = card(r);
        return (
          <List.Item style={{ padding: '4px 0', border: 'none' }}>
            <Card
              size="small"
              title={c.title}
              extra={c.extra}
              hoverable={Boolean(onOpen)}
              onClick={onOpen ? () => onOpen(r) : undefined}
              style={{ width: '100%' }}
              data-testid={cardTestId}
              data-id={keyOf(r)}
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
