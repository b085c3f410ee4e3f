export { createTestDatabase, type TestDatabase } from './database.ts';
export { ensureTestRedis, redisAnswers } from './redis.ts';
export { createBareTenant } from './tenant.ts';
