import { type TenantScoped, type Tx, tenantScoped } from '@civicgrid/db';

export const auditMigrations = { source: 'audit', dir: new URL('../migrations/', import.meta.url) };

export interface AuditRow extends TenantScoped {
  at: Date;
  actorKind: 'user' | 'operator' | 'system';
  actorId: string | null;
  actorName: string | null;
  action: string;
  targetType: string;
  targetId: string | null;
  orgUnitId: string | null;
  diff: Record<string, [unknown, unknown]> | null;
  ip: string | null;
  userAgent: string | null;
  requestId: string | null;
}

export const AuditEntity = tenantScoped<AuditRow>('AuditRow', 'audit_log', {
  at: { type: 'Date' },
  actorKind: { type: 'string' },
  actorId: { type: 'uuid', nullable: true },
  actorName: { type: 'string', nullable: true },
  action: { type: 'string' },
  targetType: { type: 'string' },
  targetId: { type: 'string', nullable: true },
  orgUnitId: { type: 'uuid', nullable: true },
  diff: { type: 'json', nullable: true },
  ip: { type: 'string', nullable: true },
  userAgent: { type: 'string', nullable: true },
  requestId: { type: 'string', nullable: true },
});

/** Who did it and from where: filled once per request by the HTTP layer. */
export interface AuditActor {
  kind: AuditRow['actorKind'];
  id: string | null;
  name: string | null;
  ip: string | null;
  userAgent: string | null;
  requestId: string | null;
}

/** Fields that never enter the audit log, even as a diff. */
const SECRET_FIELDS = new Set(['password', 'passwordHash', 'password_hash', 'secretHash']);

/** `{ field: [before, after] }` for the fields that changed. */
export function diffOf(before: object | null, after: object | null): Record<string, [unknown, unknown]> {
  const b = (before ?? {}) as Record<string, unknown>;
  const a = (after ?? {}) as Record<string, unknown>;
  const out: Record<string, [unknown, unknown]> = {};
  for (const k of new Set([...Object.keys(b), ...Object.keys(a)])) {
    if (SECRET_FIELDS.has(k) || k === 'updatedAt') continue;
    if (JSON.stringify(b[k]) !== JSON.stringify(a[k])) out[k] = [b[k] ?? null, a[k] ?? null];
  }
  return out;
}

export interface AuditEntry {
  action: string;
  targetType: string;
  targetId?: string | null;
  orgUnitId?: string | null;
  before?: object | null;
  after?: object | null;
}

/** Writes one audit row in the caller's transaction: it commits or rolls back with the change itself. */
export async function recordAudit(tx: Tx, actor: AuditActor, e: AuditEntry): Promise<void> {
  const diff =
    e.before === undefined && e.after === undefined ? null : diffOf(e.before ?? null, e.after ?? null);
  await tx.query(
    `insert into audit_log (tenant_id, actor_kind, actor_id, actor_name, action, target_type, target_id, org_unit_id,
       diff, ip, user_agent, request_id) values (?, ?, ?, ?, ?, ?, ?, ?, ?::jsonb, ?, ?, ?)`,
    [
      tx.tenantId,
      actor.kind,
      actor.id,
      actor.name,
      e.action,
      e.targetType,
      e.targetId ?? null,
      e.orgUnitId ?? null,
      diff ? JSON.stringify(diff) : null,
      actor.ip,
      actor.userAgent,
      actor.requestId,
    ],
  );
}
