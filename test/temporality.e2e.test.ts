import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Meter } from '@opentelemetry/api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeOtlpJson } from '../src/model/otlp/decode-json.js';
import { type PointOut, readPoints } from '../src/test-kit/temporality.js';
import { type GatewayProcess, startGateway } from './kit/gateway.js';
import { freePorts, waitUntil } from './kit/ports.js';
import { type PrometheusPeer, startPrometheus } from './kit/prometheus.js';
import { sdkClient } from './kit/sdk-client.js';

/**
 * The temporality processors against real clients and a real Prometheus:
 *
 * - OpenTelemetry SDK with delta temporality -> deltatocumulative -> remote
 *   write -> Prometheus: the counter and the histogram are cumulative series
 *   whose increase() over the samples equals what the client added after the
 *   first sample, and whose last value is all it added. The same data at a
 *   file exporter (which, unlike the remote-write exporter, converts
 *   nothing itself) is cumulative, starts where the first delta started and
 *   carries the running totals.
 * - SDK with cumulative temporality -> cumulativetodelta -> file exporter:
 *   each export becomes exactly what was added in that round.
 */

let gw: GatewayProcess;
let prom: PrometheusPeer;
let d2cEp: string;
let c2dEp: string;
let telemetry: string;

beforeAll(async () => {
  prom = await startPrometheus();
  const [a, b, t] = await freePorts(3);
  d2cEp = `127.0.0.1:${a}`;
  c2dEp = `127.0.0.1:${b}`;
  telemetry = `http://127.0.0.1:${t}/metrics`;
  gw = await startGateway(`
receivers:
  otlp/delta: {protocols: {grpc: {endpoint: "${d2cEp}"}}}
  otlp/cumulative: {protocols: {grpc: {endpoint: "${c2dEp}"}}}
processors:
  deltatocumulative: {max_stale: 10m}
  cumulativetodelta: {}
exporters:
  prometheusremotewrite: {endpoint: "${prom.writeUrl}"}
  file/cumulative: {path: ./cumulative.jsonl}
  file/delta: {path: ./delta.jsonl}
service:
  telemetry: {metrics: {address: "127.0.0.1:${t}"}}
  pipelines:
    metrics/d2c: {receivers: [otlp/delta], processors: [deltatocumulative], exporters: [prometheusremotewrite, file/cumulative]}
    metrics/c2d: {receivers: [otlp/cumulative], processors: [cumulativetodelta], exporters: [file/delta]}
`);
});

afterAll(async () => {
  const code = await gw?.stop();
  await prom?.stop();
  expect(code).toBe(0);
});

/** What the client records, round by round: counter increments and histogram values (bounds 10, 100). */
const COUNTER_ADDS = [0, 5, 7, 11];
const HISTOGRAM_VALUES = [[], [5, 50], [500], [1, 20, 300]];
const BOUNDS = [10, 100];

async function runClient(temporality: 'delta' | 'cumulative', endpoint: string, runId: string): Promise<void> {
  const client = sdkClient({ protocol: 'grpc', endpoint, temporality, runId });
  const meter: Meter = client.provider.getMeter('tributary.e2e', '1.0.0');
  const counter = meter.createCounter('jobs.done', { unit: '{job}' });
  const histogram = meter.createHistogram('job.duration', { unit: 'ms', advice: { explicitBucketBoundaries: BOUNDS } });
  for (let r = 0; r < COUNTER_ADDS.length; r++) {
    counter.add(COUNTER_ADDS[r], { queue: 'q1' });
    for (const v of HISTOGRAM_VALUES[r]) histogram.record(v, { queue: 'q1' });
    // The JS SDK's times have millisecond precision: collect a little later than the first
    // measurement, or a new stream's start equals its time and initial_value auto holds it back.
    await new Promise((res) => setTimeout(res, 20));
    await client.flush();
    // Later timestamps (Prometheus keeps milliseconds) and a new SDK interval.
    if (r + 1 < COUNTER_ADDS.length) await new Promise((res) => setTimeout(res, 1100));
  }
  // Shutting down exports once more: nothing new for delta, the same totals again for cumulative.
  await client.shutdown();
  expect(client.tee.exported.every((e) => e.ok)).toBe(true);
  expect(client.tee.exported).toHaveLength(COUNTER_ADDS.length + (temporality === 'cumulative' ? 1 : 0));
}

const sum = (xs: number[]): number => xs.reduce((a, b) => a + b, 0);
const histCounts = (r: number): number => HISTOGRAM_VALUES[r].length;
const bucketOf = (v: number): number => BOUNDS.filter((b) => v > b).length;

/** The points of one metric and run, in file order, from a file exporter's output. */
async function filePoints(file: string, metric: string, runId: string): Promise<PointOut[]> {
  const text = await readFile(join(gw.dir, file), 'utf8').catch(() => '');
  const out: PointOut[] = [];
  for (const line of text.split('\n')) {
    if (line === '') continue;
    const batch = decodeOtlpJson(line).batch;
    batch.resourceMetrics = batch.resourceMetrics.filter((rm) => rm.resource.attributes.get('run.id') === runId);
    out.push(...readPoints(batch).filter((p) => p.metric === metric));
  }
  return out;
}

/** Adds to a failure what the gateway dropped, and why (its self-metrics). */
async function explained(wait: Promise<void>): Promise<void> {
  try {
    await wait;
  } catch (err) {
    const text = await (await fetch(telemetry)).text().catch(() => '');
    const drops = text.split('\n').filter((l) => l.startsWith('tributary_dropped_metric_points_total'));
    throw new Error(`${(err as Error).message}; the gateway dropped: ${drops.join('; ') || 'nothing'}`);
  }
}

/** All samples of a series, as [ms, value]. */
async function samples(selector: string): Promise<[number, number][]> {
  const res = await fetch(`${prom.url}/api/v1/query?query=${encodeURIComponent(`${selector}[1h]`)}`);
  const body = (await res.json()) as { data: { result: { values: [number, string][] }[] } };
  const series = body.data.result;
  if (series.length !== 1) return [];
  return series[0].values.map(([t, v]) => [Math.round(t * 1000), Number(v)]);
}

async function instant(q: string): Promise<number> {
  const res = await fetch(`${prom.url}/api/v1/query?query=${encodeURIComponent(q)}`);
  const body = (await res.json()) as { status: string; data: { result: { value: [number, string] }[] }; error?: string };
  if (body.status !== 'success' || body.data.result.length !== 1) throw new Error(`${q}: ${JSON.stringify(body)}`);
  return Number(body.data.result[0].value[1]);
}

/**
 * increase() over exactly the samples held: the range runs from the first
 * sample to the last, evaluated at the last, so Prometheus extrapolates
 * nothing (both ends of a range are inclusive in Prometheus 2).
 */
async function increaseOverSamples(selector: string, n: number): Promise<{ increase: number; last: number }> {
  let s: [number, number][] = [];
  await waitUntil(async () => (s = await samples(selector)).length === n, `${n} samples of ${selector} (have ${s.length})`, 30_000, 250);
  const first = s[0][0];
  const last = s[n - 1][0];
  const increase = await instant(`increase(${selector}[${last - first}ms] @ ${(last / 1000).toFixed(3)})`);
  return { increase, last: s[n - 1][1] };
}

describe('delta SDK -> deltatocumulative', () => {
  const runId = 'd2c';
  beforeAll(async () => {
    await runClient('delta', d2cEp, runId);
  });

  it('becomes cumulative series in Prometheus whose increase() is what the client added', async () => {
    const sel = (name: string, extra = '') => `${name}{instance="${runId}",queue="q1"${extra}}`;
    // Four exports; the first added 0, so the increase over all samples is all that was added.
    const counter = await increaseOverSamples(sel('jobs_done_total'), 4);
    expect(counter).toEqual({ increase: sum(COUNTER_ADDS), last: sum(COUNTER_ADDS) });
    // The histogram has three exports (none in the round that recorded nothing): the increase
    // over its samples is what rounds 2 and 3 added; its last value is everything.
    const count = await increaseOverSamples(sel('job_duration_milliseconds_count'), 3);
    expect(count).toEqual({ increase: histCounts(2) + histCounts(3), last: histCounts(1) + histCounts(2) + histCounts(3) });
    const total = await increaseOverSamples(sel('job_duration_milliseconds_sum'), 3);
    expect(total).toEqual({ increase: sum(HISTOGRAM_VALUES[2]) + sum(HISTOGRAM_VALUES[3]), last: sum(HISTOGRAM_VALUES.flat()) });
    const le10 = await increaseOverSamples(sel('job_duration_milliseconds_bucket', ',le="10"'), 3);
    expect(le10.last).toBe(HISTOGRAM_VALUES.flat().filter((v) => v <= 10).length);
  });

  it('is cumulative at a file exporter too: one start, running totals', async () => {
    let counter: PointOut[] = [];
    await explained(waitUntil(async () => (counter = await filePoints('cumulative.jsonl', 'jobs.done', runId)).length === 4, 'four counter points in the file'));
    expect(counter.map((p) => p.temporality)).toEqual(['cumulative', 'cumulative', 'cumulative', 'cumulative']);
    expect(counter.map((p) => p.value)).toEqual([0, 5, 12, 23]);
    expect(new Set(counter.map((p) => p.start)).size).toBe(1);
    expect(counter[0].start).toBeLessThanOrEqual(counter[0].time);

    let hist: PointOut[] = [];
    await explained(waitUntil(async () => (hist = await filePoints('cumulative.jsonl', 'job.duration', runId)).length === 3, 'three histogram points in the file'));
    expect(hist.map((p) => p.temporality)).toEqual(['cumulative', 'cumulative', 'cumulative']);
    expect(hist.map((p) => p.count)).toEqual([2, 3, 6]);
    expect(hist.map((p) => p.sum)).toEqual([55, 555, 876]);
    const buckets = (upTo: number): number[] => {
      const b = [0, 0, 0];
      for (let r = 1; r <= upTo; r++) for (const v of HISTOGRAM_VALUES[r]) b[bucketOf(v)]++;
      return b;
    };
    expect(hist.map((p) => p.counts)).toEqual([buckets(1), buckets(2), buckets(3)]);
    expect(hist.map((p) => [p.min, p.max])).toEqual([
      [5, 50],
      [5, 500],
      [1, 500],
    ]);
    expect(new Set(hist.map((p) => p.start)).size).toBe(1);
  });
});

describe('cumulative SDK -> cumulativetodelta -> file', () => {
  const runId = 'c2d';
  beforeAll(async () => {
    await runClient('cumulative', c2dEp, runId);
  });

  it('each export becomes what was added in its round, starting where the previous one ended', async () => {
    // The export at shutdown repeats the last totals: a delta of nothing.
    let counter: PointOut[] = [];
    await explained(waitUntil(async () => (counter = await filePoints('delta.jsonl', 'jobs.done', runId)).length === 5, 'five counter points in the file'));
    expect(counter.map((p) => p.temporality)).toEqual(['delta', 'delta', 'delta', 'delta', 'delta']);
    // The SDK's counter started after the processor did, so initial_value auto sends the first point too.
    expect(counter.map((p) => p.value)).toEqual([...COUNTER_ADDS, 0]);
    for (let i = 1; i < counter.length; i++) expect(counter[i].start).toBe(counter[i - 1].time);

    let hist: PointOut[] = [];
    await explained(waitUntil(async () => (hist = await filePoints('delta.jsonl', 'job.duration', runId)).length === 4, 'four histogram points in the file'));
    expect(hist.map((p) => p.temporality)).toEqual(['delta', 'delta', 'delta', 'delta']);
    expect(hist.map((p) => p.count)).toEqual([histCounts(1), histCounts(2), histCounts(3), 0]);
    expect(hist.map((p) => p.sum)).toEqual([sum(HISTOGRAM_VALUES[1]), sum(HISTOGRAM_VALUES[2]), sum(HISTOGRAM_VALUES[3]), 0]);
    const buckets = (r: number): number[] => {
      const b = [0, 0, 0];
      for (const v of HISTOGRAM_VALUES[r] ?? []) b[bucketOf(v)]++;
      return b;
    };
    expect(hist.map((p) => p.counts)).toEqual([buckets(1), buckets(2), buckets(3), buckets(4)]);
    for (let i = 1; i < hist.length; i++) expect(hist[i].start).toBe(hist[i - 1].time);
  });
});
