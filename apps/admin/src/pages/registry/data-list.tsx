import { type CardContent, ResponsiveList } from '@civicgrid/admin-ui';
import type { BaseRecord } from '@refinedev/core';
import type { TableColumnsType, TableProps } from 'antd';

export { CardLines } from '@civicgrid/admin-ui';

/**
 * A registry list on Refine's table: the shared ResponsiveList, its card paging driven through the
 * table's own change handler so Refine keeps the page in the URL either way.
 */
export function DataList<R extends BaseRecord>({
  tableProps,
  columns,
  card,
  testId,
}: {
  tableProps: TableProps<R>;
  columns: TableColumnsType<R>;
  card: (r: R) => CardContent;
  testId: string;
}) {
  const p = tableProps.pagination || undefined;
  return (
    <ResponsiveList<R>
      testId={testId}
      rows={tableProps.dataSource}
      loading={Boolean(tableProps.loading)}
      columns={columns}
      card={card}
      tableProps={tableProps}
      paging={
        p && {
          current: p.current ?? 1,
          pageSize: p.pageSize ?? 10,
          total: p.total ?? 0,
          onChange: (current, pageSize) =>
            tableProps.onChange?.({ current, pageSize }, {}, [], {
              action: 'paginate',
              currentDataSource: [],
            }),
        }
      }
    />
  );
}
