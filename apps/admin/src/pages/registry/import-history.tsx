import { useTable } from '@refinedev/antd';
import { useTranslate } from '@refinedev/core';
import { Button, Space, Tag } from 'antd';
import { useEffect } from 'react';
import { useDate } from '../../components/list.tsx';
import { CardLines, DataList } from './data-list.tsx';
import { finished, type ImportView, STATE_COLOR, useReport } from './import-run.tsx';

/**
 * Past imports the user may see (her own, and every import of a kind she writes city-wide), newest
 * first: their state, counts and report; a running one can be followed again.
 */
export function ImportHistory({ version, onFollow }: { version: number; onFollow: (id: string) => void }) {
  const t = useTranslate();
  const date = useDate();
  const report = useReport();
  const { tableProps, tableQuery } = useTable<ImportView>({
    resource: 'imports',
    syncWithLocation: false,
    pagination: { pageSize: 10 },
  });
  // biome-ignore lint/correctness/useExhaustiveDependencies: refetch when an import ends or starts
  useEffect(() => {
    if (version) void tableQuery.refetch();
  }, [version]);

  const counts = (v: ImportView) =>
    v.state === 'completed'
      ? t('import.counts', { imported: v.imported, failed: v.failed, duplicates: v.duplicates })
      : `${v.progress}%`;
  const actions = (v: ImportView) => (
    <Space size={4}>
      {v.state === 'completed' && (
        <Button size="small" onClick={() => report(v)} data-testid="history-report">
          {t('import.reportShort')}
        </Button>
      )}
      {!finished(v) && (
        <Button size="small" onClick={() => onFollow(v.id)}>
          {t('import.follow')}
        </Button>
      )}
    </Space>
  );
  const state = (v: ImportView) => <Tag color={STATE_COLOR[v.state]}>{t(`import.states.${v.state}`)}</Tag>;

  return (
    <DataList<ImportView>
      testId="imports"
      tableProps={tableProps}
      columns={[
        { title: t('common.createdAt'), dataIndex: 'createdAt', render: date },
        { title: t('import.kind'), dataIndex: 'kind', render: (k) => t(`import.kinds.${k}`) },
        { title: t('import.fileName'), dataIndex: 'fileName', render: (f) => f ?? '—' },
        { title: t('import.state'), dataIndex: 'state', render: (_, v) => state(v) },
        { title: t('import.result'), key: 'result', render: (_, v) => counts(v) },
        { title: t('common.actions'), key: 'actions', render: (_, v) => actions(v) },
      ]}
      card={(v) => ({
        title: t(`import.kinds.${v.kind}`),
        extra: state(v),
        body: (
          <>
            <CardLines
              lines={[
                [t('common.createdAt'), date(v.createdAt)],
                [t('import.fileName'), v.fileName ?? '—'],
                [t('import.result'), counts(v)],
              ]}
            />
            <div style={{ marginTop: 8 }}>{actions(v)}</div>
          </>
        ),
      })}
    />
  );
}
