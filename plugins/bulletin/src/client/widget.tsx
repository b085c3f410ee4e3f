import { api } from '@civicgrid/admin-kit';
import { useTranslate } from '@refinedev/core';
import { List } from 'antd';
import { useEffect, useState } from 'react';

/** Dashboard widget: the five latest notices in the user's scope. */
export default function LatestNotices() {
  const t = useTranslate();
  const [rows, setRows] = useState<Array<{ id: string; title: string; createdAt: string }>>([]);
  useEffect(() => {
    void api<typeof rows>('/m/bulletin/notices', {
      query: { _end: 5, _sort: 'createdAt', _order: 'desc' },
    }).then(setRows, () => setRows([]));
  }, []);
  return (
    <List
      size="small"
      dataSource={rows}
      locale={{ emptyText: t('bulletin.notices.none') }}
      renderItem={(n) => <List.Item>{n.title}</List.Item>}
    />
  );
}
