/**
 * The V8 flags the API process runs with. A request allocates a lot that dies young (the ORM's
 * transaction, rows, JSON); with V8's default 16 MB semi-spaces the young generation fills every few
 * requests and survivors get copied, then promoted, over and over. Twice that keeps most of it from
 * ever being copied: measured by `pnpm bench core`'s scoped list (tests/bench/profile-api.ts, same
 * database, runs alternated), 633 and 642 → 680 and 694 req/s at 50 connections, 8 % less CPU per request,
 * for at most ~50 MB more resident memory. 64 MB was no better than 32.
 * apps/api's `start` script and the Dockerfile's api stage repeat them.
 */
export const API_NODE_FLAGS: readonly string[] = ['--max-semi-space-size=32'];
