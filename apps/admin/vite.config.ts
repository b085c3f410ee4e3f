import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { brotliCompress, constants, gzip } from 'node:zlib';
import react from '@vitejs/plugin-react';
import { defineConfig, type Plugin } from 'vite';

// `pnpm --filter @civicgrid/admin dev`: the API runs on :3000 (pnpm start), Vite proxies to it.
const api = process.env.API_URL ?? 'http://127.0.0.1:3000';

/**
 * Writes `.br` and `.gz` beside every text asset so the API serves them pre-compressed
 * (@fastify/static `preCompressed`): no compression work per request, best ratio once at build.
 */
function precompress(): Plugin {
  const br = promisify(brotliCompress);
  const gz = promisify(gzip);
  return {
    name: 'civicgrid-precompress',
    apply: 'build',
    async writeBundle(options, bundle) {
      const dir = options.dir!;
      const files = [...Object.keys(bundle), 'index.html'].filter((f) => /\.(js|css|html|svg|json)$/.test(f));
      await Promise.all(
        [...new Set(files)].map(async (f) => {
          const data = await readFile(join(dir, f));
          if (data.length < 1024) return;
          await writeFile(`${join(dir, f)}.gz`, await gz(data, { level: 9 }));
          await writeFile(
            `${join(dir, f)}.br`,
            await br(data, { params: { [constants.BROTLI_PARAM_QUALITY]: 11 } }),
          );
        }),
      );
    },
  };
}

export default defineConfig({
  plugins: [react(), precompress()],
  server: {
    port: 5173,
    proxy: { '/api': api, '/health': api, '/ready': api },
  },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    // The manifest maps each page and module source to its chunk (pnpm bench admin reads it).
    manifest: true,
    // Pages, the layout and each module are dynamic imports: the login page loads none of them.
    chunkSizeWarningLimit: 1200,
  },
});
