export type { ClientPlugin, ClientResource, ClientRoute, DashboardWidget } from './client.ts';
export { AppError, badInput, conflict, type FieldIssue, forbidden, notFound } from './errors.ts';
export { fieldIssues, type SchemaError } from './field-issues.ts';
export { type PlatformService, PluginHost, PluginSetupError } from './host.ts';
export { maskId, maskPhone } from './mask.ts';
export * from './plugin.ts';
export { type ObjectStorage, ObjectTooLargeError, objectStorage, type StoredObject } from './storage.ts';
