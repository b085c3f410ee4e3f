/**
 * The V8 flags a worker process runs with. A worker streams large files (a 100 k-row import) and
 * makes garbage fast; on a big machine V8's default heap limit (a quarter of memory, ~4 GB on 24 GB)
 * lets that garbage pile up before it collects: measured by `pnpm bench registry`, the same import
 * peaks near 370 MB RSS with the defaults. A bounded old generation makes V8 collect sooner at no
 * cost in speed (measured; `--optimize-for-size` collects sooner too but read 4.5 times slower), and
 * bounds a worker that something leaks in: it restarts rather than eat the host.
 * apps/worker's own `start` script repeats them.
 */
export const WORKER_NODE_FLAGS: readonly string[] = ['--max-old-space-size=256'];
