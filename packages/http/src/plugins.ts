import type { PluginDeps, PluginHost, ServerPlugin } from '@civicgrid/kernel';
import type { FastifyInstance, FastifyRequest, RouteOptions } from 'fastify';
import { inUserContext, type RouteAccess, type UserContext } from './context.ts';
import { signedRoute } from './signed.ts';

declare module 'fastify' {
  interface FastifyRequest {
    /** Set for a plugin's routes: the request's tenant transaction, ability and actor. */
    userContext?: UserContext;
  }
}

/** The tenant context the host opened for a plugin route (throws on a core route, where it is never set). */
export function userContextOf(req: FastifyRequest): UserContext {
  if (!req.userContext) throw new Error('userContextOf is for plugin routes only');
  return req.userContext;
}

/**
 * Registers each plugin's routes under `/m/<id>` in its own encapsulated context. The host wraps every
 * handler: it opens the tenant transaction, checks that the tenant has the module on (403
 * `module_disabled`) and that the user holds the route's permission, so a plugin cannot forget either.
 */
export async function registerPluginRoutes(
  api: FastifyInstance,
  host: PluginHost,
  depsFor: (plugin: ServerPlugin) => PluginDeps,
) {
  const { db } = api.deps;
  const { settings } = api.deps.modules;
  for (const plugin of host.plugins) {
    if (!plugin.routes) continue;
    await api.register(
      async (scope) => {
        scope.addHook('onRoute', (route) => {
          const access = route.config?.access as RouteAccess | undefined;
          if (access?.kind === 'signed')
            signedRoute(route, plugin.id, access.secretSetting, { db, settings });
          else guard(route, plugin, db);
        });
        await plugin.routes!(scope, depsFor(plugin));
      },
      { prefix: `/m/${plugin.id}` },
    );
  }
}

function guard(route: RouteOptions, plugin: ServerPlugin, db: FastifyInstance['deps']['db']) {
  const access = route.config?.access as RouteAccess | undefined;
  if (access?.kind !== 'permission' && access?.kind !== 'authenticated') {
    throw new Error(
      `plugin ${plugin.id}: route ${route.method} ${route.url} must declare a permission (config.access)`,
    );
  }
  const permission = access.kind === 'permission' ? access.permission : null;
  route.schema = { ...route.schema, tags: route.schema?.tags ?? [plugin.id] };
  const handler = route.handler;
  route.handler = function (this: FastifyInstance, req, reply) {
    return inUserContext(
      db,
      req,
      permission,
      async (ctx) => {
        req.userContext = ctx;
        return handler.call(this, req, reply);
      },
      { module: plugin.id },
    );
  };
}
