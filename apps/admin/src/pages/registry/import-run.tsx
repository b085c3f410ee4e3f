import { api, apiRaw } from '@civicgrid/admin-kit';
import { useTranslate } from '@refinedev/core';
import { Alert, App, Button, Card, Descriptions, Progress, Space, Tag } from 'antd';
import { useEffect, useRef, useState } from 'react';
import { errorText } from './errors.ts';
import { saveBlob } from './shared.tsx';

/** A background import as `GET /imports/:id` shows it. */
export interface ImportView {
  id: string;
  kind: 'residents' | 'houses' | 'shops';
  fileName: string | null;
  fileSize: number;
  state: 'queued' | 'running' | 'completed' | 'failed';
  progress: number;
  totalRows: number | null;
  rows: number;
  imported: number;
  failed: number;
  duplicates: number;
  error: string | null;
  createdAt: string;
  finishedAt: string | null;
}

export const finished = (v: ImportView) => v.state === 'completed' || v.state === 'failed';
export const STATE_COLOR = {
  queued: 'default',
  running: 'processing',
  completed: 'success',
  failed: 'error',
} as const;

/**
 * Why a run failed, in the user's language: the worker's known reasons by their start; a header
 * problem the importer already words in Chinese (第1行不是…的表头) as it is; anything else generic.
 */
function failureText(t: (k: string) => string, error: string | null): string | undefined {
  if (!error) return undefined;
  const e = error.replace(/^file: /, '');
  if (e.startsWith('not a readable xlsx')) return t('registry.err.unsupported_media_type');
  if (e.startsWith('the job system did not take')) return t('import.notQueued');
  if (/[\u4e00-\u9fff]/.test(e)) return e;
  return t('import.stopped');
}

/** Downloads an import's per-row report (the server records who took it: it repeats the rows in clear). */
export function useReport() {
  const t = useTranslate();
  const { message } = App.useApp();
  return async (v: Pick<ImportView, 'id' | 'kind'>) => {
    try {
      const res = await apiRaw(`/imports/${v.id}/report.xlsx`);
      saveBlob(await res.blob(), `${v.kind}-import-report.xlsx`);
    } catch (err) {
      void message.error(errorText(t, err));
    }
  };
}

/**
 * One import followed live: the worker counts the sheet's rows first, then writes rows done after each
 * batch; this polls `GET /imports/:id` every second until it is completed or failed, then shows the
 * counts and the report.
 */
export function ImportRun({ id, onFinished }: { id: string; onFinished: () => void }) {
  const t = useTranslate();
  const report = useReport();
  const [v, setV] = useState<ImportView | null>(null);
  const [error, setError] = useState<string | null>(null);
  // The poll reads the latest translate and callback without restarting when they change identity.
  const latest = useRef({ t, onFinished });
  latest.current = { t, onFinished };
  useEffect(() => {
    let live = true;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const poll = async () => {
      try {
        const next = await api<ImportView>(`/imports/${id}`);
        if (!live) return;
        setV(next);
        setError(null);
        if (finished(next)) return latest.current.onFinished();
      } catch (err) {
        if (live) setError(errorText(latest.current.t, err));
      }
      if (live) timer = setTimeout(poll, 1000);
    };
    setV(null);
    void poll();
    return () => {
      live = false;
      clearTimeout(timer);
    };
  }, [id]);

  if (!v) return error ? <Alert type="warning" showIcon message={error} /> : null;
  const percent = v.state === 'completed' ? 100 : v.progress;
  return (
    <Card
      size="small"
      title={`${t(`import.kinds.${v.kind}`)} · ${v.fileName ?? ''}`}
      extra={
        <Tag color={STATE_COLOR[v.state]} data-testid="import-state">
          {t(`import.states.${v.state}`)}
        </Tag>
      }
      style={{ marginBottom: 16 }}
      data-testid="import-run"
    >
      <div data-testid="import-progress" data-state={v.state} data-percent={percent}>
        <Progress
          percent={percent}
          status={v.state === 'failed' ? 'exception' : v.state === 'completed' ? 'success' : 'active'}
        />
        <div style={{ color: 'rgba(0,0,0,0.45)' }}>
          {v.totalRows == null
            ? t(v.state === 'queued' ? 'import.waiting' : 'import.counting')
            : t('import.rowsDone', { done: v.rows, total: v.totalRows })}
        </div>
      </div>
      {error && <Alert type="warning" showIcon message={error} style={{ marginTop: 12 }} />}
      {v.state === 'failed' && (
        <Alert
          type="error"
          showIcon
          style={{ marginTop: 12 }}
          message={t('import.runFailed')}
          description={failureText(t, v.error)}
          data-testid="import-error"
        />
      )}
      {v.state === 'completed' && (
        <Space direction="vertical" style={{ width: '100%', marginTop: 12 }}>
          <Descriptions bordered size="small" column={{ xs: 1, sm: 2, md: 4 }} data-testid="import-summary">
            <Descriptions.Item label={t('import.rows')}>
              <span data-testid="import-rows">{v.rows}</span>
            </Descriptions.Item>
            <Descriptions.Item label={t('import.imported')}>
              <span data-testid="import-imported">{v.imported}</span>
            </Descriptions.Item>
            <Descriptions.Item label={t('import.failed')}>
              <span data-testid="import-failed">{v.failed}</span>
            </Descriptions.Item>
            <Descriptions.Item label={t('import.duplicates')}>
              <span data-testid="import-duplicates">{v.duplicates}</span>
            </Descriptions.Item>
          </Descriptions>
          <Button onClick={() => report(v)} data-testid="import-report">
            {t('import.report')}
          </Button>
        </Space>
      )}
    </Card>
  );
}
