import type { Access } from '@civicgrid/authz';
import { countCapped, type Tx } from '@civicgrid/db';
import { notFound } from '@civicgrid/kernel';
import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import { inUserContext, requireJobs, sendList } from '../context.ts';
import { errorResponses, IdParams, listQuery, Nullable, pageOf } from '../schemas.ts';

const JobRunView = Type.Object({
  id: Type.String(),
  plugin: Type.String(),
  job: Type.String(),
  period: Nullable(Type.String()),
  state: Type.String(),
  progress: Type.Integer(),
  attempts: Type.Integer(),
  maxAttempts: Type.Integer(),
  error: Nullable(Type.String()),
  createdAt: Type.String(),
  startedAt: Nullable(Type.String()),
  finishedAt: Nullable(Type.String()),
  updatedAt: Type.String(),
});

const STATES = ['queued', 'running', 'completed', 'failed', 'skipped'] as const;
const SORT = {
  createdAt: 'created_at',
  startedAt: 'started_at',
  finishedAt: 'finished_at',
  updatedAt: 'updated_at',
  state: 'state',
  plugin: 'plugin',
  job: 'job',
} as const;

const COLUMNS = `id, plugin, job, period, state, progress, attempts, max_attempts as "maxAttempts", error,
  created_at as "createdAt", started_at as "startedAt", finished_at as "finishedAt", updated_at as "updatedAt"`;

type Row = Record<string, unknown> &
  Record<'createdAt' | 'startedAt' | 'finishedAt' | 'updatedAt', Date | null>;
const iso = (d: Date | string | null) => (d == null ? null : new Date(d).toISOString());
const view = (r: Row) => ({
  ...r,
  createdAt: iso(r.createdAt),
  startedAt: iso(r.startedAt),
  finishedAt: iso(r.finishedAt),
  updatedAt: iso(r.updatedAt),
});

/**
 * Whose runs the caller may see: the core's with `core.job.read` (the routes require it), a plugin's
 * only if she also holds at least one permission of that plugin — a run's plugin and job name, its
 * period and error are that module's business.
 */
function visiblePlugins(access: Access): string[] {
  const areas = new Set(access.permissions().map((k) => k.slice(0, k.indexOf('.'))));
  areas.add('core');
  return [...areas];
}

async function visibleRun(tx: Tx, access: Access, id: string): Promise<Row> {
  const [row] = await tx.query<Row>(
    `select ${COLUMNS} from job_run where tenant_id = ? and id = ? and plugin = any(?::text[])`,
    [tx.tenantId, id, visiblePlugins(access)],
  );
  if (!row) throw notFound('job run');
  return row;
}

/** The job centre: the tenant's job runs, read-only, and a retry for a failed one. */
export async function jobRunRoutes(app: FastifyInstance) {
  const { db } = app.deps;

  app.get(
    '/job-runs',
    {
      config: { access: { kind: 'permission', permission: 'core.job.read' } },
      schema: {
        tags: ['jobs'],
        querystring: listQuery(Object.keys(SORT), {
          plugin: Type.Optional(Type.String({ pattern: '^[a-z][a-z0-9-]{1,39}$' })),
          job: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
          state: Type.Optional(Type.Union(STATES.map((s) => Type.Literal(s)))),
        }),
        response: { 200: Type.Array(JobRunView), ...errorResponses },
      },
    },
    async (req, reply) => {
      const q = req.query as Record<string, string | undefined>;
      const page = pageOf(req.query as never, 'createdAt' as keyof typeof SORT);
      // Newest first unless asked otherwise: the job centre opens on what just happened.
      const order = q._order ? page.order : 'desc';
      const r = await inUserContext(db, req, 'core.job.read', async ({ tx, access }) => {
        const where = ['tenant_id = ?', 'plugin = any(?::text[])'];
        const params: unknown[] = [tx.tenantId, visiblePlugins(access)];
        for (const k of ['plugin', 'job', 'state'] as const) {
          if (q[k]) {
            where.push(`${k} = ?`);
            params.push(q[k]);
          }
        }
        const w = where.join(' and ');
        const rows = await tx.query<Row>(
          `select ${COLUMNS} from job_run where ${w}
           order by ${SORT[page.sort]} ${order} nulls last, id limit ? offset ?`,
          [...params, page.end - page.start, page.start],
        );
        return { rows: rows.map(view), ...(await countCapped(tx, `job_run where ${w}`, params)) };
      });
      return sendList(reply, r);
    },
  );

  app.get(
    '/job-runs/:id',
    {
      config: { access: { kind: 'permission', permission: 'core.job.read' } },
      schema: { tags: ['jobs'], params: IdParams, response: { 200: JobRunView, ...errorResponses } },
    },
    async (req) => {
      const { id } = req.params as { id: string };
      return inUserContext(db, req, 'core.job.read', async ({ tx, access }) =>
        view(await visibleRun(tx, access, id)),
      );
    },
  );

  app.post(
    '/job-runs/:id/retry',
    {
      config: { access: { kind: 'permission', permission: 'core.job.retry' } },
      schema: {
        tags: ['jobs'],
        params: IdParams,
        response: { 200: JobRunView, 503: errorResponses[409], ...errorResponses },
      },
    },
    async (req) => {
      const { id } = req.params as { id: string };
      return inUserContext(db, req, 'core.job.retry', async ({ tx, access, audit }) => {
        const before = await visibleRun(tx, access, id);
        await requireJobs(app.deps.jobs).retry(tx, id);
        const after = await visibleRun(tx, access, id);
        await audit({
          action: 'job-run.retry',
          targetType: 'job-run',
          targetId: id,
          before: { state: before.state, error: before.error },
          after: { state: after.state },
        });
        return view(after);
      });
    },
  );
}
