import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  type ObjectStorage,
  objectStorage,
  type PlatformJobs,
  type PlatformService,
  type ServerPlugin,
} from '@civicgrid/kernel';
import { bulletinPlugin } from '@civicgrid/plugin-bulletin/server';
import { eventsPlugin } from '@civicgrid/plugin-events/server';
import { landlordScoringPlugin } from '@civicgrid/plugin-landlord-scoring/server';
import { type Pii, registryJobs, residentRegistryService } from '@civicgrid/registry';
import { localDiskStorage } from '@civicgrid/storage';
import { transferJobs } from '@civicgrid/tenancy';

/** The modules this deployment installs: the one list the API reads (the worker keeps its twin). */
export const installedPlugins: ServerPlugin[] = [bulletinPlugin, eventsPlugin, landlordScoringPlugin];

/**
 * The platform packages' job groups (on for every tenant), built with the process's personal-data keys,
 * its storage and the plugins it installs (a tenant transfer leaves their derived tables out).
 */
export const platformJobs = (
  pii: Pii | null,
  plugins: ServerPlugin[] = installedPlugins,
  services: PlatformService[] = platformServices(pii),
): PlatformJobs[] => [
  registryJobs(pii),
  transferJobs({
    storage: services.find((s) => s.ref.id === objectStorage.id)!.instance as ObjectStorage,
    keys: pii?.fingerprints() ?? null,
    skipTables: plugins.flatMap((p) => p.derivedTables ?? []),
  }),
];

/**
 * Where uploaded files live: `ATTACHMENTS_DIR`, else `attachments/` in the data folder (`DATA_DIR`,
 * default `.data/` at the repository root). Read when a host is built, so a test can point it elsewhere.
 */
export function attachmentsDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.ATTACHMENTS_DIR) return resolve(env.ATTACHMENTS_DIR);
  const data = env.DATA_DIR ?? fileURLToPath(new URL('../../../.data/', import.meta.url));
  return resolve(join(data, 'attachments'));
}

/**
 * The services the platform hands every plugin: object storage on the local disk, and registering a
 * person in the registry with the process's personal-data keys (`pii`; without them it answers 503).
 */
export const platformServices = (pii: Pii | null = null): PlatformService[] => [
  { ref: objectStorage, instance: localDiskStorage(attachmentsDir()) },
  residentRegistryService(pii),
];
