import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance, FastifyReply } from 'fastify';

/** Where `pnpm --filter @civicgrid/admin build` writes the admin app. */
export const ADMIN_DIST = fileURLToPath(new URL('../../admin/dist/', import.meta.url));

/** Paths the admin must never answer: the API, its docs, probes and the queue board keep their own 404s. */
const RESERVED = ['/api', '/health', '/ready', '/platform/queues'];
const reserved = (path: string) => RESERVED.some((p) => path === p || path.startsWith(`${p}/`));

/**
 * Serves the built admin app at `/`: its hashed assets under /assets (cached for a year, pre-compressed)
 * and the page itself (never cached), and `index.html` for any other GET so the app's own routes (`/users`, `/m/bulletin/…`)
 * survive a reload. Nothing under /api, /health, /ready or /platform/queues is shadowed: an unknown API
 * path still gets the JSON `route_not_found`. Without a build the API runs alone and says so.
 */
export async function serveAdmin(app: FastifyInstance, dist = ADMIN_DIST): Promise<boolean> {
  if (!existsSync(join(dist, 'index.html'))) {
    app.log.warn(`no admin build at ${dist}: run pnpm --filter @civicgrid/admin build`);
    return false;
  }
  // Hashed assets, looked up per request (a rebuild while the API runs is served at once), cached a year.
  await app.register(fastifyStatic, {
    root: join(dist, 'assets'),
    prefix: '/assets/',
    // The build writes .br and .gz beside each asset; send those to browsers that accept them.
    preCompressed: true,
    immutable: true,
    maxAge: '365d',
  });
  const page = (reply: FastifyReply) =>
    reply
      .header('cache-control', 'no-cache')
      .sendFile('index.html', dist, { maxAge: 0, cacheControl: false });
  app.get('/', { schema: { hide: true } }, (_req, reply) => page(reply));
  app.get('/*', { schema: { hide: true } }, (req, reply) => {
    if (reserved(req.url.split('?')[0]!)) return reply.callNotFound();
    return page(reply);
  });
  return true;
}
