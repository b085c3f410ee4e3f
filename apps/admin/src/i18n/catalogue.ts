import type { Locale, Messages } from '@civicgrid/admin-kit';
import { core } from './core.ts';
import { registry } from './registry.ts';

/** Every visible string of the shell, as `key: [zh-CN, en]` pairs so no key lacks a language. */
export type Pairs = Record<string, readonly [string, string]>;

const split = (pairs: Pairs): Record<Locale, Messages> => {
  const out: Record<Locale, Messages> = { 'zh-CN': {}, en: {} };
  for (const [k, [zh, en]] of Object.entries(pairs)) {
    out['zh-CN'][k] = zh;
    out.en[k] = en;
  }
  return out;
};

export const pairs: Pairs = { ...core, ...registry };
export const catalogue = split(pairs);
