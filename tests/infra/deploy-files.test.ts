/**
 * The deployment files, checked without a Docker engine or a cluster (neither runs here): every
 * Kubernetes manifest against its API schema, and the properties the operations issue asks of the
 * compose file and the image — so that an edit that breaks them fails here, not on a city's cluster.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { WORKER_NODE_FLAGS } from '@civicgrid/jobs';
import { apps, autoscaling, batch, v1 } from 'kubernetes-models';
import { describe, expect, it } from 'vitest';
import { parse, parseAllDocuments } from 'yaml';
import { API_NODE_FLAGS } from '../../apps/api/src/node-flags.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const K8S = join(ROOT, 'infra/k8s/base');
const read = (path: string) => readFileSync(join(ROOT, path), 'utf8');

/** The parts of a container and a manifest these checks read. */
interface Container {
  name: string;
  env?: unknown[];
  envFrom: Array<{ secretRef?: { name: string }; configMapRef?: { name: string } }>;
  securityContext: { allowPrivilegeEscalation: boolean };
  resources: { limits: { memory?: string } };
  livenessProbe?: { httpGet: { path: string } };
  readinessProbe?: { httpGet: { path: string } };
}
interface PodSpec {
  securityContext: { runAsNonRoot: boolean };
  containers: Container[];
}
interface Manifest {
  apiVersion: string;
  kind: string;
  metadata: { name: string };
  spec: { template: { spec: PodSpec }; scaleTargetRef: { name: string } };
}
type Model = new (data: unknown) => { validate(): void };
const MODELS: Record<string, Record<string, Model>> = {
  v1: v1 as unknown as Record<string, Model>,
  'apps/v1': apps.v1 as unknown as Record<string, Model>,
  'batch/v1': batch.v1 as unknown as Record<string, Model>,
  'autoscaling/v2': autoscaling.v2 as unknown as Record<string, Model>,
};

const kustomization = parse(read('infra/k8s/base/kustomization.yaml')) as { resources: string[] };
const manifests: Manifest[] = kustomization.resources.flatMap((file) =>
  parseAllDocuments(readFileSync(join(K8S, file), 'utf8')).map((d) => d.toJSON() as Manifest),
);
const byKind = (kind: string) => manifests.filter((m) => m.kind === kind);
const podSpec = (m: Manifest) => m.spec.template.spec;

describe('the Kubernetes manifests', () => {
  it('each one is valid against its API schema, and the kustomization lists every file', () => {
    const files = readdirSync(K8S).filter((f) => f.endsWith('.yaml') && f !== 'kustomization.yaml');
    expect([...kustomization.resources].sort()).toEqual(files.sort());
    for (const m of manifests) {
      const Model = MODELS[m.apiVersion]?.[m.kind];
      expect(Model, `${m.apiVersion} ${m.kind}`).toBeDefined();
      expect(() => new Model!(m).validate(), `${m.kind} ${m.metadata.name}`).not.toThrow();
    }
  });

  it('run the API and the worker as non-root with their probes, limits and autoscalers', () => {
    const deployments = byKind('Deployment');
    expect(deployments.map((d) => d.metadata.name).sort()).toEqual(['civicgrid-api', 'civicgrid-worker']);
    for (const d of [...deployments, ...byKind('Job')]) {
      expect(podSpec(d).securityContext.runAsNonRoot, d.metadata.name).toBe(true);
      for (const c of podSpec(d).containers) {
        expect(c.securityContext.allowPrivilegeEscalation, c.name).toBe(false);
        expect(c.resources.limits.memory, c.name).toBeTruthy();
        // Secrets are referenced, never written in the manifests.
        expect(c.env ?? [], c.name).toEqual([]);
        expect(c.envFrom.map((e) => e.secretRef?.name).filter(Boolean)).toHaveLength(1);
      }
    }
    const api = podSpec(deployments.find((d) => d.metadata.name === 'civicgrid-api')!).containers[0];
    expect(api!.livenessProbe?.httpGet.path).toBe('/health');
    expect(api!.readinessProbe?.httpGet.path).toBe('/ready');
    const scaled = byKind('HorizontalPodAutoscaler').map((h) => h.spec.scaleTargetRef.name);
    expect(scaled.sort()).toEqual(['civicgrid-api', 'civicgrid-worker']);
    const [job] = byKind('Job');
    const migrateSecrets = podSpec(job!).containers[0]!.envFrom.map((e) => e.secretRef?.name);
    expect(migrateSecrets).toContain('civicgrid-migrate-secrets');
  });
});

describe('the compose file', () => {
  interface Service {
    command: string[];
    restart?: string;
    deploy: { replicas: number };
    depends_on: Record<string, { condition: string }> & string[];
  }
  const compose = parse(read('infra/compose/compose.yaml')) as { services: Record<string, Service> };
  const s = compose.services;

  it('keeps Redis durable and never evicting, and starts the API and workers after the migration', () => {
    const redis = s.redis!.command.join(' ');
    expect(redis).toContain('--appendonly yes');
    expect(redis).toContain('--maxmemory-policy noeviction');
    for (const name of ['api', 'worker']) {
      expect(s[name]!.deploy.replicas, name).toBe(2);
      expect(s[name]!.depends_on.migrate?.condition, name).toBe('service_completed_successfully');
    }
    expect(s.migrate!.restart).toBe('no');
    expect(s.proxy!.depends_on).toContain('api');
  });

  it('holds no secret: each one is a required variable from the untracked .env', () => {
    const text = read('infra/compose/compose.yaml');
    for (const key of ['JWT_SECRET', 'PII_KEYS', 'PII_HASH_KEY', 'METRICS_TOKEN', 'POSTGRES_PASSWORD']) {
      const line = text.split('\n').find((l) => l.trim().startsWith(`${key}:`));
      expect(line, key).toMatch(/\$\{[A-Z_]+:\?/);
    }
    expect(read('.gitignore')).toMatch(/^\.env$/m);
  });
});

describe('the image', () => {
  const stages = read('infra/docker/Dockerfile')
    .split(/^FROM /m)
    .slice(1);
  const stageOf = (target: string) => stages.find((st) => st.startsWith(`runtime AS ${target}\n`));
  const cmdOf = (stage: string) => JSON.parse(stage.match(/^CMD (\[.*\])$/m)![1]!) as string[];

  it('runs every target as the unprivileged node user, each on an entry that exists', () => {
    const runtime = stages.find((st) => / AS runtime\b/.test(st))!;
    expect(runtime).toMatch(/^USER node$/m);
    for (const target of ['api', 'worker', 'migrate']) {
      const stage = stageOf(target);
      expect(stage, target).toBeDefined();
      expect(stage).not.toMatch(/^USER root/m);
      const entry = cmdOf(stage!).find((a) => a.endsWith('.ts'))!;
      expect(existsSync(join(ROOT, entry)), entry).toBe(true);
    }
  });

  it('starts the API and the worker with their V8 flags, as their start scripts do', () => {
    const startOf = (app: string) =>
      (JSON.parse(read(`apps/${app}/package.json`)) as { scripts: { start: string } }).scripts.start.split(
        ' ',
      );
    for (const [app, flags] of [
      ['api', API_NODE_FLAGS],
      ['worker', WORKER_NODE_FLAGS],
    ] as const) {
      expect(flags.length, app).toBeGreaterThan(0);
      for (const flag of flags) {
        expect(cmdOf(stageOf(app)!), app).toContain(flag);
        expect(startOf(app), app).toContain(flag);
      }
    }
  });
});
