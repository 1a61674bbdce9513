import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { encodeRequest, gaugeRequest } from '../src/test-kit/otlp-client.js';
import { startGateway } from './kit/gateway.js';
import { freePorts, waitUntil } from './kit/ports.js';
import { parsePromText, sampleValue } from './kit/prom-text.js';

/** Self-telemetry: counters on the telemetry port, and the same metrics pushed over OTLP with the OpenTelemetry SDK. */
describe('self-telemetry', () => {
  it('counts accepted and sent points, and pushes its own metrics through its own pipeline', async () => {
    const [grpc, http, tel] = await freePorts(3);
    const gw = await startGateway(`
receivers:
  otlp:
    protocols:
      grpc: {endpoint: "127.0.0.1:${grpc}"}
      http: {endpoint: "127.0.0.1:${http}"}
processors:
  batch: {timeout: 50ms}
exporters:
  file: {path: ./out.jsonl}
service:
  telemetry:
    resource: {service.name: tributary-under-test}
    metrics:
      readers:
        - pull: {exporter: {prometheus: {host: 127.0.0.1, port: ${tel}}}}
        - periodic:
            interval: 500ms
            exporter: {otlp: {protocol: grpc, endpoint: "http://127.0.0.1:${grpc}"}}
  pipelines:
    metrics: {receivers: [otlp], processors: [batch], exporters: [file]}
`);
    try {
      for (let i = 0; i < 3; i++) {
        const res = await fetch(`http://127.0.0.1:${http}/v1/metrics`, { method: 'POST', body: encodeRequest(gaugeRequest('g', i)), headers: { 'content-type': 'application/x-protobuf' } });
        expect(res.status).toBe(200);
      }
      const bad = await fetch(`http://127.0.0.1:${http}/v1/metrics`, { method: 'POST', body: 'x', headers: { 'content-type': 'text/plain' } });
      expect(bad.status).toBe(415);

      const page = parsePromText(await (await fetch(`http://127.0.0.1:${tel}/metrics`)).text());
      expect(sampleValue(page, 'otelcol_receiver_accepted_metric_points_total', { receiver: 'otlp', transport: 'http' })).toBe(3);
      expect(sampleValue(page, 'otelcol_exporter_sent_metric_points_total', { exporter: 'file' })).toBeGreaterThanOrEqual(3);
      expect(sampleValue(page, 'tributary_receiver_requests_total', { receiver: 'otlp', transport: 'http', status: '415' })).toBe(1);
      expect(sampleValue(page, 'otelcol_processor_incoming_items_total', { processor: 'batch', pipeline: 'metrics' })).toBeGreaterThanOrEqual(3);
      expect(page.some((s) => s.name === 'otelcol_process_cpu_seconds_total')).toBe(true);

      // The periodic OTLP reader sends the same metrics to the gateway's own receiver.
      await waitUntil(async () => (await readFile(join(gw.dir, 'out.jsonl'), 'utf8')).includes('"otelcol_receiver_accepted_metric_points_total"'), 'self-metrics pushed over OTLP');
      const text = await readFile(join(gw.dir, 'out.jsonl'), 'utf8');
      expect(text).toContain('"stringValue":"tributary-under-test"');
    } finally {
      expect(await gw.stop(), gw.logs()).toBe(0);
    }
  });
});
