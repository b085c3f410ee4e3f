import { createI18n, type Locale } from '@civicgrid/admin-kit';
import { catalogue } from './catalogue.ts';

let onChange: (l: Locale) => void = () => {};
/** The one listener told when the language changes (the mounted app re-renders with it). */
export const onLocaleChange = (fn: (l: Locale) => void) => {
  onChange = fn;
};

/** The shell's translations, shared by the full app and the stand-alone login page. */
export const i18n = createI18n(catalogue, (l) => onChange(l));
