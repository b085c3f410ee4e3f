import { ApiError, api, session } from '@civicgrid/admin-kit';
import { useTranslate } from '@refinedev/core';
import { Grid, Tag, TreeSelect } from 'antd';
import { useCallback, useEffect, useState, useSyncExternalStore } from 'react';

export const BASE = '/m/landlord-scoring';

/** A subject in the list, as the API answers it. */
export interface Subject {
  id: string;
  kind: 'landlord' | 'shop';
  name: string;
  orgUnitId: string;
  registeredOn: string;
  score: number;
  /** the latest assessment's flag */
  flag?: string | null;
}

export interface FileRecord {
  id: string;
  itemCode: string;
  itemTitleZh: string;
  itemTitleEn: string;
  effect: 'deduction' | 'bonus';
  points: number;
  occurredOn: string;
  note: string | null;
  witness: string | null;
  voided: boolean;
  voidReason: string | null;
  appealState: string | null;
}

/** A subject's file (一户一档 / 一铺一档). */
export interface SubjectFile {
  id: string;
  kind: 'landlord' | 'shop';
  name: string;
  orgUnitId: string;
  registeredOn: string;
  year: number;
  base: number;
  yellowFlagAt: number;
  deductions: number;
  bonuses: number;
  score: number;
  flags: { period: string; flag: string | null; improvementClass: boolean; referral: boolean } | null;
  records: FileRecord[];
  assessments: Array<{ period: string; score: number; flag: string | null }>;
  classes: Array<{ classMonth: string; period: string; attendedOn: string | null }>;
  houses: Array<{ houseId: string; address: string; since: string; until: string | null }>;
  tenants: { declared: number; selfDeclared: number; current: number };
  history: Array<{ year: number; deductions: number; bonuses: number; score: number }>;
}

export interface Item {
  id: string;
  code: string;
  titleZh: string;
  titleEn: string;
  effect: 'deduction' | 'bonus';
  points: number;
  monthlyCap: number | null;
}
export interface Catalogue {
  id: string;
  kind: string;
  effectiveFrom: string;
  categories: Array<{ code: string; titleZh: string; titleEn: string; items: Item[] }>;
}

type T = (key: string, options?: unknown, defaultMessage?: string) => string;

export const useMe = () => useSyncExternalStore(session.subscribe, session.snapshot);

/** A phone-sized screen (< 576 px): lists become cards, forms and details one column. */
export function useIsPhone() {
  return Grid.useBreakpoint().sm === false;
}

/** A title in the reader's language: rule items and categories carry both. */
export function useTitle() {
  const t = useTranslate() as T;
  const en = t('locale.tag').startsWith('en');
  return useCallback((o: { titleZh: string; titleEn: string }) => (en ? o.titleEn : o.titleZh), [en]);
}

/**
 * A failed request in words: the module's own wording first (`landlord-scoring.errors.<code>`), then
 * the shell's `errors.<code>`, the refused fields named, never a stack.
 */
export function useErrorText() {
  const t = useTranslate() as T;
  return useCallback(
    (err: unknown) => {
      if (!(err instanceof ApiError)) return t('errors.network');
      const own = t(`landlord-scoring.errors.${err.code}`, undefined, '');
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

/** The score, coloured as the thresholds read it (at or below the yellow flag's, by default 6: gold). */
export function ScoreTag({ score, yellowAt = 6 }: { score: number; yellowAt?: number }) {
  const color = score <= 0 ? 'red' : score <= yellowAt ? 'gold' : 'green';
  return (
    <Tag color={color} data-testid="score-tag" data-score={score}>
      {score}
    </Tag>
  );
}

export function FlagTag({ flag }: { flag: string | null | undefined }) {
  const t = useTranslate();
  if (!flag) return null;
  return (
    <Tag color={flag === 'red' ? 'red' : 'gold'} data-testid="flag-tag" data-flag={flag}>
      {t(`landlord-scoring.flag.${flag}`)}
    </Tag>
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
async function scopeRoots(): Promise<OrgUnit[]> {
  const me = await session.load();
  const ids = [...new Set(me.grants.map((g) => g.orgUnitId))];
  const units = (
    await Promise.all(ids.map((id) => api<OrgUnit>(`/org-units/${id}`).catch(() => null)))
  ).filter((u): u is OrgUnit => u != null);
  return units.filter((u) => !units.some((o) => o.id !== u.id && u.ancestorIds.includes(o.id)));
}

/** An org unit from the user's own tree, children loaded as she expands it (a module imports no app code). */
export function UnitPicker(props: {
  value?: string;
  onChange?: (v: string | undefined) => void;
  id?: string;
}) {
  const t = useTranslate();
  const [nodes, setNodes] = useState<Node[]>([]);
  useEffect(() => {
    void scopeRoots().then((roots) => setNodes(roots.map((u) => node(u, null))));
  }, []);
  return (
    <TreeSelect
      id={props.id}
      data-testid="org-unit-picker"
      treeDataSimpleMode
      allowClear
      value={props.value}
      onChange={props.onChange}
      placeholder={t('landlord-scoring.pickUnit')}
      treeData={nodes}
      loadData={async ({ id }) => {
        const kids = await api<OrgUnit[]>('/org-units', {
          query: { parentId: id as string, _end: 500, _sort: 'name' },
        });
        setNodes((prev) => [
          ...prev.filter((n) => !kids.some((k) => k.id === n.id)),
          ...kids.map((k) => node(k, id as string)),
        ]);
      }}
      style={{ width: '100%', minWidth: 200 }}
    />
  );
}
