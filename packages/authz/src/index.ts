export * from './access.ts';
export * from './catalog.ts';
export * from './default-roles.ts';
export * from './entities.ts';
export const authzMigrations = { source: 'authz', dir: new URL('../migrations/', import.meta.url) };
export * from './roles.ts';
