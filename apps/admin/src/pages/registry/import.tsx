import { apiRaw, may } from '@civicgrid/admin-kit';
import { useIsPhone, useMe } from '@civicgrid/admin-ui';
import { useTranslate } from '@refinedev/core';
import { Alert, Button, Segmented, Space, Typography, Upload } from 'antd';
import { useCallback, useState } from 'react';
import { errorText } from './errors.ts';
import { ImportHistory } from './import-history.tsx';
import { ImportRun, type ImportView } from './import-run.tsx';
import { RegistryPage, saveBlob } from './shared.tsx';

const XLSX = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';
const KINDS = [
  { kind: 'residents', permission: 'registry.resident.manage' },
  { kind: 'houses', permission: 'registry.place.manage' },
  { kind: 'shops', permission: 'registry.place.manage' },
] as const;
type Kind = (typeof KINDS)[number]['kind'];

/**
 * Background imports of residents, houses or shops from an xlsx workbook: the template to fill in,
 * the upload (stored and queued: `POST /<kind>/imports`), the run followed live until its counts and
 * per-row report are ready, and the imports made before. Bad rows are never written; the report says
 * why each failed.
 */
export default function ImportPage() {
  const t = useTranslate();
  const me = useMe();
  const phone = useIsPhone();
  const kinds = KINDS.filter((k) => may(me, k.permission));
  const [kind, setKind] = useState<Kind>(kinds[0]?.kind ?? 'residents');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [following, setFollowing] = useState<string | null>(null);
  const [version, setVersion] = useState(0);
  const refresh = useCallback(() => setVersion((n) => n + 1), []);

  const upload = async (file: File) => {
    setBusy(true);
    setError(null);
    try {
      const res = await apiRaw(`/${kind}/imports`, {
        method: 'POST',
        query: { fileName: file.name.slice(0, 200) },
        raw: { data: file, contentType: XLSX },
      });
      setFollowing(((await res.json()) as ImportView).id);
      refresh();
    } catch (err) {
      setError(errorText(t, err));
    } finally {
      setBusy(false);
    }
  };

  const template = async () => {
    try {
      const res = await apiRaw(`/${kind}/template.xlsx`);
      saveBlob(await res.blob(), `${kind}-template.xlsx`);
    } catch (err) {
      setError(errorText(t, err));
    }
  };

  return (
    <RegistryPage title={t('import.title')} testId="import-page">
      <Typography.Paragraph>{t('import.help')}</Typography.Paragraph>
      <Space direction="vertical" style={{ width: '100%', marginBottom: 16 }}>
        <Segmented<Kind>
          data-testid="import-kind"
          block={phone}
          value={kind}
          onChange={setKind}
          options={kinds.map((k) => ({ value: k.kind, label: t(`import.kinds.${k.kind}`) }))}
        />
        <Space
          wrap
          direction={phone ? 'vertical' : 'horizontal'}
          style={phone ? { width: '100%' } : undefined}
        >
          <Button onClick={template} block={phone} data-testid="import-template">
            {t('import.template')}
          </Button>
          <Upload
            accept=".xlsx"
            showUploadList={false}
            beforeUpload={(file) => {
              void upload(file);
              return false;
            }}
          >
            <Button type="primary" loading={busy} block={phone} data-testid="import-upload">
              {t('import.upload')}
            </Button>
          </Upload>
        </Space>
      </Space>
      {error && (
        <Alert
          type="error"
          showIcon
          message={error}
          style={{ marginBottom: 16 }}
          data-testid="import-error"
        />
      )}
      {following && <ImportRun id={following} onFinished={refresh} />}
      <Typography.Title level={5}>{t('import.history')}</Typography.Title>
      <ImportHistory version={version} onFollow={setFollowing} />
    </RegistryPage>
  );
}
