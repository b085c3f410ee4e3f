export * from './focus.ts';
export * from './id-card.ts';
export * from './initials.ts';
export * from './pii.ts';
export * from './residents.ts';
export const registryMigrations = { source: 'registry', dir: new URL('../migrations/', import.meta.url) };
export * from './import.ts';
export * from './xlsx/index.ts';
