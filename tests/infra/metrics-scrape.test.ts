/**
 * Prometheus finds both kinds of pod: each pod template's scrape annotations name a port its
 * container exposes, and the worker's is the one the config map tells it to listen on.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';

const read = (file: string) =>
  parse(readFileSync(new URL(`../../infra/k8s/base/${file}`, import.meta.url), 'utf8')) as {
    data: Record<string, string>;
    spec: {
      template: {
        metadata: { annotations?: Record<string, string> };
        spec: { containers: Array<{ ports?: Array<{ name: string; containerPort: number }> }> };
      };
    };
  };

describe('the scrape annotations', () => {
  const config = read('config.yaml').data;

  it.each([
    ['api-deployment.yaml', 3000],
    ['worker-deployment.yaml', Number(config.WORKER_METRICS_PORT)],
  ])('%s is scraped at /metrics on the port it listens on', (file, port) => {
    const { metadata, spec } = read(file).spec.template;
    expect(metadata.annotations).toMatchObject({
      'prometheus.io/scrape': 'true',
      'prometheus.io/path': '/metrics',
      'prometheus.io/port': String(port),
    });
    expect(spec.containers[0]!.ports?.map((p) => p.containerPort)).toContain(port);
  });

  it('keeps the metrics token out of the config map (it is a secret)', () => {
    expect(Object.keys(config)).not.toContain('METRICS_TOKEN');
    expect(config.WORKER_METRICS_PORT).toMatch(/^\d+$/);
  });
});
