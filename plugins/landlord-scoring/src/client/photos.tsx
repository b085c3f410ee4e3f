import { api } from '@civicgrid/admin-kit';
import { AuthImage, PhotoPicker as SharedPicker, uploadFiles } from '@civicgrid/admin-ui';
import { useTranslate } from '@refinedev/core';
import { App, Button, Image, Modal, Space, Spin, Typography, type UploadFile } from 'antd';
import { useState } from 'react';
import { BASE, useErrorText } from './kit.tsx';

interface Photo {
  id: string;
  fileName: string;
  contentType: string;
  size: number;
}

/** The photo picker of a record's form and dialog. */
export function PhotoPicker(props: { value?: UploadFile[]; onChange?: (files: UploadFile[]) => void }) {
  const t = useTranslate();
  return <SharedPicker {...props} add={t('landlord-scoring.photos.add')} testId="ls-photos" />;
}

/** Sends the photos to a record one by one; answers the names of those refused, with the reason. */
export const uploadPhotos = (recordId: string, files: UploadFile[], errorText: (err: unknown) => string) =>
  uploadFiles(`${BASE}/records/${recordId}/photos`, files, errorText);

/**
 * A record's evidence: the button says how many photos it has; the dialog shows them and, for whoever
 * may record, takes more.
 */
export function RecordPhotos(props: {
  recordId: string;
  count: number;
  canAdd: boolean;
  onAdded: () => void;
}) {
  const t = useTranslate();
  const { message } = App.useApp();
  const errorText = useErrorText();
  const [open, setOpen] = useState(false);
  const [photos, setPhotos] = useState<Photo[] | null>(null);
  const [picked, setPicked] = useState<UploadFile[]>([]);
  const [busy, setBusy] = useState(false);
  const load = () =>
    api<Photo[]>(`${BASE}/records/${props.recordId}/photos`).then(setPhotos, (err) =>
      message.error(errorText(err)),
    );
  const send = async () => {
    setBusy(true);
    const failed = await uploadPhotos(props.recordId, picked, errorText);
    setBusy(false);
    setPicked([]);
    if (failed.length) void message.error(failed.join('; '));
    else void message.success(t('landlord-scoring.photos.added'));
    props.onAdded();
    void load();
  };
  if (props.count === 0 && !props.canAdd) return null;
  return (
    <>
      <Button
        size="small"
        onClick={() => {
          setOpen(true);
          void load();
        }}
        data-testid="ls-record-photos"
      >
        {t('landlord-scoring.photos.button', { count: props.count })}
      </Button>
      <Modal
        open={open}
        title={t('landlord-scoring.photos.title')}
        onCancel={() => setOpen(false)}
        footer={null}
        destroyOnHidden
      >
        {photos == null ? (
          <Spin />
        ) : (
          <Image.PreviewGroup>
            <Space wrap data-testid="ls-photo-list">
              {photos.map((p) => (
                <AuthImage
                  key={p.id}
                  path={`${BASE}/records/${props.recordId}/photos/${p.id}`}
                  alt={p.fileName}
                />
              ))}
              {photos.length === 0 && (
                <Typography.Text type="secondary">{t('landlord-scoring.none')}</Typography.Text>
              )}
            </Space>
          </Image.PreviewGroup>
        )}
        {props.canAdd && (
          <div style={{ marginTop: 12 }}>
            <PhotoPicker value={picked} onChange={setPicked} />
            <Button type="primary" block disabled={!picked.length} loading={busy} onClick={send}>
              {t('landlord-scoring.photos.upload')}
            </Button>
          </div>
        )}
      </Modal>
    </>
  );
}
