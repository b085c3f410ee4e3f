export * from './login.ts';
export * from './password.ts';
export * from './session.ts';
export * from './user.ts';
export const identityMigrations = { source: 'identity', dir: new URL('../migrations/', import.meta.url) };
export * from './users.ts';
