export * from './module-settings.ts';
export * from './modules.ts';
export * from './org-rules.ts';
export * from './org-unit.ts';
export * from './tenant.ts';
export const tenancyMigrations = { source: 'tenancy', dir: new URL('../migrations/', import.meta.url) };
export * from './transfer/index.ts';
