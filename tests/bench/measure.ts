/** Load generation (autocannon), child-process servers and CPU accounting shared by the benchmarks. */
import { type ChildProcess, fork } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import { API_NODE_FLAGS } from '../../apps/api/src/node-flags.ts';
import type { ServerConfig } from './server.ts';

export interface LoadResult {
  name: string;
  url: string;
  connections: number;
  durationS: number;
  requestsPerSec: number;
  total: number;
  latencyMs: { p50: number; p90: number; p99: number; max: number; mean: number };
  errors: number;
  timeouts: number;
  non2xx: number;
  /** CPU time per request, microseconds: the server process, the PostgreSQL processes, the load generator */
  cpuUsPerRequest: { server: number | null; postgres: number | null; loadgen: number };
  /**
   * Average cores busy during the run: the whole machine, the server process, this database's PostgreSQL
   * backends, the load generator, and everything else (other work on the machine skews the numbers).
   */
  cpuCores: {
    machine: number | null;
    server: number | null;
    postgres: number | null;
    loadgen: number;
    other: number | null;
  };
}

export async function load(opts: {
  name: string;
  url: string;
  headers?: Record<string, string>;
  connections: number;
  durationS: number;
  serverPid?: number;
  /** the bench database's name: PostgreSQL CPU is counted for its backends only */
  database?: string;
}): Promise<LoadResult> {
  const server0 = opts.serverPid ? procCpuMs(opts.serverPid) : null;
  const pg0 = opts.database ? backendCpuMs(opts.database) : null;
  const machine0 = machineBusyMs();
  const self0 = process.cpuUsage();
  const r = await autocannon({
    url: opts.url,
    connections: opts.connections,
    duration: opts.durationS,
    headers: opts.headers,
  });
  const self = process.cpuUsage(self0);
  const machine1 = machineBusyMs();
  const server1 = opts.serverPid ? procCpuMs(opts.serverPid) : null;
  const pg1 = opts.database ? backendCpuMs(opts.database) : null;
  const total = r.requests.total;
  const per = (msCpu: number | null) => (msCpu == null || total === 0 ? null : round((msCpu * 1000) / total));
  const serverMs = server0 != null && server1 != null ? server1 - server0 : null;
  let pgMs: number | null = null;
  if (pg0 && pg1) {
    pgMs = 0;
    for (const [pid, ms] of pg1) pgMs += ms - (pg0.get(pid) ?? 0);
  }
  const selfMs = (self.user + self.system) / 1000;
  const elapsedMs = r.duration * 1000;
  const machineMs = machine0 != null && machine1 != null ? machine1 - machine0 : null;
  return {
    name: opts.name,
    url: opts.url,
    connections: opts.connections,
    durationS: opts.durationS,
    requestsPerSec: round(total / r.duration),
    total,
    latencyMs: {
      p50: r.latency.p50,
      p90: r.latency.p90,
      p99: r.latency.p99,
      max: r.latency.max,
      mean: round(r.latency.average),
    },
    errors: r.errors,
    timeouts: r.timeouts,
    non2xx: r.non2xx,
    cpuUsPerRequest: { server: per(serverMs), postgres: per(pgMs), loadgen: per(selfMs) ?? 0 },
    cpuCores: {
      machine: machineMs == null ? null : round(machineMs / elapsedMs, 2),
      server: serverMs == null ? null : round(serverMs / elapsedMs, 2),
      postgres: pgMs == null ? null : round(pgMs / elapsedMs, 2),
      loadgen: round(selfMs / elapsedMs, 2),
      other:
        machineMs == null
          ? null
          : round(Math.max(0, machineMs - (serverMs ?? 0) - (pgMs ?? 0) - selfMs) / elapsedMs, 2),
    },
  };
}

export const round = (n: number, digits = 1) => Math.round(n * 10 ** digits) / 10 ** digits;

const TICK_MS = 10; // CLK_TCK is 100 on Linux x86-64

function statFields(pid: number | string): string[] | null {
  try {
    const s = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // comm may contain spaces: the fields after it start past the last ')'
    const close = s.lastIndexOf(')');
    return [s.slice(s.indexOf('(') + 1, close), ...s.slice(close + 2).split(' ')];
  } catch {
    return null;
  }
}

/** utime + stime of one process, in ms (Linux only; null elsewhere). */
export function procCpuMs(pid: number): number | null {
  const f = statFields(pid);
  // after comm: [1]=state … utime is field 14 of stat, i.e. index 12 here (comm at 0, state at 1)
  return f ? (Number(f[12]) + Number(f[13])) * TICK_MS : null;
}

/**
 * CPU used so far by each live PostgreSQL backend connected to `database` (pid → ms), found by the
 * process title (`postgres: … <user> <database> <host> …`). Null when /proc is not there.
 */
export function backendCpuMs(database: string): Map<number, number> | null {
  let entries: string[];
  try {
    entries = readdirSync('/proc');
  } catch {
    return null;
  }
  const out = new Map<number, number>();
  for (const e of entries) {
    if (!/^\d+$/.test(e)) continue;
    let title: string;
    try {
      title = readFileSync(`/proc/${e}/cmdline`, 'utf8');
    } catch {
      continue;
    }
    if (!title.startsWith('postgres:') || !title.split(' ').includes(database)) continue;
    const ms = procCpuMs(Number(e));
    if (ms != null) out.set(Number(e), ms);
  }
  return out;
}

/** CPU time the whole machine spent busy (all cores, everything but idle and iowait), in ms. */
export function machineBusyMs(): number | null {
  try {
    const [, ...f] = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/);
    const n = f.map(Number);
    const total = n.slice(0, 8).reduce((a, b) => a + b, 0);
    return (total - n[3]! - n[4]!) * TICK_MS;
  } catch {
    return null;
  }
}

export interface RunningServer {
  kind: ServerConfig['kind'];
  port: number;
  pid: number;
  base: string;
  stop(): Promise<void>;
}

const SERVER_ENTRY = fileURLToPath(new URL('./server.ts', import.meta.url));

/** Starts tests/bench/server.ts in its own Node process and waits until it listens. */
export function startServer(cfg: ServerConfig, opts: { cpuProfDir?: string } = {}): Promise<RunningServer> {
  // The API runs with the flags it is deployed with; the bare and handwritten baselines with Node's
  // defaults (with the same flags the bare route gains ~3 %, the API ~8 %).
  const execArgv = [...(cfg.kind === 'api' ? API_NODE_FLAGS : []), '--import', import.meta.resolve('tsx')];
  if (opts.cpuProfDir) execArgv.push('--cpu-prof', '--cpu-prof-dir', opts.cpuProfDir);
  const child: ChildProcess = fork(SERVER_ENTRY, [], {
    execArgv,
    env: { ...process.env, BENCH_SERVER: JSON.stringify(cfg) },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const exited = new Promise<void>((res) => child.once('exit', () => res()));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill();
      reject(new Error(`${cfg.kind} server did not start in 60 s`));
    }, 60_000);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${cfg.kind} server exited with ${code} before listening`));
    });
    child.once('message', (m: { port: number }) => {
      clearTimeout(timer);
      resolve({
        kind: cfg.kind,
        port: m.port,
        pid: child.pid!,
        base: `http://127.0.0.1:${m.port}`,
        async stop() {
          if (child.exitCode !== null) return;
          child.send('stop');
          const t = setTimeout(() => child.kill('SIGKILL'), 10_000);
          await exited;
          clearTimeout(t);
        },
      });
    });
  });
}
