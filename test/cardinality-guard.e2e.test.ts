import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeOtlpJson } from '../src/model/otlp/decode-json.js';
import { readPoints } from '../src/test-kit/temporality.js';
import { type GatewayProcess, startGateway } from './kit/gateway.js';
import { freePorts, waitUntil } from './kit/ports.js';
import { parsePromText, sampleValue } from './kit/prom-text.js';
import { sdkClient } from './kit/sdk-client.js';

/**
 * cardinality_guard in the built gateway, with OpenTelemetry SDK clients as
 * two tenants (told apart by their run.id resource attribute): tenant A
 * grows past its limit and loses only its new series; its known series keep
 * flowing, and tenant B, as large as A, is untouched. The drops are counted
 * for A alone and logged once, naming A and the metric that grew.
 */

const LIMIT_A = 5;
let gw: GatewayProcess;
let ep: string;
let telemetry: string;

beforeAll(async () => {
  const [g, t] = await freePorts(2);
  ep = `127.0.0.1:${g}`;
  telemetry = `http://127.0.0.1:${t}/metrics`;
  gw = await startGateway(`
receivers:
  otlp: {protocols: {grpc: {endpoint: "${ep}"}}}
processors:
  cardinality_guard: {tenant_key: run.id, max_series: 100, per_tenant: {A: ${LIMIT_A}}, window: 1h}
exporters:
  file: {path: ./out.jsonl}
service:
  telemetry: {metrics: {address: "127.0.0.1:${t}"}}
  pipelines:
    metrics: {receivers: [otlp], processors: [cardinality_guard], exporters: [file]}
`);
});

afterAll(async () => {
  expect(await gw?.stop()).toBe(0);
});

/** Sends two rounds: `first` series of http.requests, then those and `more` new ones. */
async function tenant(runId: string, first: number, more: number): Promise<void> {
  const client = sdkClient({ protocol: 'grpc', endpoint: ep, temporality: 'cumulative', runId });
  const counter = client.provider.getMeter('guard.e2e').createCounter('http.requests');
  for (let s = 1; s <= first; s++) counter.add(1, { path: `/p${s}` });
  await client.flush();
  for (let s = 1; s <= first + more; s++) counter.add(1, { path: `/p${s}` });
  await client.flush();
  await client.shutdown();
  expect(client.tee.exported.every((e) => e.ok)).toBe(true);
}

/** For one tenant, the series (path) of each point that arrived, in order. */
async function arrived(runId: string): Promise<{ path: string; value: number }[]> {
  const text = await readFile(join(gw.dir, 'out.jsonl'), 'utf8').catch(() => '');
  const out: { path: string; value: number }[] = [];
  for (const line of text.split('\n')) {
    if (line === '') continue;
    const batch = decodeOtlpJson(line).batch;
    batch.resourceMetrics = batch.resourceMetrics.filter((rm) => rm.resource.attributes.get('run.id') === runId);
    for (const p of readPoints(batch)) if (p.metric === 'http.requests') out.push({ path: String(p.attrs.path), value: p.value! });
  }
  return out;
}

describe('cardinality_guard', () => {
  beforeAll(async () => {
    await Promise.all([tenant('A', LIMIT_A, 3), tenant('B', LIMIT_A, 3)]);
  });

  it('tenant A over its limit loses only its new series; its known series keep flowing', async () => {
    // Three exports: round 1, round 2, and the one at shutdown (cumulative: the same totals again).
    const known = Array.from({ length: LIMIT_A }, (_, i) => `/p${i + 1}`);
    let a: { path: string; value: number }[] = [];
    await waitUntil(async () => (a = await arrived('A')).length >= 3 * LIMIT_A, `tenant A's points in the file (have ${a.length})`);
    expect(new Set(a.map((p) => p.path))).toEqual(new Set(known));
    expect(a.filter((p) => p.path === '/p1').map((p) => p.value)).toEqual([1, 2, 2]);
    expect(a).toHaveLength(3 * LIMIT_A);
  });

  it('tenant B, with as many series but its own limit, is untouched', async () => {
    let b: { path: string; value: number }[] = [];
    await waitUntil(async () => (b = await arrived('B')).length >= LIMIT_A + 2 * (LIMIT_A + 3), `tenant B's points in the file (have ${b.length})`);
    expect(new Set(b.map((p) => p.path)).size).toBe(LIMIT_A + 3);
    expect(b).toHaveLength(LIMIT_A + 2 * (LIMIT_A + 3));
  });

  it('counts the drops for A only, and logs A with the metric that grew', async () => {
    const scrape = async () => parsePromText(await (await fetch(telemetry)).text());
    // The series gauges are refreshed at most once a second.
    let families = await scrape();
    await waitUntil(async () => sampleValue((families = await scrape()), 'tributary_cardinality_guard_series', { tenant: 'B' }) === LIMIT_A + 3, 'the series gauge of B');
    expect(sampleValue(families, 'tributary_cardinality_guard_series', { tenant: 'A' })).toBe(LIMIT_A);
    // 3 new series, each refused in round 2 and again at shutdown.
    expect(sampleValue(families, 'tributary_cardinality_guard_dropped_points_total', { tenant: 'A' })).toBe(6);
    expect(sampleValue(families, 'tributary_cardinality_guard_dropped_points_total', { tenant: 'B' })).toBeUndefined();
    const logged = gw.logs().split('\n').filter((l) => l.includes('is at its limit'));
    expect(logged).toHaveLength(1);
    expect(JSON.parse(logged[0])).toMatchObject({ level: 'warn', tenant: 'A', max_series: LIMIT_A, dropped_points: 3, top_metrics: { 'http.requests': 3 } });
  });
});
