import { api } from '@civicgrid/admin-kit';
import { useTranslate } from '@refinedev/core';
import { Select } from 'antd';
import { useEffect, useState } from 'react';

interface Option {
  value: string;
  label: string;
}

/**
 * A record chosen by typing the start of its name or address: the server searches (in the caller's
 * scope, at most 20 answers); `under` narrows it to a unit's subtree. The chosen value's label is
 * fetched once when the form opens with one.
 */
function RemotePicker({
  id,
  value,
  onChange,
  path,
  label,
  under,
  placeholder,
}: {
  id?: string;
  value?: string | null;
  onChange?: (v: string | null) => void;
  path: '/houses' | '/residents';
  label: (r: Record<string, unknown>) => string;
  under?: string;
  placeholder: string;
}) {
  const t = useTranslate();
  const [options, setOptions] = useState<Option[]>([]);
  const [loading, setLoading] = useState(false);
  const search = async (q: string) => {
    setLoading(true);
    try {
      const rows = await api<Record<string, unknown>[]>(path, {
        query: { q: q.trim() || undefined, under, _end: 20 },
      });
      setOptions(rows.map((r) => ({ value: r.id as string, label: label(r) })));
    } catch {
      setOptions([]);
    } finally {
      setLoading(false);
    }
  };
  // biome-ignore lint/correctness/useExhaustiveDependencies: reload when the unit changes only
  useEffect(() => {
    void search('');
  }, [under]);
  useEffect(() => {
    if (!value || options.some((o) => o.value === value)) return;
    void api<Record<string, unknown>>(`${path}/${value}`).then(
      (r) => setOptions((o) => [{ value, label: label(r) }, ...o]),
      () => {},
    );
  }, [value, options, path, label]);
  return (
    <Select
      id={id}
      data-testid={id}
      showSearch
      allowClear
      filterOption={false}
      onSearch={(q) => void search(q)}
      loading={loading}
      value={value ?? undefined}
      onChange={(v) => onChange?.(v ?? null)}
      options={options}
      placeholder={placeholder}
      notFoundContent={t('common.noData')}
      style={{ width: '100%' }}
    />
  );
}

const houseLabel = (r: Record<string, unknown>) => String(r.address);
const residentLabel = (r: Record<string, unknown>) => `${r.name}（${r.idNumber}）`;

/** A house of the caller's scope, searched by the start of its address. */
export const HousePicker = (p: {
  id?: string;
  value?: string | null;
  onChange?: (v: string | null) => void;
  under?: string;
}) => {
  const t = useTranslate();
  return <RemotePicker {...p} path="/houses" label={houseLabel} placeholder={t('registry.pickHouse')} />;
};

/** A resident of the caller's scope, searched by name or pinyin initials. */
export const ResidentPicker = (p: {
  id?: string;
  value?: string | null;
  onChange?: (v: string | null) => void;
}) => {
  const t = useTranslate();
  return (
    <RemotePicker {...p} path="/residents" label={residentLabel} placeholder={t('registry.pickResident')} />
  );
};
