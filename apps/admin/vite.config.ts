import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

// `pnpm --filter @civicgrid/admin dev`: the API runs on :3000 (pnpm start), Vite proxies to it.
const api = process.env.API_URL ?? 'http://127.0.0.1:3000';

export default defineConfig({
  plugins: [react()],
  server: {
    port: 5173,
    proxy: { '/api': api, '/health': api, '/ready': api },
  },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    // Pages, the layout and each module are dynamic imports: the login page loads none of them.
    chunkSizeWarningLimit: 1200,
  },
});
