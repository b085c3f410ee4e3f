import type { ClientPlugin } from '@civicgrid/kernel';
import { bulletinClient } from '@civicgrid/plugin-bulletin/client';
import { eventsClient } from '@civicgrid/plugin-events/client';
import { landlordScoringClient } from '@civicgrid/plugin-landlord-scoring/client';
import type { ComponentType } from 'react';

/** The installed modules' client halves: the admin's one list of plugins (like apps/api's). */
export const clientPlugins: ClientPlugin<ComponentType>[] = [
  bulletinClient as ClientPlugin<ComponentType>,
  eventsClient as ClientPlugin<ComponentType>,
  landlordScoringClient as ClientPlugin<ComponentType>,
];
