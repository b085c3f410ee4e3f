import { timingSafeEqual } from 'node:crypto';
import { Counter, collectDefaultMetrics, Histogram, Registry } from 'prom-client';

/**
 * Prometheus metrics shared by the API and the worker: the process's own (Node's defaults, one set per
 * process however many apps or workers it holds) and the job system's. Each app or worker keeps its
 * own registry for what it measures, so two of them in one process (tests) never collide on a name.
 */

export const METRICS_CONTENT_TYPE = Registry.PROMETHEUS_CONTENT_TYPE;

let processRegistry: Registry | undefined;

/**
 * Node's default metrics (CPU, memory, heap, GC, handles, event-loop lag as
 * `nodejs_eventloop_lag_seconds` and its percentiles), registered once per process on first use.
 */
export function processMetrics(): Registry {
  if (!processRegistry) {
    processRegistry = new Registry();
    collectDefaultMetrics({ register: processRegistry });
  }
  return processRegistry;
}

/** The exposition text of the process's metrics followed by `registries`' (distinct names each). */
export async function metricsText(...registries: Registry[]): Promise<string> {
  const parts = await Promise.all([processMetrics(), ...registries].map((r) => r.metrics()));
  return parts.map((p) => (p.endsWith('\n') ? p : `${p}\n`)).join('');
}

/**
 * `Authorization: Bearer <token>` against the configured token; always true when none is configured
 * (local use: deployments set METRICS_TOKEN). Compared in constant time.
 */
export function metricsAuthorized(header: string | undefined, token: string | undefined): boolean {
  if (!token) return true;
  const m = /^Bearer (.+)$/.exec(header ?? '');
  if (!m) return false;
  const given = Buffer.from(m[1]!);
  const expected = Buffer.from(token);
  return given.length === expected.length && timingSafeEqual(given, expected);
}

/** How one job attempt ended, as the tenant wrapper saw it. */
export type JobOutcome = 'completed' | 'skipped' | 'failed';

/**
 * The worker's job metrics. Labels are bounded: `queue` is a plugin id, `job` a job name from the
 * registry (or `on:<event type>` for a delivery), `outcome` one of three.
 */
export class JobMetrics {
  readonly registry: Registry;
  readonly #duration: Histogram<'queue' | 'job' | 'outcome'>;
  readonly #failures: Counter<'queue' | 'job' | 'final'>;

  constructor(registry = new Registry()) {
    this.registry = registry;
    this.#duration = new Histogram({
      name: 'civicgrid_job_duration_seconds',
      help: 'Time one job attempt ran in the tenant wrapper (its transaction included), by queue, job and outcome',
      labelNames: ['queue', 'job', 'outcome'],
      buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 900, 1800],
      registers: [registry],
    });
    this.#failures = new Counter({
      name: 'civicgrid_job_failures_total',
      help: 'Failed job attempts by queue and job; final="true" when no retry follows',
      labelNames: ['queue', 'job', 'final'],
      registers: [registry],
    });
  }

  /** Records one attempt; a failure also counts in the failures counter. */
  observe(queue: string, job: string, seconds: number, outcome: JobOutcome, final = true): void {
    this.#duration.observe({ queue, job, outcome }, seconds);
    if (outcome === 'failed') this.#failures.inc({ queue, job, final: String(final) });
  }
}
