// `pnpm start` runs this first: builds the admin app when apps/admin/dist is missing or older than
// any of its sources (the shell, admin-kit, admin-ui, the kernel, the plugins' client halves), so a fresh clone's
// `pnpm install && pnpm start` serves a working UI. A build takes ~10 s; an up-to-date one is skipped.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const admin = join(root, 'apps/admin');
const built = join(admin, 'dist/index.html');
// The newest source mtime the current build was made from (not the build's own time: a file saved
// while a build runs must still count as newer).
const stamp = join(admin, 'dist/.sources-mtime');

function newest(path) {
  if (!existsSync(path)) return 0;
  const s = statSync(path);
  if (!s.isDirectory()) return s.mtimeMs;
  let m = s.mtimeMs;
  for (const e of readdirSync(path))
    if (e !== 'node_modules' && e !== 'dist') m = Math.max(m, newest(join(path, e)));
  return m;
}

const sources = [
  join(admin, 'src'),
  join(admin, 'index.html'),
  join(admin, 'vite.config.ts'),
  join(admin, 'package.json'),
  join(root, 'packages/admin-kit/src'),
  join(root, 'packages/admin-ui/src'),
  // The client-plugin contract lives in the kernel: its index is in the bundle too.
  join(root, 'packages/kernel/src'),
  ...readdirSync(join(root, 'plugins')).flatMap((p) => [
    join(root, 'plugins', p, 'src/client'),
    join(root, 'plugins', p, 'src/common'),
  ]),
];
// Two callers at once (the browser test files run side by side, or a test beside `pnpm start`) would
// build into the same dist and trip over each other's files: one builds, the others wait for it and
// then find the build current. The lock is a directory (mkdir is atomic); a lock older than the
// longest build is a crashed builder's and is taken over.
const lock = join(admin, '.build-lock');
const STALE_LOCK_MS = 5 * 60_000;
const sleep = new Int32Array(new SharedArrayBuffer(4));
for (;;) {
  try {
    mkdirSync(lock);
    break;
  } catch (e) {
    if (e.code !== 'EEXIST') throw e;
    const age = Date.now() - (existsSync(lock) ? statSync(lock).mtimeMs : Date.now());
    if (age > STALE_LOCK_MS) rmSync(lock, { recursive: true, force: true });
    else Atomics.wait(sleep, 0, 0, 250);
  }
}
try {
  const current = Math.max(...sources.map(newest));
  const builtFrom = existsSync(built) && existsSync(stamp) ? Number(readFileSync(stamp, 'utf8')) : -1;
  if (current > builtFrom) {
    process.stdout.write('building the admin app (apps/admin/dist is missing or stale)…\n');
    // Always a production bundle: a caller's NODE_ENV (vitest sets `test`) would otherwise give React's
    // development build (three times the size, and slower) to whoever serves this dist next.
    const r = spawnSync('pnpm', ['--filter', '@civicgrid/admin', 'build'], {
      cwd: root,
      stdio: 'inherit',
      env: { ...process.env, NODE_ENV: 'production' },
    });
    if (r.status !== 0) {
      process.stderr.write(
        'the admin app did not build; the API would serve no UI. Fix the build and run pnpm start again.\n',
      );
      process.exitCode = r.status ?? 1;
    } else writeFileSync(stamp, String(current));
  }
} finally {
  rmSync(lock, { recursive: true, force: true });
}
