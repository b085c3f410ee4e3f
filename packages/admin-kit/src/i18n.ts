import type { I18nProvider } from '@refinedev/core';

export type Locale = 'zh-CN' | 'en';
export const LOCALES: Locale[] = ['zh-CN', 'en'];
export type Messages = Record<string, string>;

const KEY = 'civicgrid.locale';

/**
 * Every visible string goes through `translate(key)`: the shell's catalogue plus each client plugin's
 * messages under its id (`bulletin.notices.title`). zh-CN by default; the choice is kept per browser.
 * `{{name}}` placeholders are filled from the options. A missing key shows the default, else the key,
 * so a forgotten translation is visible rather than blank.
 */
export function createI18n(catalogue: Record<Locale, Messages>, onChange: (l: Locale) => void) {
  const stored = localStorage.getItem(KEY);
  let locale: Locale = stored === 'en' || stored === 'zh-CN' ? stored : 'zh-CN';
  const extra: Record<Locale, Messages> = { 'zh-CN': {}, en: {} };

  const t = (key: string, options?: unknown, defaultMessage?: string): string => {
    let text =
      extra[locale][key] ??
      catalogue[locale][key] ??
      defaultMessage ??
      (typeof options === 'string' ? options : key);
    if (options && typeof options === 'object')
      text = text.replace(/\{\{(\w+)\}\}/g, (_, n: string) =>
        String((options as Record<string, unknown>)[n] ?? ''),
      );
    return text;
  };

  const provider: I18nProvider = {
    translate: t,
    changeLocale: async (l: string) => {
      locale = l === 'en' ? 'en' : 'zh-CN';
      localStorage.setItem(KEY, locale);
      document.documentElement.lang = locale;
      onChange(locale);
    },
    getLocale: () => locale,
  };
  document.documentElement.lang = locale;

  return {
    provider,
    t,
    locale: () => locale,
    /** Merges a plugin's messages under its id. */
    addMessages(prefix: string, messages: Record<Locale, Messages>) {
      for (const l of LOCALES)
        for (const [k, v] of Object.entries(messages[l])) extra[l][`${prefix}.${k}`] = v;
    },
  };
}
