// `pnpm start` runs this first: builds the admin app when apps/admin/dist is missing or older than
// any of its sources (the shell, admin-kit, the plugins' client halves), so a fresh clone's
// `pnpm install && pnpm start` serves a working UI. A build takes ~10 s; an up-to-date one is skipped.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
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
  ...readdirSync(join(root, 'plugins')).flatMap((p) => [
    join(root, 'plugins', p, 'src/client'),
    join(root, 'plugins', p, 'src/common'),
  ]),
];
const current = Math.max(...sources.map(newest));
const builtFrom = existsSync(built) && existsSync(stamp) ? Number(readFileSync(stamp, 'utf8')) : -1;
if (current > builtFrom) {
  process.stdout.write('building the admin app (apps/admin/dist is missing or stale)…\n');
  const r = spawnSync('pnpm', ['--filter', '@civicgrid/admin', 'build'], { cwd: root, stdio: 'inherit' });
  if (r.status !== 0) {
    process.stderr.write(
      'the admin app did not build; the API would serve no UI. Fix the build and run pnpm start again.\n',
    );
    process.exit(r.status ?? 1);
  }
  writeFileSync(stamp, String(current));
}
