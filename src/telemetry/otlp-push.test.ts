import { resourceFromAttributes } from '@opentelemetry/resources';
import { DataPointType } from '@opentelemetry/sdk-metrics';
import { describe, expect, it } from 'vitest';
import { buildMetricName } from '../model/prom/naming.js';
import { grpcUrl, selfResource } from './otlp-push.js';
import { registryToResourceMetrics } from './prom-to-otel.js';
import { SelfMetrics } from './self-metrics.js';

describe('self-metrics pushed over OTLP', () => {
  it('reach Prometheus under the names of the /metrics page, with add_metric_suffixes on or off', async () => {
    const m = new SelfMetrics({ processMetrics: false });
    m.receiverAccepted.inc({ receiver: 'otlp', transport: 'grpc' }, 5);
    m.exporterQueueSize.set({ exporter: 'prometheusremotewrite' }, 3);
    m.exportLatency.observe({ exporter: 'prometheusremotewrite', outcome: 'ok' }, 0.02);
    const rm = await registryToResourceMetrics(m.registry, resourceFromAttributes({ 'service.name': 'tributary' }), Date.now() - 1000);
    const byName = new Map(rm.scopeMetrics[0].metrics.map((x) => [x.descriptor.name, x]));
    const page = await m.text();

    const counter = byName.get('otelcol_receiver_accepted_metric_points_total');
    expect(counter?.dataPointType).toBe(DataPointType.SUM);
    expect(counter?.dataPoints[0].value).toBe(5);
    for (const addMetricSuffixes of [true, false]) {
      const o = { addMetricSuffixes, namespace: '' };
      expect(buildMetricName('otelcol_receiver_accepted_metric_points_total', '', 'counter', false, o)).toBe('otelcol_receiver_accepted_metric_points_total');
      expect(buildMetricName('otelcol_exporter_queue_size', '', 'gauge', true, o)).toBe('otelcol_exporter_queue_size');
      expect(buildMetricName('tributary_exporter_request_duration_seconds', '', 'histogram', false, o)).toBe('tributary_exporter_request_duration_seconds');
    }
    for (const name of byName.keys()) expect(page).toContain(`# TYPE ${name} `);

    const hist = byName.get('tributary_exporter_request_duration_seconds');
    expect(hist?.dataPointType).toBe(DataPointType.HISTOGRAM);
    const v = hist?.dataPoints[0].value as { count: number; buckets: { boundaries: number[]; counts: number[] } };
    expect(v.count).toBe(1);
    expect(v.buckets.counts.reduce((a, b) => a + b, 0)).toBe(1);
    expect(v.buckets.counts[v.buckets.boundaries.indexOf(0.025)]).toBe(1);
  });

  it('carries service.name and service.instance.id (job and instance), overridable and removable', () => {
    expect(selfResource({}, 'gw-1')).toEqual({ 'service.name': 'tributary', 'service.instance.id': 'gw-1' });
    expect(selfResource({ 'service.name': 'edge', 'service.instance.id': null, 'deployment.environment': 'prod' }, 'gw-1')).toEqual({
      'service.name': 'edge',
      'deployment.environment': 'prod',
    });
  });

  it('reaches a plain-text receiver from a Collector-style endpoint without a scheme, unless insecure is false', () => {
    expect(grpcUrl('localhost:4317', true)).toBe('http://localhost:4317');
    expect(grpcUrl('localhost:4317', false)).toBe('https://localhost:4317');
    expect(grpcUrl('https://collector.example:4317', true)).toBe('https://collector.example:4317');
    expect(grpcUrl('http://127.0.0.1:4317', false)).toBe('http://127.0.0.1:4317');
  });
});

describe('OTLP/HTTP readers (protocol: http/protobuf)', () => {
  it('post to <base>/v1/metrics when the endpoint has no path, else to the endpoint as given', async () => {
    const { httpMetricsUrl } = await import('./otlp-push.js');
    expect(httpMetricsUrl('localhost:4318', true)).toBe('http://localhost:4318/v1/metrics');
    expect(httpMetricsUrl('https://gw.example:4318', true)).toBe('https://gw.example:4318/v1/metrics');
    expect(httpMetricsUrl('http://127.0.0.1:4318/custom/metrics', true)).toBe('http://127.0.0.1:4318/custom/metrics');
  });

  it('push protobuf over HTTP, not gRPC, to an OTLP/HTTP endpoint', async () => {
    const { createServer } = await import('node:http');
    const { OtlpPush } = await import('./otlp-push.js');
    const { createLogger } = await import('./logger.js');
    const seen: { url?: string; type?: string; bytes: number }[] = [];
    const server = createServer((req, res) => {
      let n = 0;
      req.on('data', (d: Buffer) => (n += d.length));
      req.on('end', () => {
        seen.push({ url: req.url, type: req.headers['content-type'], bytes: n });
        res.writeHead(200, { 'content-type': 'application/x-protobuf' }).end();
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    const port = (server.address() as { port: number }).port;
    try {
      const m = new SelfMetrics({ processMetrics: false });
      m.receiverAccepted.inc({ receiver: 'otlp', transport: 'http' }, 7);
      const push = new OtlpPush(
        { protocol: 'http/protobuf', endpoint: `127.0.0.1:${port}`, insecure: true, headers: {}, intervalMs: 60_000, timeoutMs: 5_000, resource: { 'service.name': 'tributary' } },
        m,
        createLogger({ level: 'error' }),
      );
      await push.stop(); // pushes once, then shuts down
      expect(seen.length).toBe(1);
      expect(seen[0]).toMatchObject({ url: '/v1/metrics', type: 'application/x-protobuf' });
      expect(seen[0].bytes).toBeGreaterThan(0);
    } finally {
      server.close();
    }
  });
});
