import { apiRaw, apiUrl, tokens } from '@civicgrid/admin-kit';
import { useTranslate } from '@refinedev/core';
import { Alert, Button, Descriptions, Space, Typography, Upload } from 'antd';
import { useState } from 'react';
import { Page } from '../../components/list.tsx';

const XLSX = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';

interface Summary {
  rows: number;
  imported: number;
  failed: number;
  duplicates: number;
  report: string;
}

/** Saves a blob under a name: the browser's own download. */
function download(url: string, name: string) {
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  a.click();
}

/**
 * Residents from an xlsx workbook: the file is sent as the raw body; the answer is the per-row report
 * (the workbook with a result column) and the counts in headers. Rows that fail are listed in it with
 * their reason and nothing of them is written.
 */
export default function ImportPage() {
  const t = useTranslate();
  const [busy, setBusy] = useState(false);
  const [summary, setSummary] = useState<Summary | null>(null);
  const [error, setError] = useState<string | null>(null);

  const upload = async (file: File) => {
    setBusy(true);
    setError(null);
    setSummary(null);
    try {
      const res = await apiRaw('/residents/import', {
        method: 'POST',
        raw: { data: file, contentType: XLSX },
      });
      const n = (h: string) => Number(res.headers.get(h) ?? 0);
      const blob = await res.blob();
      setSummary({
        rows: n('x-import-rows'),
        imported: n('x-import-imported'),
        failed: n('x-import-failed'),
        duplicates: n('x-import-duplicates'),
        report: URL.createObjectURL(blob),
      });
    } catch (err) {
      setError((err as Error).message);
    } finally {
      setBusy(false);
    }
  };

  const template = async () => {
    const res = await fetch(apiUrl('/residents/template.xlsx'), {
      headers: { authorization: `Bearer ${tokens.access()}` },
    });
    if (res.ok) download(URL.createObjectURL(await res.blob()), 'residents-template.xlsx');
  };

  return (
    <Page title={t('menu.residents-import')}>
      <Typography.Paragraph>{t('import.help')}</Typography.Paragraph>
      <Space wrap style={{ marginBottom: 16 }}>
        <Button onClick={template}>{t('import.template')}</Button>
        <Upload
          accept=".xlsx"
          showUploadList={false}
          beforeUpload={(file) => {
            void upload(file);
            return false;
          }}
        >
          <Button type="primary" loading={busy} data-testid="import-upload">
            {t('import.upload')}
          </Button>
        </Upload>
      </Space>
      {error && <Alert type="error" showIcon message={error} data-testid="import-error" />}
      {summary && (
        <>
          <Descriptions
            bordered
            size="small"
            column={1}
            data-testid="import-summary"
            style={{ maxWidth: 480 }}
          >
            <Descriptions.Item label={t('import.rows')}>{summary.rows}</Descriptions.Item>
            <Descriptions.Item label={t('import.imported')}>
              <span data-testid="import-imported">{summary.imported}</span>
            </Descriptions.Item>
            <Descriptions.Item label={t('import.failed')}>
              <span data-testid="import-failed">{summary.failed}</span>
            </Descriptions.Item>
            <Descriptions.Item label={t('import.duplicates')}>{summary.duplicates}</Descriptions.Item>
          </Descriptions>
          <Button
            style={{ marginTop: 16 }}
            data-testid="import-report"
            onClick={() => download(summary.report, 'residents-import-report.xlsx')}
          >
            {t('import.report')}
          </Button>
        </>
      )}
    </Page>
  );
}
