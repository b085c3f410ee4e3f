import { api, apiRaw } from '@civicgrid/admin-kit';
import { Image, Spin, Upload, type UploadFile } from 'antd';
import { type ReactNode, useEffect, useState } from 'react';

/**
 * Photos picked on a phone (its camera or gallery: `accept="image/*"`), held in the form until the
 * record they belong to is saved; the server tells the type by the bytes and refuses what is not one.
 */
export function PhotoPicker(props: {
  value?: UploadFile[];
  onChange?: (files: UploadFile[]) => void;
  /** The add tile's wording. */
  add: ReactNode;
  testId: string;
}) {
  return (
    <Upload
      accept="image/*"
      multiple
      listType="picture-card"
      fileList={props.value ?? []}
      beforeUpload={() => false}
      onChange={({ fileList }) => props.onChange?.(fileList)}
      data-testid={`${props.testId}-input`}
    >
      <div data-testid={`${props.testId}-add`}>+ {props.add}</div>
    </Upload>
  );
}

/** Sends picked files one by one to `path` (a raw upload each); answers those refused, with the reason. */
export async function uploadFiles(
  path: string,
  files: UploadFile[],
  errorText: (err: unknown) => string,
): Promise<string[]> {
  const failed: string[] = [];
  for (const f of files) {
    const file = f.originFileObj as File | undefined;
    if (!file) continue;
    try {
      await api(path, {
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

/** A stored photo, fetched with the user's token (downloads are audited) and shown from memory. */
export function AuthImage({ path, alt, size = 96 }: { path: string; alt: string; size?: number }) {
  const [url, setUrl] = useState<string | null>(null);
  useEffect(() => {
    let gone = false;
    let made: string | null = null;
    void apiRaw(path)
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
  }, [path]);
  if (!url) return <Spin size="small" />;
  return <Image width={size} height={size} style={{ objectFit: 'cover' }} src={url} alt={alt} />;
}
