import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FaultProxy, startFaultProxy } from './kit/fault-proxy.js';
import { type GatewayProcess, startGateway } from './kit/gateway.js';
import { gaugeRequestOf, postOtlp } from './kit/otlp-send.js';
import { freePorts, waitUntil } from './kit/ports.js';
import { parsePromText, sampleValue } from './kit/prom-text.js';
import { type PrometheusPeer, startPrometheus } from './kit/prometheus.js';

/**
 * AMP-path faults against a real Prometheus behind a fault-injecting proxy:
 * 500 retried, 400 not retried and counted, 429 with Retry-After honoured,
 * 413 split and delivered, the receiver down for a minute under load.
 */

let prom: PrometheusPeer;
let proxy: FaultProxy;
let gw: GatewayProcess;
let otlpUrl: string;
let telUrl: string;

beforeAll(async () => {
  prom = await startPrometheus();
  proxy = await startFaultProxy(prom.url);
  const [http, tel] = await freePorts(2);
  otlpUrl = `http://127.0.0.1:${http}/v1/metrics`;
  telUrl = `http://127.0.0.1:${tel}/metrics`;
  gw = await startGateway(`
receivers:
  otlp: {protocols: {http: {endpoint: "127.0.0.1:${http}"}}}
exporters:
  prometheusremotewrite:
    endpoint: ${proxy.url}/api/v1/write
    remote_write_queue: {num_consumers: 2}
    retry_on_failure: {initial_interval: 100ms, max_interval: 1s, max_elapsed_time: 5m}
    target_info: {enabled: false}
service:
  telemetry: {metrics: {address: "127.0.0.1:${tel}"}}
  pipelines:
    metrics: {receivers: [otlp], exporters: [prometheusremotewrite]}
`);
});

afterAll(async () => {
  const code = await gw?.stop();
  await proxy?.close();
  await prom?.stop();
  expect(code).toBe(0);
});

async function gatewayMetric(name: string, labels: Record<string, string>): Promise<number> {
  return sampleValue(parsePromText(await (await fetch(telUrl)).text()), name, labels) ?? 0;
}

async function present(q: string, want: number): Promise<void> {
  let last: string | undefined;
  await waitUntil(async () => {
    const r = await prom.query(q);
    last = r[0]?.value?.[1];
    return r.length === 1 && Number(last) === want;
  }, `${q} == ${want} (last ${last})`, 30_000, 200);
}

/** Log entries from index `from` on, once the proxy has been quiet for a moment. */
async function settled(from: number): Promise<typeof proxy.log> {
  let n = -1;
  await waitUntil(async () => {
    const same = proxy.log.length === n;
    n = proxy.log.length;
    return same;
  }, 'the exporter to go quiet', 30_000, 700);
  return proxy.log.slice(from);
}

describe('remote-write faults', () => {
  it('retries 500 until delivered', async () => {
    const from = proxy.log.length;
    proxy.failNext(3, 500, {}, 'boom');
    expect(await postOtlp(otlpUrl, gaugeRequestOf([{ name: 'fault_500', value: 5, timeMs: Date.now() }]))).toBe(200);
    await present('fault_500', 5);
    const seen = await settled(from);
    expect(seen.map((e) => e.status).slice(0, 4)).toEqual([500, 500, 500, 204]);
    expect(await gatewayMetric('tributary_exporter_retries_total', { exporter: 'prometheusremotewrite', reason: 'http_500' })).toBeGreaterThanOrEqual(3);
  });

  it('does not retry 400, and counts what it dropped', async () => {
    const before = await gatewayMetric('otelcol_exporter_send_failed_metric_points_total', { exporter: 'prometheusremotewrite', reason: 'http_400' });
    const from = proxy.log.length;
    proxy.failNext(1, 400, {}, 'out of order sample');
    expect(await postOtlp(otlpUrl, gaugeRequestOf([{ name: 'fault_400', value: 1, timeMs: Date.now() }]))).toBe(200);
    const seen = await settled(from);
    expect(seen).toHaveLength(1);
    expect(seen[0].status).toBe(400);
    expect(await gatewayMetric('otelcol_exporter_send_failed_metric_points_total', { exporter: 'prometheusremotewrite', reason: 'http_400' })).toBe(before + 1);
    expect(await prom.query('fault_400')).toEqual([]);
  });

  it('waits at least as long as Retry-After says after a 429', async () => {
    const from = proxy.log.length;
    proxy.failNext(1, 429, { 'retry-after': '2' }, 'slow down');
    expect(await postOtlp(otlpUrl, gaugeRequestOf([{ name: 'fault_429', value: 9, timeMs: Date.now() }]))).toBe(200);
    await present('fault_429', 9);
    const seen = await settled(from);
    expect(seen[0].status).toBe(429);
    expect(seen[1].status).toBe(204);
    expect(seen[1].at - seen[0].at).toBeGreaterThanOrEqual(2000);
  });

  it('splits a request the receiver finds too large (413) and delivers every series', async () => {
    const now = Date.now();
    // Random attribute values, so the requests stay large after compression.
    const samples = Array.from({ length: 400 }, (_, i) => ({ name: 'fault_413', value: i, timeMs: now, attrs: { series: `s${i}`, id: randomBytes(24).toString('hex') } }));
    proxy.rejectLargerThan(4000);
    try {
      const from = proxy.log.length;
      expect(await postOtlp(otlpUrl, gaugeRequestOf(samples))).toBe(200);
      await present('count(fault_413)', 400);
      const seen = await settled(from);
      expect(seen.some((e) => e.status === 413)).toBe(true);
      expect(seen.filter((e) => e.status === 204).every((e) => e.bytes <= 4000)).toBe(true);
    } finally {
      proxy.rejectLargerThan(0);
    }
  });

  it('delivers everything, in order, after the receiver was down for a minute under load', async () => {
    const series = 20;
    const start = Date.now();
    let sent = 0;
    let t = start;
    await proxy.down();
    // About 65 s of load while the receiver is unreachable (bounded: at most 400 requests).
    for (let k = 0; k < 400 && Date.now() - start < 65_000; k++) {
      t = Date.now();
      const body = gaugeRequestOf(Array.from({ length: series }, (_, s) => ({ name: 'fault_down', value: k, timeMs: t, attrs: { series: `s${s}` } })));
      expect(await postOtlp(otlpUrl, body)).toBe(200);
      sent++;
      await new Promise((r) => setTimeout(r, 250));
    }
    const from = proxy.log.length;
    await proxy.up();
    await present(`count(count_over_time(fault_down[10m]) == ${sent})`, series);
    const seen = await settled(from);
    expect(seen.filter((e) => e.status >= 400)).toEqual([]);
    expect(await prom.selfMetric('prometheus_tsdb_out_of_order_samples_total')).toBe(0);
    // The last sample of every series is the last value sent.
    await present(`min(fault_down)`, sent - 1);
  }, 180_000);
});
