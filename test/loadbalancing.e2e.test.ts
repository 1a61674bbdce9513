import type { Meter } from '@opentelemetry/api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type GatewayProcess, startGateway } from './kit/gateway.js';
import { freePorts, waitUntil } from './kit/ports.js';
import { type PromResult, type PrometheusPeer, startPrometheus } from './kit/prometheus.js';
import { sdkClient } from './kit/sdk-client.js';

/**
 * Two tiers, as in docs/loadbalancing.md: the OpenTelemetry JS SDK sends
 * DELTA sums and histograms for many streams to a first-tier gateway whose
 * loadbalancing exporter (routing_key: streamID, static resolver) spreads
 * them over three second-tier gateways (separate processes), each running
 * otlp -> deltatocumulative -> prometheusremotewrite into one real
 * Prometheus with its own `replica` external label.
 *
 * Delta -> cumulative is only right if every delta of a stream reaches the
 * same replica: a stream split over two replicas would show up twice in
 * Prometheus with partial totals. So: every stream is under exactly one
 * replica, every replica holds some, and each cumulative value equals the
 * sum of the deltas the SDK sent.
 */

const STREAMS = 200;
const ROUNDS = 4;
const REPLICAS = ['b1', 'b2', 'b3'];
const BOUNDS = [10, 100];

/** What the SDK adds in round r to stream i (counter) and records (histogram). */
const add = (i: number, r: number): number => (i % 7) + r + 1;
const observe = (i: number, r: number): number[] => [(i % 50) + r, 100 + i + r * 3];

let prom: PrometheusPeer;
const tier2: GatewayProcess[] = [];
let tier1: GatewayProcess;
let tier1Ep: string;
let tier1Telemetry: string;

beforeAll(async () => {
  prom = await startPrometheus();
  const ports = await freePorts(2 + 2 * REPLICAS.length);
  const backends: string[] = [];
  // One at a time: several Node processes starting at once on a busy machine take long to be ready.
  for (const [k, replica] of REPLICAS.entries()) {
    const ep = `127.0.0.1:${ports[2 + 2 * k]}`;
    backends.push(ep);
    const g = await startGateway(
      `
receivers:
  otlp: {protocols: {grpc: {endpoint: "${ep}"}}}
processors:
  deltatocumulative: {max_stale: 10m}
exporters:
  prometheusremotewrite:
    endpoint: "${prom.writeUrl}"
    external_labels: {replica: ${replica}}
service:
  telemetry: {metrics: {address: "127.0.0.1:${ports[3 + 2 * k]}"}}
  pipelines:
    metrics: {receivers: [otlp], processors: [deltatocumulative], exporters: [prometheusremotewrite]}
`,
      { readyTimeoutMs: 60_000 },
    );
    tier2.push(g);
  }
  tier1Ep = `127.0.0.1:${ports[0]}`;
  tier1Telemetry = `http://127.0.0.1:${ports[1]}/metrics`;
  tier1 = await startGateway(`
receivers:
  otlp: {protocols: {grpc: {endpoint: "${tier1Ep}"}}}
exporters:
  loadbalancing:
    routing_key: streamID
    protocol:
      otlp:
        tls: {insecure: true}
        timeout: 5s
        retry_on_failure: {initial_interval: 100ms, max_interval: 1s}
    resolver:
      static:
        hostnames: [${backends.map((b) => `"${b}"`).join(', ')}]
service:
  telemetry: {metrics: {address: "127.0.0.1:${ports[1]}"}}
  pipelines:
    metrics: {receivers: [otlp], exporters: [loadbalancing]}
`,
    { readyTimeoutMs: 60_000 },
  );
}, 300_000);

afterAll(async () => {
  const codes = await Promise.all([tier1?.stop(), ...tier2.map((g) => g.stop())]);
  await prom?.stop();
  expect(codes.filter((c) => c !== undefined && c !== 0)).toEqual([]);
});

async function sendDeltas(): Promise<void> {
  const client = sdkClient({ protocol: 'grpc', endpoint: tier1Ep, temporality: 'delta', runId: 'lb' });
  const meter: Meter = client.provider.getMeter('tributary.e2e.lb', '1.0.0');
  const counter = meter.createCounter('lb.requests');
  const histogram = meter.createHistogram('lb.latency', { unit: 'ms', advice: { explicitBucketBoundaries: BOUNDS } });
  for (let r = 0; r < ROUNDS; r++) {
    for (let i = 0; i < STREAMS; i++) {
      const attrs = { stream: `s${i}` };
      counter.add(add(i, r), attrs);
      for (const v of observe(i, r)) histogram.record(v, attrs);
    }
    // The SDK's times have millisecond precision: collect a little after the measurements.
    await new Promise((res) => setTimeout(res, 20));
    await client.flush();
    if (r + 1 < ROUNDS) await new Promise((res) => setTimeout(res, 1100));
  }
  await client.shutdown();
  const failed = client.tee.exported.filter((e) => !e.ok).map((e) => e.error?.message);
  expect(failed).toEqual([]);
  expect(client.tee.exported).toHaveLength(ROUNDS);
}

/** stream -> replica -> value, from an instant vector. */
function byStream(rs: PromResult[]): Map<string, Map<string, number>> {
  const out = new Map<string, Map<string, number>>();
  for (const r of rs) {
    const per = out.get(r.metric.stream) ?? new Map<string, number>();
    per.set(r.metric.replica, Number(r.value![1]));
    out.set(r.metric.stream, per);
  }
  return out;
}

const expectedTotal = (i: number): number => Array.from({ length: ROUNDS }, (_, r) => add(i, r)).reduce((a, b) => a + b, 0);
const expectedSum = (i: number): number => Array.from({ length: ROUNDS }, (_, r) => observe(i, r)).flat().reduce((a, b) => a + b, 0);
const expectedCount = ROUNDS * 2;

describe('loadbalancing: delta streams over three deltatocumulative replicas', () => {
  beforeAll(sendDeltas, 60_000);

  /** Waits until every stream's value of `metric` is what `expected` says, then returns the vector (or fails with the mismatches). */
  async function settled(metric: string, expected: (i: number) => number): Promise<Map<string, Map<string, number>>> {
    let seen = new Map<string, Map<string, number>>();
    const mismatches = (): string[] => {
      const bad: string[] = [];
      for (let i = 0; i < STREAMS; i++) {
        const per = seen.get(`s${i}`);
        const vals = per === undefined ? [] : [...per.values()];
        if (vals.length !== 1 || vals[0] !== expected(i)) bad.push(`s${i}: ${JSON.stringify(per === undefined ? {} : Object.fromEntries(per))} (want ${expected(i)})`);
      }
      return bad;
    };
    try {
      await waitUntil(async () => {
        seen = byStream(await prom.query(`${metric}{instance="lb"}`));
        return mismatches().length === 0;
      }, `all ${STREAMS} streams of ${metric} to hold their totals`, 60_000, 500);
    } catch (err) {
      const telemetry = await (await fetch(tier1Telemetry)).text().catch(() => '');
      const lb = telemetry.split('\n').filter((l) => l.startsWith('otelcol_loadbalancer') || l.startsWith('tributary_loadbalancer')).join('\n');
      throw new Error(`${(err as Error).message}; ${mismatches().slice(0, 5).join('; ')}\nfirst tier:\n${lb}`);
    }
    return seen;
  }

  it('puts every counter stream on exactly one replica, with the sum of its deltas', async () => {
    const seen = await settled('lb_requests_total', expectedTotal);
    expect(seen.size).toBe(STREAMS);
    const perReplica = new Map<string, number>();
    for (const per of seen.values()) {
      expect(per.size).toBe(1);
      const [replica] = per.keys();
      perReplica.set(replica, (perReplica.get(replica) ?? 0) + 1);
    }
    // Spread over all three replicas, each holding a real share.
    expect([...perReplica.keys()].sort()).toEqual(REPLICAS);
    for (const n of perReplica.values()) expect(n).toBeGreaterThan(STREAMS / 10);
  }, 120_000);

  it('puts every histogram stream on exactly one replica, with exact count and sum', async () => {
    const counts = await settled('lb_latency_milliseconds_count', () => expectedCount);
    const sums = await settled('lb_latency_milliseconds_sum', expectedSum);
    const counters = byStream(await prom.query('lb_requests_total{instance="lb"}'));
    for (let i = 0; i < STREAMS; i++) {
      const s = `s${i}`;
      // A stream's counter and histogram share their attributes but not their stream identity; each is on one replica.
      expect([...counts.get(s)!.keys()]).toEqual([...sums.get(s)!.keys()]);
      expect(counters.get(s)!.size).toBe(1);
    }
    const buckets = byStream(await prom.query('lb_latency_milliseconds_bucket{instance="lb", le="10"}'));
    for (let i = 0; i < STREAMS; i++) {
      const want = Array.from({ length: ROUNDS }, (_, r) => observe(i, r)).flat().filter((v) => v <= 10).length;
      expect([...buckets.get(`s${i}`)!.values()]).toEqual([want]);
    }
  }, 180_000);

  it('counts per-backend delivery and the ring in its self-metrics', async () => {
    const text = await (await fetch(tier1Telemetry)).text();
    expect(text).toMatch(/otelcol_loadbalancer_num_backends\{resolver="static"\} 3/);
    const sent = text.split('\n').filter((l) => l.startsWith('tributary_loadbalancer_backend_metric_points_total') && l.includes('outcome="sent"'));
    expect(sent).toHaveLength(3);
    const total = sent.reduce((a, l) => a + Number(l.split(' ').pop()), 0);
    expect(total).toBe(STREAMS * 2 * ROUNDS);
    expect(text).not.toMatch(/tributary_loadbalancer_backend_metric_points_total\{[^}]*outcome="failed"\} [1-9]/);
  });
});
