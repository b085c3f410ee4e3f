import { api } from '@civicgrid/admin-kit';
import { AuthImage, PhotoPicker, uploadFiles } from '@civicgrid/admin-ui';
import { useTranslate } from '@refinedev/core';
import { App, Button, Card, Image, Space, Typography, type UploadFile } from 'antd';
import { useCallback, useEffect, useState } from 'react';
import { useErrorText } from './kit.tsx';

interface Attachment {
  id: string;
  fileName: string;
  contentType: string;
  size: number;
}

/**
 * An event's photos (and other files): each photo shown from an audited download, the others by name;
 * whoever may act on the event adds more from her phone (the server still decides).
 */
export function EventPhotos({ eventId, canAdd }: { eventId: string; canAdd: boolean }) {
  const t = useTranslate();
  const { message } = App.useApp();
  const errorText = useErrorText();
  const [files, setFiles] = useState<Attachment[]>([]);
  const [picked, setPicked] = useState<UploadFile[]>([]);
  const [busy, setBusy] = useState(false);
  const base = `/m/events/events/${eventId}/attachments`;
  const load = useCallback(() => api<Attachment[]>(base).then(setFiles, () => setFiles([])), [base]);
  useEffect(() => {
    void load();
  }, [load]);
  const send = async () => {
    setBusy(true);
    const failed = await uploadFiles(base, picked, errorText);
    setBusy(false);
    setPicked([]);
    if (failed.length) void message.error(failed.join('; '));
    void load();
  };
  if (files.length === 0 && !canAdd) return null;
  return (
    <Card
      title={t('events.photos.title')}
      size="small"
      data-testid="event-photos"
      style={{ marginBottom: 12 }}
    >
      <Image.PreviewGroup>
        <Space wrap data-testid="event-photo-list">
          {files.map((f) =>
            f.contentType.startsWith('image/') ? (
              <AuthImage key={f.id} path={`${base}/${f.id}`} alt={f.fileName} />
            ) : (
              <Typography.Text key={f.id}>{f.fileName}</Typography.Text>
            ),
          )}
          {files.length === 0 && (
            <Typography.Text type="secondary">{t('events.photos.none')}</Typography.Text>
          )}
        </Space>
      </Image.PreviewGroup>
      {canAdd && (
        <div style={{ marginTop: 12 }}>
          <PhotoPicker
            value={picked}
            onChange={setPicked}
            add={t('events.photos.add')}
            testId="event-photos-more"
          />
          {picked.length > 0 && (
            <Button type="primary" block loading={busy} onClick={send} data-testid="event-photos-upload">
              {t('events.photos.upload')}
            </Button>
          )}
        </div>
      )}
    </Card>
  );
}
