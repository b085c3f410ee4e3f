import type { ClientPlugin } from '@civicgrid/kernel';
import { PERMISSIONS } from '../common/index.ts';
import { messages } from './messages.ts';

const l = (zh: string, en: string) => ({ 'zh-CN': zh, en });

/**
 * The events module's half in the admin app: the grid worker's inbox, the event detail with its
 * action dialogs, the intake form (phone-first), the three-rates dashboard, the supervision board and
 * department staff's called-in list; each page loads on demand (the module is its own chunk). Shown
 * only while the tenant has the module on and the user holds one of the permissions named here.
 */
export const eventsClient: ClientPlugin = {
  id: 'events',
  menu: { group: l('网格事件', 'Grid events'), icon: 'events', order: 20 },
  resources: [
    { name: 'tasks', label: l('我的待办', 'My tasks'), permission: PERMISSIONS.read },
    { name: 'new', label: l('事件上报', 'Report an event'), permission: PERMISSIONS.create },
    { name: 'called-in', label: l('部门报到', 'Called in'), permission: PERMISSIONS.reportIn },
    { name: 'supervision', label: l('督办看板', 'Supervision board'), permission: PERMISSIONS.read },
    { name: 'rates', label: l('三率统计', 'Three rates'), permission: PERMISSIONS.metrics },
  ],
  routes: [
    { path: '/m/events/tasks', load: () => import('./inbox.tsx') },
    { path: '/m/events/new', load: () => import('./intake.tsx') },
    { path: '/m/events/called-in', load: () => import('./called-in.tsx') },
    { path: '/m/events/events/:id', load: () => import('./detail.tsx') },
    { path: '/m/events/supervision', load: () => import('./supervision.tsx') },
    { path: '/m/events/rates', load: () => import('./rates.tsx') },
  ],
  widgets: [
    {
      key: 'open',
      title: l('网格事件', 'Grid events'),
      permission: PERMISSIONS.read,
      load: () => import('./widget.tsx'),
    },
  ],
  messages,
};
