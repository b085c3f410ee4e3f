export { createTestDatabase, type TestDatabase } from './database.ts';
export { ensureTestRedis } from './redis.ts';
export { createBareTenant } from './tenant.ts';
