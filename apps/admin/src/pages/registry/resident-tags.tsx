import { api } from '@civicgrid/admin-kit';
import { useTranslate } from '@refinedev/core';
import { App, Button, Card, Select, Space, Tag } from 'antd';
import { useEffect, useState } from 'react';
import { errorText } from './errors.ts';
import type { ResidentDetail, Rights } from './resident-detail.tsx';

interface FocusTag {
  id: string;
  key: string;
  name: string;
  sensitive: boolean;
  visitEveryDays: number | null;
}

/** A focus group's name: the seeded groups by their key in the user's language, a tenant's own as named. */
export const useTagName = () => {
  const t = useTranslate();
  return (tag: { key: string; name: string }) => t(`residents.tags.${tag.key}`, tag.name);
};

/**
 * The focus groups (重点人群) the resident is in, as far as the user may see them (sensitive groups
 * need their own permission: the server leaves them out). With registry.resident.manage: add and remove.
 */
export function TagsCard({
  r,
  rights,
  onChanged,
}: {
  r: ResidentDetail;
  rights: Rights;
  onChanged: () => void;
}) {
  const t = useTranslate();
  const name = useTagName();
  const { message } = App.useApp();
  const [all, setAll] = useState<FocusTag[]>([]);
  const [pick, setPick] = useState<string | undefined>();
  const [busy, setBusy] = useState(false);
  useEffect(() => {
    if (rights.manage) void api<FocusTag[]>('/focus-tags').then(setAll, () => setAll([]));
  }, [rights.manage]);

  const change = async (fn: () => Promise<unknown>) => {
    setBusy(true);
    try {
      await fn();
      setPick(undefined);
      onChanged();
    } catch (err) {
      void message.error(errorText(t, err));
    } finally {
      setBusy(false);
    }
  };
  const free = all.filter((x) => !r.tags.some((y) => y.id === x.id));

  return (
    <Card size="small" title={t('residents.focusTags')} data-testid="resident-tags">
      <Space wrap style={{ marginBottom: rights.manage ? 12 : 0 }}>
        {r.tags.length === 0 && <span>{t('residents.noTags')}</span>}
        {r.tags.map((tag) => (
          <Tag
            key={tag.id}
            color="orange"
            data-testid={`tag-${tag.key}`}
            closable={rights.manage}
            onClose={(e) => {
              e.preventDefault();
              void change(() => api(`/residents/${r.id}/tags/${tag.id}`, { method: 'DELETE' }));
            }}
            title={t('residents.since', { date: tag.since })}
          >
            {name(tag)}
          </Tag>
        ))}
      </Space>
      {rights.manage && (
        <Space.Compact style={{ width: '100%' }}>
          <Select
            id="tag-pick"
            data-testid="tag-pick"
            value={pick}
            onChange={setPick}
            placeholder={t('residents.pickTag')}
            options={free.map((x) => ({ value: x.id, label: name(x) }))}
            style={{ width: '100%' }}
          />
          <Button
            disabled={!pick}
            loading={busy}
            data-testid="tag-add"
            onClick={() =>
              change(() => api(`/residents/${r.id}/tags`, { method: 'POST', body: { tagId: pick } }))
            }
          >
            {t('residents.addTag')}
          </Button>
        </Space.Compact>
      )}
    </Card>
  );
}
