/** The roles every tenant starts with (seeded at tenant creation; editable afterwards). */
export interface DefaultRole {
  key: string;
  name: string;
  description: string;
  permissions: string[];
}

const READ = ['core.org-unit.read', 'core.user.read', 'core.role.read', 'core.grant.read'];
const ORG_EDIT = ['core.org-unit.create', 'core.org-unit.update', 'core.org-unit.move'];
const STAFF = ['core.user.create', 'core.user.update', 'core.grant.manage'];
const REGISTRY_READ = ['registry.resident.read', 'registry.place.read'];
const REGISTRY_WORK = [
  ...REGISTRY_READ,
  'registry.resident.manage',
  'registry.place.manage',
  'registry.visit.create',
];

export const DEFAULT_ROLES: DefaultRole[] = [
  {
    key: 'tenant-admin',
    name: '平台管理员',
    description: 'Tenant administrator: everything in the tenant',
    permissions: [
      ...READ,
      ...ORG_EDIT,
      'core.org-unit.delete',
      'core.org-unit.import',
      ...STAFF,
      'core.role.manage',
      'core.audit.read',
      'core.module.read',
      'core.module.manage',
      'core.job.read',
      'core.job.retry',
      'core.tenant.export',
      ...REGISTRY_WORK,
      'registry.pii.read',
      'registry.sensitive-group.read',
      'registry.focus-tag.manage',
      'registry.data.export',
    ],
  },
  {
    key: 'street-admin',
    name: '街道管理员',
    description: 'Street (town) administrator: the street and everything under it',
    permissions: [
      ...READ,
      ...ORG_EDIT,
      'core.org-unit.delete',
      ...STAFF,
      'core.audit.read',
      'core.module.read',
      'core.job.read',
      ...REGISTRY_WORK,
      'registry.pii.read',
      'registry.sensitive-group.read',
      'registry.data.export',
    ],
  },
  {
    key: 'community-secretary',
    name: '社区书记',
    description: 'Community party secretary / chief grid leader',
    permissions: [...READ, ...ORG_EDIT, ...STAFF, 'core.audit.read', ...REGISTRY_WORK, 'registry.pii.read'],
  },
  {
    key: 'grid-leader',
    name: '网格长',
    description: 'Grid leader: a community committee member leading grids',
    permissions: [...READ, 'core.org-unit.update', ...REGISTRY_WORK],
  },
  {
    key: 'grid-worker',
    name: '网格员',
    description: 'Grid worker',
    permissions: ['core.org-unit.read', 'core.user.read', ...REGISTRY_WORK],
  },
  {
    key: 'building-leader',
    name: '楼栋长',
    description: 'Building leader (resident volunteer)',
    permissions: ['core.org-unit.read', ...REGISTRY_READ],
  },
  {
    key: 'department-staff',
    name: '职能部门人员',
    description: 'Staff of a department that events are whistled to',
    permissions: ['core.org-unit.read'],
  },
  {
    key: 'inspector',
    name: '督查员（只读）',
    description: 'Read-only inspector',
    permissions: [...READ, 'core.audit.read', 'core.module.read', 'core.job.read', ...REGISTRY_READ],
  },
];
