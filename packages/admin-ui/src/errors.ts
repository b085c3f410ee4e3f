import { ApiError } from '@civicgrid/admin-kit';
import { useTranslate } from '@refinedev/core';
import { useCallback } from 'react';

type T = (key: string, options?: unknown, defaultMessage?: string) => string;

/**
 * What a user reads when a request fails: the API's stable `code` translated (`errors.<code>`, from the
 * shell's catalogue, with a page's or module's own wording first when it passes `context`, e.g.
 * `roles.errors`, `events.errors`), the fields of a refused input
 * named, and never a stack or a raw English sentence when a translation exists. An unknown code falls
 * back to the server's message (a sentence written for people); a network failure says so.
 */
export function errorText(t: T, err: unknown, context?: string): string {
  if (!(err instanceof ApiError)) return t('errors.network');
  const own = context ? t(`${context}.${err.code}`, undefined, '') : '';
  if (own) return own;
  const general = t(`errors.${err.code}`, undefined, '');
  if (err.code === 'validation_failed' && err.details.length > 0)
    return t('errors.validationFields', {
      fields: [...new Set(err.details.map((d) => d.field.replace(/^(body|querystring)\./, '')))].join(', '),
    });
  if (general) return general;
  return err.statusCode >= 500 ? t('errors.internal_error') : err.message;
}

/** `errorText` bound to the current language. */
export function useErrorText() {
  const t = useTranslate();
  return useCallback((err: unknown, context?: string) => errorText(t as T, err, context), [t]);
}
