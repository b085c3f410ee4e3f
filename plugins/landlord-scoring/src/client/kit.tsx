import { apiRaw, may } from '@civicgrid/admin-kit';
import {
  OrgUnitPicker,
  saveBlob,
  useIsPhone,
  useMe,
  useErrorText as useSharedErrorText,
} from '@civicgrid/admin-ui';
import { useTranslate } from '@refinedev/core';
import { App, Button, Space, Tag } from 'antd';
import { useCallback, useState } from 'react';
import { PERMISSIONS } from '../common/index.ts';

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
  /** evidence photos on it */
  photos: number;
  /** the visit that found it (a tenant undeclared) */
  visitId: string | null;
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
  /** living there now: verified on visits (`declared`), self-declared of them, declared by the landlord */
  tenants: { declared: number; selfDeclared: number; current: number; landlordDeclared: number };
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

export { useIsPhone, useMe };

/** A title in the reader's language: rule items and categories carry both. */
export function useTitle() {
  const t = useTranslate() as T;
  const en = t('locale.tag').startsWith('en');
  return useCallback((o: { titleZh: string; titleEn: string }) => (en ? o.titleEn : o.titleZh), [en]);
}

/**
 * A failed request in words: the module's own wording first (`landlord-scoring.errors.<code>`), then
 * the shell's (admin-ui's errorText: `errors.<code>`, the refused fields named, never a stack).
 */
export function useErrorText() {
  const text = useSharedErrorText();
  return useCallback((err: unknown) => text(err, 'landlord-scoring.errors'), [text]);
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

/** An org unit of the user's own tree (the shared picker), cleared with the button beside it: a list filter. */
export function UnitPicker(props: {
  value?: string;
  onChange?: (v: string | undefined) => void;
  id?: string;
}) {
  const t = useTranslate();
  return (
    <Space.Compact style={{ width: '100%', minWidth: 220 }}>
      <OrgUnitPicker
        id={props.id}
        value={props.value}
        onChange={(v) => props.onChange?.(v)}
        placeholder={t('landlord-scoring.pickUnit')}
      />
      {props.value && (
        <Button onClick={() => props.onChange?.(undefined)} data-testid="ls-unit-clear">
          {t('landlord-scoring.all')}
        </Button>
      )}
    </Space.Compact>
  );
}

/**
 * "Export to Excel" for a list: the same filters the page shows (the server keeps to the user's scope
 * and writes the export to the audit log). Shown only to holders of `landlord-scoring.data.export`.
 */
export function ExportButton(props: {
  path: string;
  query: Record<string, string | number | boolean | undefined>;
  fileName: string;
  block?: boolean;
}) {
  const t = useTranslate();
  const me = useMe();
  const { message } = App.useApp();
  const errorText = useErrorText();
  const [busy, setBusy] = useState(false);
  if (!may(me, PERMISSIONS.dataExport)) return null;
  const run = async () => {
    setBusy(true);
    try {
      const res = await apiRaw(`${BASE}${props.path}`, { query: props.query });
      saveBlob(await res.blob(), props.fileName);
    } catch (err) {
      void message.error(errorText(err));
    } finally {
      setBusy(false);
    }
  };
  return (
    <Button onClick={run} loading={busy} block={props.block} data-testid="ls-export">
      {t('landlord-scoring.export')}
    </Button>
  );
}
