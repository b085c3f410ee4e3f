import { api } from '@civicgrid/admin-kit';
import { useTranslate } from '@refinedev/core';
import { Select, Spin } from 'antd';
import { useEffect, useRef, useState } from 'react';

interface UserHit {
  id: string;
  username: string;
  displayName: string;
}

const labelOf = (u: UserHit) => `${u.displayName}（${u.username}）`;

/**
 * A user chosen by typing part of her account or name: each pause in typing asks the server
 * (`GET /users?q=`, within the picker's own scope), so a city's thousands of staff need no list loaded
 * up front. The value is the user's id.
 */
export function UserPicker(props: {
  value?: string;
  onChange?: (id: string | undefined) => void;
  id?: string;
  style?: React.CSSProperties;
}) {
  const t = useTranslate();
  const [hits, setHits] = useState<UserHit[]>([]);
  const [chosen, setChosen] = useState<UserHit | null>(null);
  const [loading, setLoading] = useState(false);
  const timer = useRef<ReturnType<typeof setTimeout>>(undefined);
  const asked = useRef(0);

  const search = (q: string) => {
    clearTimeout(timer.current);
    timer.current = setTimeout(async () => {
      const n = ++asked.current;
      setLoading(true);
      try {
        const rows = await api<UserHit[]>('/users', {
          query: { q: q.trim() || undefined, _end: 20, _sort: 'username', _order: 'asc' },
        });
        if (n === asked.current) setHits(rows);
      } catch {
        if (n === asked.current) setHits([]);
      } finally {
        if (n === asked.current) setLoading(false);
      }
    }, 250);
  };
  useEffect(() => () => clearTimeout(timer.current), []);

  // The chosen user stays in the options, so her label shows while other searches come and go.
  const options = [...(chosen && !hits.some((h) => h.id === chosen.id) ? [chosen] : []), ...hits].map(
    (u) => ({ value: u.id, label: labelOf(u) }),
  );
  return (
    <Select
      id={props.id}
      data-testid="user-picker"
      showSearch
      allowClear
      filterOption={false}
      placeholder={t('userPicker.placeholder')}
      notFoundContent={loading ? <Spin size="small" /> : t('common.noData')}
      onSearch={search}
      onOpenChange={(open) => open && hits.length === 0 && search('')}
      value={props.value}
      onChange={(id: string | undefined) => {
        setChosen(hits.find((h) => h.id === id) ?? null);
        props.onChange?.(id);
      }}
      options={options}
      style={{ minWidth: 220, ...props.style }}
    />
  );
}
