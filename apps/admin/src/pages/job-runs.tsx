import { api, may } from '@civicgrid/admin-kit';
import { useErrorText, useMe } from '@civicgrid/admin-ui';
import { useTable } from '@refinedev/antd';
import { useTranslate } from '@refinedev/core';
import { App, Button, Progress, Select, Space, Table, Tag, Typography } from 'antd';
import { useState } from 'react';
import { Page, useDate } from '../components/list.tsx';

interface JobRun {
  id: string;
  plugin: string;
  job: string;
  period: string | null;
  state: 'queued' | 'running' | 'completed' | 'failed' | 'skipped';
  progress: number;
  attempts: number;
  maxAttempts: number;
  error: string | null;
  createdAt: string;
  startedAt: string | null;
  finishedAt: string | null;
}
const STATES = ['queued', 'running', 'completed', 'failed', 'skipped'] as const;
const COLOR = {
  queued: 'default',
  running: 'processing',
  completed: 'success',
  failed: 'error',
  skipped: 'warning',
};

/** Job runs with live progress (polled while any runs), failures with their error, retry. */
export default function JobRunsPage() {
  const t = useTranslate();
  const date = useDate();
  const me = useMe();
  const { message } = App.useApp();
  const errorText = useErrorText();
  const [state, setState] = useState<string | undefined>();
  const { tableProps, tableQuery } = useTable<JobRun>({
    resource: 'job-runs',
    syncWithLocation: false,
    pagination: { pageSize: 20 },
    sorters: { initial: [{ field: 'createdAt', order: 'desc' }] },
    filters: { permanent: state ? [{ field: 'state', operator: 'eq', value: state }] : [] },
    queryOptions: {
      refetchInterval: (q) =>
        (q.state.data?.data ?? []).some((r) => r.state === 'running' || r.state === 'queued') ? 2000 : 15000,
    },
  });
  return (
    <Page
      title={t('menu.job-runs')}
      extra={
        <Select
          allowClear
          placeholder={t('jobs.state')}
          style={{ width: 160 }}
          value={state}
          onChange={setState}
          options={STATES.map((s) => ({ value: s, label: t(`jobs.states.${s}`) }))}
        />
      }
    >
      <Table
        {...tableProps}
        rowKey="id"
        scroll={{ x: 1280 }}
        expandable={{
          rowExpandable: (r) => r.error != null,
          expandedRowRender: (r) => <Typography.Text type="danger">{r.error}</Typography.Text>,
        }}
        columns={[
          {
            title: t('jobs.module'),
            dataIndex: 'plugin',
            sorter: true,
            render: (v: string) => t(`roles.groups.${v}`, v),
          },
          { title: t('jobs.job'), dataIndex: 'job', sorter: true },
          { title: t('jobs.period'), dataIndex: 'period', render: (v) => v ?? '—' },
          {
            title: t('jobs.state'),
            dataIndex: 'state',
            sorter: true,
            render: (s: JobRun['state']) => <Tag color={COLOR[s]}>{t(`jobs.states.${s}`)}</Tag>,
          },
          {
            title: t('jobs.progress'),
            dataIndex: 'progress',
            width: 160,
            render: (p: number, r: JobRun) => (
              <Progress
                percent={p}
                size="small"
                status={r.state === 'failed' ? 'exception' : r.state === 'running' ? 'active' : undefined}
              />
            ),
          },
          {
            title: t('jobs.attempts'),
            key: 'att',
            render: (_, r: JobRun) => `${r.attempts}/${r.maxAttempts}`,
          },
          {
            title: t('jobs.error'),
            dataIndex: 'error',
            width: 320,
            ellipsis: true,
            render: (v: string | null) =>
              v ? (
                <Typography.Text type="danger" data-testid="job-error" title={v}>
                  {v}
                </Typography.Text>
              ) : (
                '—'
              ),
          },
          { title: t('common.createdAt'), dataIndex: 'createdAt', sorter: true, render: date },
          { title: t('jobs.finishedAt'), dataIndex: 'finishedAt', sorter: true, render: date },
          {
            title: t('common.actions'),
            key: 'a',
            render: (_, r: JobRun) =>
              r.state === 'failed' &&
              may(me, 'core.job.retry') && (
                <Space>
                  <Button
                    size="small"
                    data-testid={`job-retry-${r.id}`}
                    onClick={async () => {
                      try {
                        await api(`/job-runs/${r.id}/retry`, { method: 'POST' });
                        void message.success(t('jobs.retried'));
                        void tableQuery.refetch();
                      } catch (err) {
                        void message.error(errorText(err, 'jobs.errors'));
                      }
                    }}
                  >
                    {t('jobs.retry')}
                  </Button>
                </Space>
              ),
          },
        ]}
      />
    </Page>
  );
}
