import { api } from './api.ts';

/** GET /api/v1/me: who is logged in, her grants, the tenant's enabled modules and packed CASL rules. */
export interface Me {
  kind: 'user' | 'operator';
  id: string;
  username: string;
  displayName: string;
  tenant?: { id: string; code: string; name: string; timezone: string; locale: string };
  grants: Array<{
    grantId: string;
    roleId: string;
    roleKey: string;
    roleName: string;
    orgUnitId: string;
    orgUnitName: string;
  }>;
  permissions: string[];
  modules: string[];
  rules: unknown[];
}

type Listener = () => void;

/**
 * The current principal, shared by the providers and the shell. Reloaded after login and after
 * anything that changes what the user sees (a module switched on or off), so the menu follows.
 */
class Session {
  #me: Me | null = null;
  #listeners = new Set<Listener>();
  #loading: Promise<Me> | null = null;

  get me() {
    return this.#me;
  }

  subscribe = (fn: Listener) => {
    this.#listeners.add(fn);
    return () => this.#listeners.delete(fn);
  };

  snapshot = () => this.#me;

  async load(): Promise<Me> {
    if (this.#me) return this.#me;
    return this.reload();
  }

  reload(): Promise<Me> {
    this.#loading ??= api<Me>('/me')
      .then((me) => {
        this.#me = me;
        for (const l of this.#listeners) l();
        return me;
      })
      .finally(() => {
        this.#loading = null;
      });
    return this.#loading;
  }

  clear() {
    this.#me = null;
    for (const l of this.#listeners) l();
  }
}

export const session = new Session();
