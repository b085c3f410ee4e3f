import { type Locale, tokens } from '@civicgrid/admin-kit';
import { useState } from 'react';
import { i18n, onLocaleChange } from './i18n/instance.ts';
import Login from './pages/login.tsx';

/**
 * The first page a visitor loads, on its own: the login form and the auth call, without antd,
 * Refine, the router, the layout or any page (pnpm bench admin measures it).
 */
export function LoginApp() {
  const [, setLocale] = useState<Locale>(i18n.locale());
  onLocaleChange(setLocale);
  // Someone already logged in goes to the app, which checks the session itself.
  if (tokens.access()) {
    location.replace('/');
    return null;
  }
  return <Login />;
}
