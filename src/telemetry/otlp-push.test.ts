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
