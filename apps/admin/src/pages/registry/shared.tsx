import { api, apiRaw, type Me, may } from '@civicgrid/admin-kit';
import { saveBlob, useIsPhone } from '@civicgrid/admin-ui';
import { useTranslate } from '@refinedev/core';
import { App, Button, Space } from 'antd';
import { type ReactNode, useEffect, useState } from 'react';
import { Page } from '../../components/list.tsx';
import { errorText } from './errors.ts';

export { saveBlob };

/** Drops empty values: what a list filters on, as query parameters. */
export const compact = (filters: Record<string, string | undefined>) =>
  Object.fromEntries(Object.entries(filters).filter(([, v]) => v != null && v !== '')) as Record<
    string,
    string
  >;

/**
 * "Export to Excel" for a registry list: the same filters the list shows (the server writes the
 * export to the audit log). Shown only to holders of registry.data.export.
 */
export function ExportButton({
  me,
  list,
  filters,
}: {
  me: Me | null;
  list: 'residents' | 'houses' | 'shops' | 'households';
  filters: Record<string, string>;
}) {
  const t = useTranslate();
  const { message } = App.useApp();
  const [busy, setBusy] = useState(false);
  if (!may(me, 'registry.data.export')) return null;
  const run = async () => {
    setBusy(true);
    try {
      const res = await apiRaw(`/${list}/export.xlsx`, { query: filters });
      saveBlob(await res.blob(), `${list}.xlsx`);
    } catch (err) {
      void message.error(errorText(t, err));
    } finally {
      setBusy(false);
    }
  };
  return (
    <Button onClick={run} loading={busy} data-testid={`${list}-export`}>
      {t('registry.export')}
    </Button>
  );
}

/**
 * A registry page's frame: title and actions in the header on a wide screen; on a phone the actions
 * (search, filters, buttons) go above the content, one per line, where they fit.
 */
export function RegistryPage({
  title,
  actions,
  children,
  testId,
}: {
  title: ReactNode;
  actions?: ReactNode;
  children: ReactNode;
  testId?: string;
}) {
  const phone = useIsPhone();
  if (phone)
    return (
      <Page title={title} data-testid={testId} styles={{ body: { padding: 12 } }}>
        {actions && (
          <Space direction="vertical" style={{ width: '100%', marginBottom: 12 }}>
            {actions}
          </Space>
        )}
        {children}
      </Page>
    );
  return (
    <Page title={title} extra={actions && <Space wrap>{actions}</Space>} data-testid={testId}>
      {children}
    </Page>
  );
}

const cache = new Map<string, Promise<unknown>>();
/** One record by its API path (an org unit, a house), fetched once per page load; null if unreadable. */
export function useRecord<T>(path: string | null | undefined): T | null {
  const [value, setValue] = useState<T | null>(null);
  useEffect(() => {
    setValue(null);
    if (!path) return;
    let p = cache.get(path) as Promise<T | null> | undefined;
    if (!p) {
      p = api<T>(path).catch(() => null);
      cache.set(path, p);
    }
    let live = true;
    void p.then((v) => live && setValue(v));
    return () => {
      live = false;
    };
  }, [path]);
  return value;
}
/** Forgets a cached record after it changed. */
export const forgetRecord = (path: string) => cache.delete(path);

/**
 * A list's filters: what is typed in the search box, what is applied, and a reset. `active` is what
 * the list and its export send.
 */
export function useFilters() {
  const [filters, setFilters] = useState<Record<string, string | undefined>>({});
  const [typed, setTyped] = useState('');
  return {
    filters,
    active: compact(filters),
    typed,
    setTyped,
    set: (k: string) => (v: string | undefined) => setFilters((f) => ({ ...f, [k]: v || undefined })),
    reset: () => {
      setFilters({});
      setTyped('');
    },
  };
}

/** "Clear filters", shown while any filter is on. */
export function ResetFilters({ f }: { f: ReturnType<typeof useFilters> }) {
  const t = useTranslate();
  if (!Object.keys(f.active).length) return null;
  return (
    <Button onClick={f.reset} data-testid="filters-reset">
      {t('registry.resetFilters')}
    </Button>
  );
}
