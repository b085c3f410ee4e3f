import type { ServerPlugin } from '@civicgrid/kernel';
import { bulletinPlugin } from '@civicgrid/plugin-bulletin/server';

/** The modules this deployment installs: the one list the API reads (the worker keeps its twin). */
export const installedPlugins: ServerPlugin[] = [bulletinPlugin];
