export {
  abilityOf,
  accessControlProvider,
  hideForbidden,
  may,
  type ResourcePermissions,
} from './access-control.ts';
export {
  API_BASE,
  ApiError,
  api,
  apiRaw,
  apiUrl,
  refreshSession,
  setSessionEndedHandler,
  tokens,
} from './api.ts';
export { authProvider, HOME, type LoginInput } from './auth-provider.ts';
export { dataProvider, toHttpError } from './data-provider.ts';
export { tenantToday } from './dates.ts';
export { createI18n, LOCALES, type Locale, type Messages } from './i18n.ts';
export { moduleResourceName, pluginResources, visiblePlugins } from './plugins.ts';
export { type Me, session } from './session.ts';
