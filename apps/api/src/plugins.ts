import type { PlatformJobs, ServerPlugin } from '@civicgrid/kernel';
import { bulletinPlugin } from '@civicgrid/plugin-bulletin/server';
import { eventsPlugin } from '@civicgrid/plugin-events/server';
import { landlordScoringPlugin } from '@civicgrid/plugin-landlord-scoring/server';
import { type Pii, registryJobs } from '@civicgrid/registry';

/** The modules this deployment installs: the one list the API reads (the worker keeps its twin). */
export const installedPlugins: ServerPlugin[] = [bulletinPlugin, eventsPlugin, landlordScoringPlugin];

/** The platform packages' job groups (on for every tenant), built with the process's personal-data keys. */
export const platformJobs = (pii: Pii | null): PlatformJobs[] => [registryJobs(pii)];
