import { api, apiRaw } from '@civicgrid/admin-kit';
import { useTranslate } from '@refinedev/core';
import { App, Button, Image, Modal, Space, Spin, Typography, Upload, type UploadFile } from 'antd';
import { useEffect, useState } from 'react';
import { BASE, useErrorText } from './kit.tsx';

interface Photo {
  id: string;
  fileName: string;
  contentType: string;
  size: number;
}

/**
 * Photos picked on the phone (its camera or gallery: `accept="image/*"`), held here until the record
 * is saved; the server tells the type by the bytes and refuses what is not a photo.
 */
export function PhotoPicker(props: { value?: UploadFile[]; onChange?: (files: UploadFile[]) => void }) {
  const t = useTranslate();
  return (
    <Upload
      accept="image/*"
      multiple
      listType="picture-card"
      fileList={props.value ?? []}
      beforeUpload={() => false}
      onChange={({ fileList }) => props.onChange?.(fileList)}
      data-testid="ls-photos-input"
    >
      <div data-testid="ls-photos-add">+ {t('landlord-scoring.photos.add')}</div>
    </Upload>
  );
}

/** Sends the photos to a record one by one; answers the names of those refused, with the reason. */
export async function uploadPhotos(
  recordId: string,
  files: UploadFile[],
  errorText: (err: unknown) => string,
): Promise<string[]> {
  const failed: string[] = [];
  for (const f of files) {
    const file = f.originFileObj as File | undefined;
    if (!file) continue;
    try {
      await api(`${BASE}/records/${recordId}/photos`, {
        method: 'POST',
        query: { fileName: file.name },
        raw: { data: file, contentType: file.type || 'application/octet-stream' },
      });
    } catch (err) {
      failed.push(`${file.name}: ${errorText(err)}`);
    }
  }
  return failed;
}

/** One photo, fetched with the user's token (the download is audited) and shown from memory. */
function Thumb({ recordId, photo }: { recordId: string; photo: Photo }) {
  const [url, setUrl] = useState<string | null>(null);
  useEffect(() => {
    let gone = false;
    let made: string | null = null;
    void apiRaw(`${BASE}/records/${recordId}/photos/${photo.id}`)
      .then((r) => r.blob())
      .then((b) => {
        made = URL.createObjectURL(b);
        if (!gone) setUrl(made);
      })
      .catch(() => undefined);
    return () => {
      gone = true;
      if (made) URL.revokeObjectURL(made);
    };
  }, [recordId, photo.id]);
  if (!url) return <Spin size="small" />;
  return <Image width={96} height={96} style={{ objectFit: 'cover' }} src={url} alt={photo.fileName} />;
}

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
                <Thumb key={p.id} recordId={props.recordId} photo={p} />
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
