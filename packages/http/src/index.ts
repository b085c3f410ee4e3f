export { type AppOptions, buildApp } from './app.ts';
export {
  inUserContext,
  type RouteAccess,
  sendList,
  type TokenClaims,
  type UserContext,
} from './context.ts';
export { userContextOf } from './plugins.ts';
export { PersonFields } from './routes/registry/residents.ts';
export { errorResponses, IdParams, listQuery, Name, pageOf, Uuid } from './schemas.ts';
export type { DivisionImporter } from './services/division.ts';
export { type ModuleRuntime, switchModule } from './services/modules.ts';
export { provisionTenant, type TenantProvisioning } from './services/provision.ts';
export { type SignedContext, signBody, signedContextOf } from './signed.ts';
export {
  acceptFileBodies,
  fileHeaders,
  fileRefused,
  PHOTO_TYPES,
  storeUpload,
  UPLOAD_KINDS,
  type UploadKind,
  type UploadLimits,
  uploadFileName,
} from './uploads.ts';
