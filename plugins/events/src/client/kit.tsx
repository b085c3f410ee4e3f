import { ApiError, api, session } from '@civicgrid/admin-kit';
import { useTranslate } from '@refinedev/core';
import { Grid, Tag, TreeSelect } from 'antd';
import { useCallback, useEffect, useState, useSyncExternalStore } from 'react';
import type { Urgency } from '../common/index.ts';

/** An event as the API answers it. */
export interface EventItem {
  id: string;
  title: string;
  description: string;
  categoryId: string;
  channel: string;
  urgency: Urgency;
  orgUnitId: string;
  houseId: string | null;
  lat: number | null;
  lng: number | null;
  reporterId: string | null;
  externalRef: string | null;
  status: string;
  level: string;
  handlerUnitId: string;
  mergedInto: string | null;
  reopenCount: number;
  returnReason: string | null;
  supervision: 'yellow' | 'red' | null;
  createdAt: string;
  acceptDueAt: string;
  resolveDueAt: string;
  nextDueAt?: string | null;
}

export interface Duplicate {
  id: string;
  title: string;
  status: string;
  createdAt: string;
  distanceM: number | null;
  sameBuilding: boolean;
}

type T = (key: string, options?: unknown, defaultMessage?: string) => string;

/** 分色治理: the tag colour of each urgency. */
export const URGENCY_COLOR: Record<string, string> = {
  red: 'red',
  orange: 'orange',
  yellow: 'gold',
  green: 'green',
};

export const OPEN_STATUSES = ['reported', 'accepted', 'escalated', 'handled'] as const;

export const useMe = () => useSyncExternalStore(session.subscribe, session.snapshot);

/** A phone-sized screen (< 576 px): lists become cards, forms and details one column. */
export function useIsPhone() {
  const screens = Grid.useBreakpoint();
  return screens.sm === false;
}

/**
 * What a user reads when a request fails, as the shell words it (its `errors.<code>` messages): the
 * module's own wording first (`events.errors.<code>`), the refused fields named, the server's sentence
 * only for a code nobody translated, never a stack.
 */
export function useErrorText() {
  const t = useTranslate() as T;
  return useCallback(
    (err: unknown) => {
      if (!(err instanceof ApiError)) return t('errors.network');
      const own = t(`events.errors.${err.code}`, undefined, '');
      if (own) return own;
      if (err.code === 'validation_failed' && err.details.length > 0)
        return t('errors.validationFields', {
          fields: [...new Set(err.details.map((d) => d.field.replace(/^(body|querystring)\./, '')))].join(
            ', ',
          ),
        });
      const general = t(`errors.${err.code}`, undefined, '');
      if (general) return general;
      return err.statusCode >= 500 ? t('errors.internal_error') : err.message;
    },
    [t],
  );
}

export function UrgencyTag({ urgency }: { urgency: string }) {
  const t = useTranslate();
  return (
    <Tag color={URGENCY_COLOR[urgency]} data-testid="urgency-tag" data-urgency={urgency}>
      {t(`events.urgency.${urgency}`)}
    </Tag>
  );
}

export function StatusTag({ status }: { status: string }) {
  const t = useTranslate();
  const color =
    status === 'closed' || status === 'verified' ? 'default' : status === 'escalated' ? 'volcano' : 'blue';
  return (
    <Tag color={color} data-testid="status-tag" data-status={status}>
      {t(`events.status.${status}`)}
    </Tag>
  );
}

/** Re-renders every second: the countdowns tick. */
export function useNow(ms = 1000) {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const id = setInterval(() => setNow(Date.now()), ms);
    return () => clearInterval(id);
  }, [ms]);
  return now;
}

function span(t: T, ms: number) {
  const m = Math.floor(ms / 60_000);
  const d = Math.floor(m / 1440);
  const h = Math.floor((m % 1440) / 60);
  const s = Math.floor((ms % 60_000) / 1000);
  if (d > 0) return t('events.time.dh', { d, h });
  if (h > 0) return t('events.time.hm', { h, m: m % 60 });
  return t('events.time.ms', { m, s });
}

/** Time left to a deadline, live; red and "overdue by" once it has passed. */
export function Countdown({ due }: { due: string | null | undefined }) {
  const t = useTranslate() as T;
  const now = useNow();
  if (!due) return <span>—</span>;
  const left = new Date(due).getTime() - now;
  const overdue = left < 0;
  return (
    <span
      data-testid="countdown"
      data-overdue={overdue}
      style={{ color: overdue ? '#cf1322' : left < 30 * 60_000 ? '#d46b08' : undefined, fontWeight: 500 }}
    >
      {overdue
        ? t('events.time.overdue', { t: span(t, -left) })
        : t('events.time.left', { t: span(t, left) })}
    </span>
  );
}

interface OrgUnit {
  id: string;
  name: string;
  childCount: number;
  ancestorIds: string[];
}
interface Node {
  id: string;
  pId: string | null;
  value: string;
  title: string;
  isLeaf: boolean;
}
const node = (u: OrgUnit, parent: string | null): Node => ({
  id: u.id,
  pId: parent,
  value: u.id,
  title: u.name,
  isLeaf: u.childCount === 0,
});

/** The tops of the user's own tree: her granted units, minus those under another of them. */
export async function scopeRoots(): Promise<OrgUnit[]> {
  const me = await session.load();
  const ids = [...new Set(me.grants.map((g) => g.orgUnitId))];
  const units = (
    await Promise.all(ids.map((id) => api<OrgUnit>(`/org-units/${id}`).catch(() => null)))
  ).filter((u): u is OrgUnit => u != null);
  return units.filter((u) => !units.some((o) => o.id !== u.id && u.ancestorIds.includes(o.id)));
}

/**
 * An org unit from the user's own tree (children loaded as she expands it, typing searches the
 * server): the shell's picker, kept here because a module imports no app code.
 */
export function UnitPicker(props: {
  value?: string | string[];
  /** one id, or ids with `multiple` */
  onChange?: (v: string) => void;
  multiple?: boolean;
  id?: string;
  onRoots?: (roots: OrgUnit[]) => void;
}) {
  const t = useTranslate();
  const [nodes, setNodes] = useState<Node[]>([]);
  const [hits, setHits] = useState<Node[] | null>(null);
  const { onRoots } = props;
  useEffect(() => {
    void scopeRoots().then((roots) => {
      setNodes(roots.map((u) => node(u, null)));
      onRoots?.(roots);
    });
  }, [onRoots]);
  return (
    <TreeSelect
      id={props.id}
      data-testid="org-unit-picker"
      treeDataSimpleMode
      multiple={props.multiple}
      showSearch
      filterTreeNode={false}
      onSearch={async (q) =>
        setHits(
          q.trim()
            ? (await api<OrgUnit[]>('/org-units', { query: { q: q.trim(), _end: 50 } })).map((u) => ({
                ...node(u, null),
                isLeaf: true,
              }))
            : null,
        )
      }
      onSelect={(v: string) => {
        // A unit found by name stays known by its name once the search is cleared.
        const hit = hits?.find((h) => h.value === v);
        if (hit) setNodes((prev) => (prev.some((n) => n.id === hit.id) ? prev : [...prev, hit]));
        setHits(null);
      }}
      value={props.value as string | undefined}
      onChange={props.onChange}
      placeholder={t('events.pickUnit')}
      treeData={hits ?? nodes}
      loadData={async ({ id }) => {
        const kids = await api<OrgUnit[]>('/org-units', {
          query: { parentId: id as string, _end: 500, _sort: 'name' },
        });
        setNodes((prev) => [
          ...prev.filter((n) => !kids.some((k) => k.id === n.id)),
          ...kids.map((k) => node(k, id as string)),
        ]);
      }}
      style={{ width: '100%' }}
    />
  );
}

export const fmt = (iso: string | null | undefined, tag: string) =>
  iso ? new Date(iso).toLocaleString(tag) : '—';
