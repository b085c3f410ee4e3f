export { createTestDatabase, type TestDatabase } from './database.ts';
export { createBareTenant } from './tenant.ts';
