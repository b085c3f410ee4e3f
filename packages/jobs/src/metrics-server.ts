import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { JobLogger } from '@civicgrid/kernel';
import { JobMetrics, METRICS_CONTENT_TYPE, metricsAuthorized, metricsText } from './metrics.ts';

export interface WorkerMetricsServer {
  /** What `startWorker({ metrics })` records into. */
  metrics: JobMetrics;
  /** The port it listens on (the one asked for, or the one given for 0). */
  port: number;
  close(): Promise<void>;
}

const json = (res: ServerResponse, status: number, code: string, message: string) => {
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8' });
  res.end(JSON.stringify({ statusCode: status, code, message }));
};

/**
 * The worker's only HTTP: `GET /metrics` on `port` (WORKER_METRICS_PORT; 0 picks a free one), Node's
 * defaults and the job metrics. With `token` (METRICS_TOKEN) it answers only `Authorization: Bearer
 * <token>`, 401 otherwise, in the API's error shape.
 */
export async function serveWorkerMetrics(opts: {
  port: number;
  host?: string;
  token?: string;
  log: JobLogger;
}): Promise<WorkerMetricsServer> {
  const metrics = new JobMetrics();
  const server = createServer((req, res) => {
    const path = (req.url ?? '').split('?')[0];
    if (req.method !== 'GET' || path !== '/metrics')
      return json(res, 404, 'route_not_found', `no route ${req.method} ${path}`);
    if (!metricsAuthorized(req.headers.authorization, opts.token))
      return json(res, 401, 'unauthenticated', 'send the metrics token as a bearer token');
    metricsText(metrics.registry).then(
      (text) => {
        res.writeHead(200, { 'content-type': METRICS_CONTENT_TYPE });
        res.end(text);
      },
      (err: Error) => {
        opts.log.error({ err: err.message }, 'metrics collection failed');
        json(res, 500, 'internal_error', 'something went wrong on our side');
      },
    );
  });
  // A scraper that hangs up must not keep a socket open for ever.
  server.requestTimeout = 10_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, opts.host ?? '0.0.0.0', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  opts.log.info({ port, auth: Boolean(opts.token) }, 'metrics listening');
  return {
    metrics,
    port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
