import type { ClientPlugin } from '@civicgrid/kernel';
import { PERMISSIONS } from '../common/index.ts';
import { messages } from './messages.ts';

const l = (zh: string, en: string) => ({ 'zh-CN': zh, en });

/**
 * The landlord and shop 12-point systems in the admin app: the files with their score timeline, the
 * record form (phone-first), the appeals queue for reviewers and the monthly results with their flag
 * lists and per-unit counts. Each page loads on demand (the module is its own chunk).
 */
export const landlordScoringClient: ClientPlugin = {
  id: 'landlord-scoring',
  menu: { group: l('十二分制', '12-point scoring'), icon: 'houses', order: 30 },
  resources: [
    {
      name: 'subjects',
      label: l('房东商铺档案', 'Landlord and shop files'),
      permission: PERMISSIONS.subjectRead,
    },
    { name: 'record', label: l('记录扣分加分', 'Record points'), permission: PERMISSIONS.recordCreate },
    { name: 'appeals', label: l('申诉复核', 'Appeals'), permission: PERMISSIONS.appealReview },
    { name: 'rules', label: l('扣分规则', 'Rule catalogue'), permission: PERMISSIONS.ruleRead },
    { name: 'results', label: l('月度考评', 'Monthly results'), permission: PERMISSIONS.assessmentRead },
  ],
  routes: [
    { path: '/m/landlord-scoring/subjects', load: () => import('./subjects.tsx') },
    { path: '/m/landlord-scoring/subjects/:id', load: () => import('./file.tsx') },
    { path: '/m/landlord-scoring/subjects/:id/tenants', load: () => import('./tenants.tsx') },
    { path: '/m/landlord-scoring/record', load: () => import('./record.tsx') },
    { path: '/m/landlord-scoring/appeals', load: () => import('./appeals.tsx') },
    { path: '/m/landlord-scoring/results', load: () => import('./results.tsx') },
    { path: '/m/landlord-scoring/rules', load: () => import('./rules.tsx') },
  ],
  widgets: [
    {
      key: 'appeals',
      title: l('房东商铺十二分制', 'Landlord and shop scoring'),
      permission: PERMISSIONS.appealReview,
      load: () => import('./widget.tsx'),
    },
  ],
  messages,
};
