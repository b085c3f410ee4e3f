import type { AuthProvider } from '@refinedev/core';
import { ApiError, api, tokens } from './api.ts';
import { session } from './session.ts';

export interface LoginInput {
  /** The tenant's code (e.g. `yiwu`); empty for platform operators. */
  tenant?: string;
  username: string;
  password: string;
}

/** Where each kind of principal lands after logging in. */
export const HOME = { user: '/', operator: '/platform/tenants' } as const;

/**
 * Login with tenant code + account + password (operators leave the tenant empty), logout that ends the
 * session family on the server, and `check` that loads `/me` once per page load.
 */
export const authProvider: AuthProvider = {
  login: async ({ tenant, username, password }: LoginInput) => {
    try {
      const pair = await api<{ accessToken: string; refreshToken: string }>('/auth/login', {
        method: 'POST',
        anonymous: true,
        body: { ...(tenant?.trim() ? { tenant: tenant.trim().toLowerCase() } : {}), username, password },
      });
      tokens.set(pair.accessToken, pair.refreshToken);
      const me = await session.reload();
      return { success: true, redirectTo: HOME[me.kind] };
    } catch (err) {
      const e = err instanceof ApiError ? err : new ApiError(0, 'network', String(err));
      return { success: false, error: { name: e.code, message: e.message } };
    }
  },

  logout: async () => {
    if (tokens.access()) await api('/auth/logout', { method: 'POST' }).catch(() => undefined);
    tokens.clear();
    session.clear();
    return { success: true, redirectTo: '/login' };
  },

  check: async () => {
    if (!tokens.access()) return { authenticated: false, redirectTo: '/login' };
    try {
      await session.load();
      return { authenticated: true };
    } catch {
      tokens.clear();
      session.clear();
      return { authenticated: false, redirectTo: '/login', logout: true };
    }
  },

  onError: async (error: { statusCode?: number; code?: string }) => {
    // 401 after a failed refresh means the session is over; a 403 is "not allowed", not "logged out".
    if (error?.statusCode === 401) return { logout: true, redirectTo: '/login' };
    return {};
  },

  getIdentity: async () => (tokens.access() ? session.load() : null),
  getPermissions: async () => (tokens.access() ? (await session.load()).permissions : null),
};
