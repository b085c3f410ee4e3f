import { authProvider, LOCALES, type Locale } from '@civicgrid/admin-kit';
import { type FormEvent, useState } from 'react';
import { i18n } from '../i18n/instance.ts';
import { THEME } from '../theme.ts';

const RED = THEME.token.colorPrimary;

// Plain elements styled like antd's: the first page shares nothing with the shell but React, so no
// bundler heuristic can pull antd or Refine into it (pnpm bench admin; target < 350 KB gzip).
const CSS = `
.cg-login{min-height:100vh;display:grid;place-items:center;background:#f5f5f5;padding:16px;font-family:-apple-system,BlinkMacSystemFont,'Segoe UI',Roboto,'Noto Sans CJK SC','PingFang SC','Microsoft YaHei',sans-serif;color:rgba(0,0,0,.88);font-size:14px}
.cg-card{width:100%;max-width:400px;background:#fff;border-radius:8px;padding:24px;box-shadow:0 1px 2px rgba(0,0,0,.03),0 1px 6px -1px rgba(0,0,0,.02),0 2px 4px rgba(0,0,0,.02);box-sizing:border-box}
.cg-head{display:flex;justify-content:space-between;align-items:center;gap:8px}
.cg-head h1{font-size:24px;font-weight:600;margin:0}
.cg-sub{color:rgba(0,0,0,.45);margin:12px 0 20px}
.cg-field{margin-bottom:18px}
.cg-field label{display:block;margin-bottom:8px}
.cg-field input[type=text],.cg-field input[type=password],.cg-head select{width:100%;box-sizing:border-box;border:1px solid #d9d9d9;border-radius:6px;padding:6px 11px;font-size:14px;line-height:1.5715;outline:none;background:#fff}
.cg-head select{width:auto;padding:2px 6px}
.cg-field input:focus{border-color:${RED};box-shadow:0 0 0 2px rgba(196,29,29,.1)}
.cg-field.cg-bad input{border-color:#ff4d4f}
.cg-err{color:#ff4d4f;font-size:13px;margin-top:4px}
.cg-check{display:flex;align-items:center;gap:8px;margin-bottom:20px;cursor:pointer}
.cg-alert{background:#fff2f0;border:1px solid #ffccc7;border-radius:8px;padding:8px 12px;margin-bottom:16px}
.cg-btn{width:100%;height:40px;border:0;border-radius:6px;background:${RED};color:#fff;font-size:16px;cursor:pointer}
.cg-btn:disabled{opacity:.65;cursor:default}
`;

type Field = 'tenant' | 'username' | 'password';

/**
 * Tenant code + account + password; platform operators tick the box and give no tenant. It needs no
 * Refine and no router (it is also the stand-alone first page, see login-app.tsx): on success the
 * browser loads the app at the page that asked for a login, else at the principal's home.
 */
export default function Login() {
  const [locale, setLocale] = useState<Locale>(i18n.locale());
  const t = i18n.t;
  const [operator, setOperator] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [missing, setMissing] = useState<Field[]>([]);

  const submit = async (e: FormEvent<HTMLFormElement>) => {
    e.preventDefault();
    const data = new FormData(e.currentTarget);
    const value = (f: Field) => String(data.get(f) ?? '').trim();
    const need: Field[] = operator ? ['username', 'password'] : ['tenant', 'username', 'password'];
    const empty = need.filter((f) => !value(f));
    setMissing(empty);
    if (empty.length) return;
    setBusy(true);
    setError(null);
    const r = await authProvider.login({
      tenant: operator ? undefined : value('tenant'),
      username: value('username'),
      password: String(data.get('password') ?? ''),
    });
    if (r.success) {
      // Same-origin paths only: `to` comes from the address bar.
      const to = new URLSearchParams(location.search).get('to');
      location.assign(
        to?.startsWith('/') && !to.startsWith('//') && to !== '/login' ? to : (r.redirectTo ?? '/'),
      );
    } else {
      setError(r.error?.message ?? t('login.failed'));
      setBusy(false);
    }
  };

  const field = (name: Field, type: 'text' | 'password', autoComplete: string, placeholder?: string) => (
    <div className={`cg-field${missing.includes(name) ? ' cg-bad' : ''}`}>
      <label htmlFor={name}>{t(`login.${name}`)}</label>
      <input id={name} name={name} type={type} autoComplete={autoComplete} placeholder={placeholder} />
      {missing.includes(name) && <div className="cg-err">{t(`login.${name}Required`)}</div>}
    </div>
  );

  return (
    <div className="cg-login">
      <style>{CSS}</style>
      <div className="cg-card">
        <div className="cg-head">
          <h1>{t('app.title')}</h1>
          <select
            data-testid="locale-switch"
            aria-label="language"
            value={locale}
            onChange={async (e) => {
              const l = e.target.value as Locale;
              await i18n.provider.changeLocale(l);
              setLocale(l);
            }}
          >
            {LOCALES.map((l) => (
              <option key={l} value={l}>
                {t(`locale.${l}`)}
              </option>
            ))}
          </select>
        </div>
        <p className="cg-sub">{t('login.subtitle')}</p>
        {error && (
          <div className="cg-alert" role="alert" data-testid="login-error">
            {error}
          </div>
        )}
        <form onSubmit={submit} noValidate>
          {!operator && field('tenant', 'text', 'organization', 'yiwu')}
          {field('username', 'text', 'username')}
          {field('password', 'password', 'current-password')}
          <label className="cg-check">
            <input
              type="checkbox"
              checked={operator}
              onChange={(e) => setOperator(e.target.checked)}
              data-testid="operator-login"
            />
            {t('login.operator')}
          </label>
          <button type="submit" className="cg-btn" disabled={busy} data-testid="login-submit">
            {t('login.submit')}
          </button>
        </form>
      </div>
    </div>
  );
}
