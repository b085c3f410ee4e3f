export { type AppOptions, buildApp } from './app.ts';
export type { RouteAccess, TokenClaims } from './context.ts';
export type { DivisionImporter } from './services/division.ts';
export { provisionTenant, type TenantProvisioning } from './services/provision.ts';
