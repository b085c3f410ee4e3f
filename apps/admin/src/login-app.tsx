import { type Locale, tokens } from '@civicgrid/admin-kit';
import { ConfigProvider } from 'antd';
import enUS from 'antd/locale/en_US';
import zhCN from 'antd/locale/zh_CN';
import { useState } from 'react';
import { i18n, onLocaleChange } from './i18n/instance.ts';
import Login from './pages/login.tsx';
import { THEME } from './theme.ts';

/**
 * The first page a visitor loads, on its own: antd's form pieces and the auth call, without Refine,
 * the router, the layout or any page (pnpm bench admin measures it; the target is < 350 KB gzip).
 */
export function LoginApp() {
  const [locale, setLocale] = useState<Locale>(i18n.locale());
  onLocaleChange(setLocale);
  // Someone already logged in goes to the app, which checks the session itself.
  if (tokens.access()) {
    location.replace('/');
    return null;
  }
  return (
    <ConfigProvider locale={locale === 'en' ? enUS : zhCN} theme={THEME}>
      <Login />
    </ConfigProvider>
  );
}
