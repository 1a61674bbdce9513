import { describe, expect, it } from 'vitest';
import { REDACTED } from '../../config/redact.js';
import { type NodeState, buildGraph } from '../../pipeline/graph.js';
import { buildConfigYaml } from '../../test-kit/config.js';
import { ErrorLog } from '../error-log.js';
import { silentLogger } from '../logger.js';
import { SelfMetrics } from '../self-metrics.js';
import { StatusModel } from './status-model.js';

const YAML = `
receivers:
  otlp: {protocols: {http: {endpoint: "127.0.0.1:0", auth: {authenticator: bearertokenauth}}}}
processors:
  batch: {timeout: 1s}
  batch/out: {timeout: 1s}
exporters:
  prometheusremotewrite:
    endpoint: http://127.0.0.1:9/api/v1/write
    headers: {Authorization: "Bearer prw-secret-value", X-Scope-OrgID: tenant-a}
  debug:
extensions:
  bearertokenauth: {token: receiver-secret-token}
service:
  extensions: [bearertokenauth]
  pipelines:
    metrics: {receivers: [otlp], processors: [batch, batch/out], exporters: [prometheusremotewrite, debug]}
`;

async function model() {
  const config = await buildConfigYaml(YAML);
  const metrics = new SelfMetrics({ processMetrics: false });
  const errors = new ErrorLog();
  const graph = buildGraph(config, { logger: silentLogger(), metrics, errors });
  const states = new Map<string, NodeState>([['receiver/otlp', 'running']]);
  let now = 1_000_000;
  const m = new StatusModel(
    {
      graph,
      config,
      metrics,
      errors,
      version: '9.9.9',
      startedAt: 1_000_000 - 3_723_000,
      phase: () => 'running',
      state: (k) => states.get(k) ?? 'created',
      endpoints: () => ({ 'receiver/otlp': ['http://127.0.0.1:4318/v1/metrics'] }),
    },
    { intervalMs: 5000, samples: 3, now: () => now },
  );
  return { m, metrics, errors, advance: (ms: number) => (now += ms) };
}

describe('StatusModel', () => {
  it('lists pipelines and every component with its kind, type, pipelines and state', async () => {
    const { m } = await model();
    const s = await m.snapshot();
    expect(s).toMatchObject({ version: '9.9.9', phase: 'running', uptimeSeconds: 3723 });
    expect(s.pipelines).toEqual([{ name: 'metrics', receivers: ['otlp'], processors: ['batch', 'batch/out'], exporters: ['prometheusremotewrite', 'debug'] }]);
    expect(s.components.map((c) => [c.key, c.type, c.pipelines, c.state])).toEqual([
      ['receiver/otlp', 'otlp', ['metrics'], 'running'],
      ['processor/metrics/batch', 'batch', ['metrics'], 'created'],
      ['processor/metrics/batch/out', 'batch', ['metrics'], 'created'],
      ['exporter/prometheusremotewrite', 'prometheusremotewrite', ['metrics'], 'created'],
      ['exporter/debug', 'debug', ['metrics'], 'created'],
      ['extension/bearertokenauth', 'bearertokenauth', [], 'created'],
    ]);
    expect(s.components[0].endpoints).toEqual(['http://127.0.0.1:4318/v1/metrics']);
  });

  it('sums counters per component and computes rates from the samples in the ring', async () => {
    const { m, metrics, advance } = await model();
    await m.sample();
    let s = await m.snapshot();
    expect(s.components[0].rates).toEqual({ accepted: null, refused: null });
    metrics.receiverAccepted.inc({ receiver: 'otlp', transport: 'http' }, 30);
    metrics.receiverAccepted.inc({ receiver: 'otlp', transport: 'grpc' }, 20);
    metrics.receiverRefused.inc({ receiver: 'otlp', transport: 'http' }, 5);
    metrics.processorIncoming.inc({ processor: 'batch', pipeline: 'metrics', otel_signal: 'metrics' }, 50);
    metrics.nodeRefused.inc({ pipeline: 'metrics', node: 'processor/batch', retryable: 'true' }, 4);
    // The outgoing side of "batch" shares its label with the incoming side of "batch/out": both are that node's.
    metrics.nodeRefused.inc({ pipeline: 'metrics', node: 'processor/batch/out', retryable: 'true' }, 2);
    metrics.nodeRefused.inc({ pipeline: 'metrics', node: 'exporter/prometheusremotewrite', retryable: 'true' }, 3);
    metrics.exporterSent.inc({ exporter: 'prometheusremotewrite' }, 40);
    metrics.exporterSendFailed.inc({ exporter: 'prometheusremotewrite', reason: 'http_400' }, 1);
    metrics.exporterRetries.inc({ exporter: 'prometheusremotewrite', reason: 'http_503' }, 2);
    metrics.exporterRetries.inc({ exporter: 'prometheusremotewrite', reason: 'network' }, 1);
    metrics.exporterQueueCapacity.set({ exporter: 'prometheusremotewrite' }, 10_000);
    metrics.exporterQueueSize.set({ exporter: 'prometheusremotewrite' }, 7);
    advance(10_000);
    await m.sample();
    s = await m.snapshot();
    const by = (k: string) => s.components.find((c) => c.key === k)!;
    expect(by('receiver/otlp').totals).toEqual({ accepted: 50, refused: 5 });
    expect(by('receiver/otlp').rates).toEqual({ accepted: 5, refused: 0.5 });
    expect(by('processor/metrics/batch').totals).toEqual({ incoming: 50, outgoing: 0, refused: 4 });
    expect(by('processor/metrics/batch/out').totals.refused).toBe(2);
    expect(by('exporter/prometheusremotewrite').totals).toEqual({ sent: 40, failed: 1, refused: 3, retries: 3 });
    expect(by('exporter/prometheusremotewrite').rates.sent).toBe(4);
    expect(by('exporter/prometheusremotewrite').queue).toEqual({ size: 7, capacity: 10_000 });
    expect(by('exporter/debug').queue).toBeUndefined();
    expect(s.rateWindow).toEqual({ seconds: 10, samples: 2, intervalSeconds: 5 });

    // The window slides: with nothing new, the rate falls to zero once the old readings leave the ring.
    advance(5000);
    await m.sample();
    advance(5000);
    await m.sample();
    s = await m.snapshot();
    expect(by('receiver/otlp').rates.accepted).toBe(0);
    expect(by('receiver/otlp').totals.accepted).toBe(50);
  });

  it('shows each component its recent errors, newest first, with the time', async () => {
    const { m, errors, advance } = await model();
    errors.record('exporter/prometheusremotewrite', 'warn', 'first');
    advance(1000);
    errors.record('exporter/prometheusremotewrite', 'error', 'second');
    const s = await m.snapshot();
    const e = s.components.find((c) => c.key === 'exporter/prometheusremotewrite')!.errors;
    expect(e.map((x) => [x.level, x.message])).toEqual([
      ['error', 'second'],
      ['warn', 'first'],
    ]);
    expect(e[0].at).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    expect(s.components[0].errors).toEqual([]);
  });

  it('summarises the config with secrets redacted', async () => {
    const { m } = await model();
    const s = await m.snapshot();
    const text = JSON.stringify(s);
    expect(text).not.toContain('prw-secret-value');
    expect(text).not.toContain('receiver-secret-token');
    const prw = (s.config.exporters as Record<string, { headers: Record<string, string> }>).prometheusremotewrite;
    expect(prw.headers).toEqual({ Authorization: REDACTED, 'X-Scope-OrgID': 'tenant-a' });
    expect((s.config.extensions as Record<string, { token: string; header: string }>).bearertokenauth).toMatchObject({ token: REDACTED, header: 'Authorization' });
    expect((s.config.service as { pipelines: unknown }).pipelines).toEqual({ metrics: { receivers: ['otlp'], processors: ['batch', 'batch/out'], exporters: ['prometheusremotewrite', 'debug'] } });
  });
});
