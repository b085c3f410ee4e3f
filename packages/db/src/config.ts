/** Database settings read once from the environment. The owner URL runs migrations; the app URL serves requests. */
export interface DbConfig {
  /** Owner connection: runs migrations, owns every table. */
  ownerUrl: string;
  /** Application connection: a role that owns nothing and cannot bypass row-level security. */
  appUrl: string;
  appRole: string;
  appPassword: string;
  poolSize: number;
}

export const DEFAULT_APP_ROLE = 'civicgrid_app';

/** Derives the app connection from the owner URL when no explicit one is given (same host and database). */
export function appUrlFor(ownerUrl: string, role: string, password: string): string {
  const u = new URL(ownerUrl);
  u.username = role;
  u.password = password;
  return u.toString();
}

export function dbConfigFrom(
  ownerUrl: string,
  env: NodeJS.ProcessEnv = process.env,
  fallbackAppPassword?: string,
): DbConfig {
  const appRole = env.DATABASE_APP_ROLE ?? DEFAULT_APP_ROLE;
  const appPassword = env.DATABASE_APP_PASSWORD ?? fallbackAppPassword ?? '';
  if (!appPassword && !env.DATABASE_APP_URL) {
    throw new Error('DATABASE_APP_PASSWORD (or DATABASE_APP_URL) must be set when DATABASE_URL is set');
  }
  return {
    ownerUrl,
    appUrl: env.DATABASE_APP_URL ?? appUrlFor(ownerUrl, appRole, appPassword),
    appRole,
    appPassword,
    poolSize: Number(env.DATABASE_POOL_SIZE ?? 10),
  };
}
