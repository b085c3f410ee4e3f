import type { NamedCondition, PermissionDef } from '@civicgrid/kernel';

export type { NamedCondition, PermissionDef };

const KEY = /^[a-z][a-z0-9-]*\.[a-z][a-z0-9-]*\.[a-z][a-z0-9-]*$/;

/**
 * `core.user.read` → subject `core.user`, action `read` (the CASL pair); a role's entry may carry a
 * named condition: `bulletin.notice.delete?own` → the same pair and `condition: 'own'`.
 */
export function splitPermission(key: string): { subject: string; action: string; condition?: string } {
  const q = key.indexOf('?');
  const base = q < 0 ? key : key.slice(0, q);
  const i = base.lastIndexOf('.');
  const split = { subject: base.slice(0, i), action: base.slice(i + 1) };
  return q < 0 ? split : { ...split, condition: key.slice(q + 1) };
}

/** Finds the named condition `name` declared for `subject`'s permissions. */
export type ConditionLookup = (subject: string, name: string) => NamedCondition | undefined;

/** Every permission the running system knows; plugins add theirs at startup. */
export class PermissionCatalog {
  readonly #defs = new Map<string, PermissionDef>();
  readonly #conditions = new Map<string, NamedCondition>(); // `<subject>?<name>`

  register(defs: PermissionDef[], group: string): void {
    for (const d of defs) {
      if (!KEY.test(d.key)) throw new Error(`permission key ${d.key} is not <area>.<subject>.<action>`);
      if (this.#defs.has(d.key)) throw new Error(`permission ${d.key} is declared twice`);
      this.#defs.set(d.key, { ...d, group });
    }
  }

  registerConditions(conditions: NamedCondition[]): void {
    for (const c of conditions)
      for (const subject of c.subjects) this.#conditions.set(`${subject}?${c.name}`, c);
  }

  /** A permission, or a permission with a named condition declared for its subject. */
  has(key: string): boolean {
    const { subject, action, condition } = splitPermission(key);
    if (!this.#defs.has(`${subject}.${action}`)) return false;
    return condition === undefined || this.#conditions.has(`${subject}?${condition}`);
  }

  readonly condition: ConditionLookup = (subject, name) => this.#conditions.get(`${subject}?${name}`);

  list(): PermissionDef[] {
    return [...this.#defs.values()];
  }

  /** The conditions a permission may carry (for the roles matrix). */
  conditionsOf(key: string): NamedCondition[] {
    const { subject } = splitPermission(key);
    return [...this.#conditions.entries()].filter(([k]) => k.startsWith(`${subject}?`)).map(([, c]) => c);
  }
}

const p = (key: string, zh: string, en: string): PermissionDef => ({ key, title: { 'zh-CN': zh, en } });

export const CORE_PERMISSIONS: PermissionDef[] = [
  p('core.org-unit.read', '查看组织架构', 'View org units'),
  p('core.org-unit.create', '新建组织单元', 'Create org units'),
  p('core.org-unit.update', '编辑组织单元', 'Edit org units'),
  p('core.org-unit.delete', '删除组织单元', 'Delete org units'),
  p('core.org-unit.move', '调整网格划分', 'Re-zone (move) org units'),
  p('core.org-unit.import', '导入行政区划', 'Import division codes'),
  p('core.user.read', '查看用户', 'View users'),
  p('core.user.create', '新建用户', 'Create users'),
  p('core.user.update', '编辑、停用用户及重置密码', 'Edit, disable users and reset passwords'),
  p('core.role.read', '查看角色', 'View roles'),
  p('core.role.manage', '管理角色', 'Manage roles'),
  p('core.grant.read', '查看授权', 'View grants'),
  p('core.grant.manage', '授予与收回角色', 'Grant and revoke roles'),
  p('core.audit.read', '查看审计日志', 'View the audit log'),
  p('core.module.read', '查看功能模块', 'View modules'),
  p('core.module.manage', '启用、停用和设置功能模块', 'Enable, disable and configure modules'),
  p('core.job.read', '查看任务运行', 'View job runs'),
  p('core.job.retry', '重试失败的任务', 'Retry failed job runs'),
  p('core.tenant.export', '导出本租户全部数据（留痕）', "Export all of the tenant's data (audited)"),
];

/** The people-and-places registry: a platform package, always on, with its own area. */
export const REGISTRY_PERMISSIONS: PermissionDef[] = [
  p('registry.resident.read', '查看居民', 'View residents'),
  p('registry.resident.manage', '登记、编辑居民及迁入迁出', 'Register and edit residents, move in and out'),
  p('registry.place.read', '查看房屋与商铺', 'View houses and shops'),
  p('registry.place.manage', '登记、编辑房屋与商铺', 'Register and edit houses and shops'),
  p('registry.pii.read', '查看完整身份证号与手机号（留痕）', 'See full ID numbers and phones (audited)'),
  p('registry.sensitive-group.read', '查看敏感重点人群（刑满释放、社区矫正）', 'See sensitive focus groups'),
  p('registry.focus-tag.manage', '管理重点人群标签', 'Manage focus-group tags'),
  p('registry.visit.create', '记录走访', 'Record visits'),
  p('registry.data.export', '导出登记数据（留痕）', 'Export registry lists (audited)'),
];
