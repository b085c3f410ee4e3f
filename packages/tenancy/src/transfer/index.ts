export * from './archive.ts';
export * from './export.ts';
export * from './import.ts';
export * from './jobs.ts';
export * from './plan.ts';
