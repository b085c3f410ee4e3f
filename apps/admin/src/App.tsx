import {
  accessControlProvider,
  authProvider,
  dataProvider,
  HOME,
  hideForbidden,
  type Locale,
  pluginResources,
  session,
  setSessionEndedHandler,
  visiblePlugins,
} from '@civicgrid/admin-kit';
import { Authenticated, CanAccess, Refine } from '@refinedev/core';
import routerProvider, { CatchAllNavigate } from '@refinedev/react-router';
import { App as AntdApp, ConfigProvider, Spin } from 'antd';
import enUS from 'antd/es/locale/en_US';
import zhCN from 'antd/es/locale/zh_CN';
import { type ComponentType, lazy, Suspense, useMemo, useState, useSyncExternalStore } from 'react';
import { BrowserRouter, Navigate, Outlet, Route, Routes } from 'react-router';
import { i18n, onLocaleChange } from './i18n/instance.ts';
import { ICONS } from './icons.tsx';
import { notificationProvider } from './notifications.tsx';
import { clientPlugins } from './plugins.ts';
import { coreResources } from './resources.tsx';
import { THEME } from './theme.ts';

for (const p of clientPlugins) i18n.addMessages(p.id, p.messages);

// A refused refresh ends the session wherever the user is.
setSessionEndedHandler(() => {
  session.clear();
  if (location.pathname !== '/login') location.assign('/login');
});

// Every page is its own chunk: the login page loads none of them, nor the layout.
const Shell = lazy(() => import('./layout/Shell.tsx'));
const Login = lazy(() => import('./pages/login.tsx'));
const pages = {
  dashboard: lazy(() => import('./pages/dashboard/index.tsx')),
  orgUnits: lazy(() => import('./pages/org-units.tsx')),
  users: lazy(() => import('./pages/users.tsx')),
  grants: lazy(() => import('./pages/grants.tsx')),
  roles: lazy(() => import('./pages/roles.tsx')),
  modules: lazy(() => import('./pages/modules.tsx')),
  jobRuns: lazy(() => import('./pages/job-runs.tsx')),
  audit: lazy(() => import('./pages/audit-log.tsx')),
  residents: lazy(() => import('./pages/registry/residents.tsx')),
  houses: lazy(() => import('./pages/registry/places.tsx').then((m) => ({ default: m.Houses }))),
  shops: lazy(() => import('./pages/registry/places.tsx').then((m) => ({ default: m.Shops }))),
  import: lazy(() => import('./pages/registry/import.tsx')),
  resident: lazy(() => import('./pages/registry/resident-detail.tsx')),
  residentForm: lazy(() => import('./pages/registry/resident-form.tsx')),
  houseForm: lazy(() => import('./pages/registry/place-form.tsx').then((m) => ({ default: m.HouseForm }))),
  shopForm: lazy(() => import('./pages/registry/place-form.tsx').then((m) => ({ default: m.ShopForm }))),
  tenants: lazy(() => import('./pages/platform/tenants.tsx')),
  tenantModules: lazy(() => import('./pages/platform/tenant-modules.tsx')),
  account: lazy(() => import('./pages/account.tsx')),
  notFound: lazy(() => import('./pages/not-found.tsx')),
  forbidden: lazy(() => import('./pages/not-found.tsx').then((m) => ({ default: m.Forbidden }))),
};
const pluginPages = new Map<string, ComponentType>();
for (const p of clientPlugins)
  for (const r of p.routes)
    pluginPages.set(r.path, lazy(r.load as () => Promise<{ default: ComponentType }>));

const loading = (
  <div style={{ padding: 48, textAlign: 'center' }}>
    <Spin />
  </div>
);
const page = (C: ComponentType) => (
  <Suspense fallback={loading}>
    <C />
  </Suspense>
);
/** A page behind its resource's list permission: typing the URL shows "no access", not a broken page. */
const guarded = (resource: string, C: ComponentType, action = 'list') => (
  <CanAccess resource={resource} action={action} fallback={page(pages.forbidden)}>
    {page(C)}
  </CanAccess>
);

/** Sends a logged-in visitor of /login to her home. */
function Home() {
  const me = useSyncExternalStore(session.subscribe, session.snapshot);
  return <Navigate to={me ? HOME[me.kind] : '/'} replace />;
}

export function App() {
  const [locale, setLocale] = useState<Locale>(i18n.locale());
  onLocaleChange(setLocale);
  const me = useSyncExternalStore(session.subscribe, session.snapshot);
  const resources = useMemo(
    () =>
      hideForbidden(
        [
          ...coreResources(i18n.t),
          ...pluginResources(clientPlugins, me, locale).map((r) => ({
            ...r,
            meta: { ...r.meta, icon: typeof r.meta?.icon === 'string' ? ICONS[r.meta.icon] : r.meta?.icon },
          })),
        ],
        me,
      ),
    [me, locale],
  );
  // Routes of a module exist only while the tenant has it and the user may use it.
  const moduleRoutes = visiblePlugins(clientPlugins, me).flatMap((p) => p.routes.map((r) => r.path));

  return (
    <BrowserRouter>
      <ConfigProvider locale={locale === 'en' ? enUS : zhCN} theme={THEME}>
        <AntdApp>
          <Refine
            routerProvider={routerProvider}
            dataProvider={dataProvider}
            authProvider={authProvider}
            accessControlProvider={accessControlProvider}
            i18nProvider={i18n.provider}
            notificationProvider={notificationProvider}
            resources={resources}
            options={{ syncWithLocation: false, disableTelemetry: true, warnWhenUnsavedChanges: false }}
          >
            <Routes>
              <Route
                element={
                  <Authenticated key="app" fallback={<CatchAllNavigate to="/login" />} loading={loading}>
                    <Suspense fallback={loading}>
                      <Shell>
                        <Outlet />
                      </Shell>
                    </Suspense>
                  </Authenticated>
                }
              >
                <Route
                  index
                  element={
                    me?.kind === 'operator' ? <Navigate to={HOME.operator} replace /> : page(pages.dashboard)
                  }
                />
                <Route path="/org-units" element={guarded('org-units', pages.orgUnits)} />
                <Route path="/users" element={guarded('users', pages.users)} />
                <Route path="/grants" element={guarded('grants', pages.grants)} />
                <Route path="/roles" element={guarded('roles', pages.roles)} />
                <Route path="/modules" element={guarded('modules', pages.modules)} />
                <Route path="/job-runs" element={guarded('job-runs', pages.jobRuns)} />
                <Route path="/audit-log" element={guarded('audit-log', pages.audit)} />
                <Route path="/registry/residents" element={guarded('residents', pages.residents)} />
                <Route path="/registry/houses" element={guarded('houses', pages.houses)} />
                <Route path="/registry/shops" element={guarded('shops', pages.shops)} />
                <Route path="/registry/import" element={guarded('residents-import', pages.import)} />
                <Route
                  path="/registry/residents/new"
                  element={guarded('residents', pages.residentForm, 'create')}
                />
                <Route path="/registry/residents/:id" element={guarded('residents', pages.resident)} />
                <Route
                  path="/registry/residents/:id/edit"
                  element={guarded('residents', pages.residentForm, 'edit')}
                />
                <Route path="/registry/houses/new" element={guarded('houses', pages.houseForm, 'create')} />
                <Route
                  path="/registry/houses/:id/edit"
                  element={guarded('houses', pages.houseForm, 'edit')}
                />
                <Route path="/registry/shops/new" element={guarded('shops', pages.shopForm, 'create')} />
                <Route path="/registry/shops/:id/edit" element={guarded('shops', pages.shopForm, 'edit')} />
                <Route path="/platform/tenants" element={guarded('platform/tenants', pages.tenants)} />
                <Route
                  path="/platform/tenants/:id/modules"
                  element={guarded('platform/tenants', pages.tenantModules)}
                />
                <Route path="/account" element={page(pages.account)} />
                {moduleRoutes.map((path) => (
                  <Route key={path} path={path} element={page(pluginPages.get(path)!)} />
                ))}
                <Route path="*" element={page(pages.notFound)} />
              </Route>
              <Route
                element={
                  <Authenticated key="login" fallback={<Outlet />} loading={loading}>
                    <Home />
                  </Authenticated>
                }
              >
                <Route path="/login" element={page(Login)} />
              </Route>
            </Routes>
          </Refine>
        </AntdApp>
      </ConfigProvider>
    </BrowserRouter>
  );
}
