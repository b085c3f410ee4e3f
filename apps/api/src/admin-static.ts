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
 * Serves the built admin app at `/`: its files as they are (hashed assets cached for a year, the page
 * itself never), and `index.html` for any other GET so the app's own routes (`/users`, `/m/bulletin/…`)
 * survive a reload. Nothing under /api, /health, /ready or /platform/queues is shadowed: an unknown API
 * path still gets the JSON `route_not_found`. Without a build the API runs alone and says so.
 */
export async function serveAdmin(app: FastifyInstance, dist = ADMIN_DIST): Promise<boolean> {
  if (!existsSync(join(dist, 'index.html'))) {
    app.log.warn(`no admin build at ${dist}: run pnpm --filter @civicgrid/admin build`);
    return false;
  }
  await app.register(fastifyStatic, {
    root: dist,
    prefix: '/',
    // One route per file found now (the build is made before start), so no catch-all from this plugin.
    wildcard: false,
    index: false,
    setHeaders: (res, path: string) => {
      res.header(
        'cache-control',
        path.includes(`${join(dist, 'assets')}`) ? 'public, max-age=31536000, immutable' : 'no-cache',
      );
    },
  });
  const page = (reply: FastifyReply) => reply.header('cache-control', 'no-cache').sendFile('index.html');
  app.get('/', { schema: { hide: true } }, (_req, reply) => page(reply));
  app.get('/*', { schema: { hide: true } }, (req, reply) => {
    if (reserved(req.url.split('?')[0]!)) return reply.callNotFound();
    return page(reply);
  });
  return true;
}
