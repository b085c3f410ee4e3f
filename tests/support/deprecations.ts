/**
 * A deprecated call fails the test it happens in (pg's queued query on a busy connection has been one)
 * instead of printing one warning per process that no run reads. A listener rather than
 * `--throw-deprecation`: the flag cannot be lifted for the one file that must tolerate a notice.
 */
import { afterAll, afterEach } from 'vitest';

const seen: Error[] = [];
let tolerated: string | undefined;

process.on('warning', (warning) => {
  if (warning.name === 'DeprecationWarning' && !tolerated) seen.push(warning);
});

/** Deprecations print but do not fail this file's tests; `why` says whose they are. */
export function tolerateDeprecations(why: string) {
  tolerated = why;
}

function failOnSeen() {
  const found = seen.splice(0);
  if (found.length) throw new Error(`deprecated call: ${found.map((w) => w.stack).join('\n')}`);
}

afterEach(failOnSeen);
afterAll(failOnSeen);
