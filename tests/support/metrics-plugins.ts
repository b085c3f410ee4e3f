import { userContextOf } from '@civicgrid/http';
import { defineServerPlugin } from '@civicgrid/kernel';

/**
 * A plugin for the observability tests, with no tables: a route that queues one of its jobs (so a
 * request's id can be followed into the worker's log), a job that logs and one that always fails.
 */
export const obsPlugin = defineServerPlugin({
  id: 'jt-obs',
  version: '0.0.1',
  title: { 'zh-CN': '观测测试', en: 'Observability test' },
  jobs: [
    {
      name: 'echo',
      attempts: 1,
      async process(ctx) {
        ctx.log.info({ echoed: true }, 'echo ran');
      },
    },
    {
      name: 'fail',
      attempts: 1,
      async process() {
        throw new Error('this job always fails');
      },
    },
  ],
  routes(app, deps) {
    app.post(
      '/run',
      {
        config: { access: { kind: 'authenticated' } },
        schema: {
          body: {
            type: 'object',
            properties: { job: { type: 'string', enum: ['echo', 'fail'] } },
            required: ['job'],
            additionalProperties: false,
          },
        },
      },
      async (req, reply) => {
        const { job } = req.body as { job: string };
        const jobId = await deps.jobs.enqueue('jt-obs', job, { tenantId: userContextOf(req).user.tenantId });
        reply.code(202);
        return { jobId };
      },
    );
  },
});
