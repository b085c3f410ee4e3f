import { OrgUnitPicker, useErrorText as useSharedErrorText } from '@civicgrid/admin-ui';
import { useTranslate } from '@refinedev/core';
import { Tag } from 'antd';
import { type ComponentProps, useCallback, useEffect, useState } from 'react';
import type { EventFields } from '../common/index.ts';

/** An event as the API answers it (a list adds the next deadline). */
export interface EventItem extends EventFields {
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

/**
 * What a user reads when a request fails: the module's own wording first (`events.errors.<code>`),
 * then the shell's (admin-ui's errorText).
 */
export function useErrorText() {
  const text = useSharedErrorText();
  return useCallback((err: unknown) => text(err, 'events.errors'), [text]);
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

/** An org unit from the user's own tree: the shell's picker with the module's wording. */
export const UnitPicker = (props: ComponentProps<typeof OrgUnitPicker>) => {
  const t = useTranslate();
  return <OrgUnitPicker placeholder={t('events.pickUnit')} {...props} />;
};

export const fmt = (iso: string | null | undefined, tag: string) =>
  iso ? new Date(iso).toLocaleString(tag) : '—';
