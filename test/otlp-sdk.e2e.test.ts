import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { JsonMetricsSerializer } from '@opentelemetry/otlp-transformer';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EXPECTED, recordStandardMeasurements } from '../src/test-kit/otel-sdk.js';
import { normaliseOtlpJson } from '../src/test-kit/otlp-json.js';
import { type GatewayProcess, startGateway } from './kit/gateway.js';
import { freePorts, waitUntil } from './kit/ports.js';
import { parsePromText, sampleValue } from './kit/prom-text.js';
import { type SdkProtocol, sdkClient } from './kit/sdk-client.js';

/**
 * Core acceptance: the OpenTelemetry JS SDK, through each of its OTLP
 * exporters, sends every instrument kind with resource and scope attributes,
 * cumulative and delta; everything arrives at the file exporter intact, and
 * the prometheus exporter's page shows the expected names, labels, values.
 */

let gw: GatewayProcess;
let grpcEp: string;
let httpEp: string;
let promUrl: string;
let outFile: string;

beforeAll(async () => {
  const [g, h, p, hc, t] = await freePorts(5);
  grpcEp = `127.0.0.1:${g}`;
  httpEp = `127.0.0.1:${h}`;
  promUrl = `http://127.0.0.1:${p}/metrics`;
  gw = await startGateway(
    `
receivers:
  otlp:
    protocols:
      grpc: {endpoint: "${grpcEp}"}
      http: {endpoint: "${httpEp}"}
processors:
  batch: {timeout: 50ms}
exporters:
  file: {path: ./out.jsonl}
  prometheus: {endpoint: "127.0.0.1:${p}"}
extensions:
  health_check: {endpoint: "127.0.0.1:${hc}"}
service:
  extensions: [health_check]
  telemetry: {metrics: {address: "127.0.0.1:${t}"}}
  pipelines:
    metrics: {receivers: [otlp], processors: [batch], exporters: [file, prometheus]}
`,
    { readyUrl: `http://127.0.0.1:${hc}/` },
  );
  outFile = join(gw.dir, 'out.jsonl');
});

afterAll(async () => {
  expect(await gw?.stop()).toBe(0);
});

/** Every resourceMetrics the file exporter wrote for one run. */
async function arrived(runId: string): Promise<unknown[]> {
  const text = await readFile(outFile, 'utf8').catch(() => '');
  const out: unknown[] = [];
  for (const line of text.split('\n')) {
    if (line === '') continue;
    for (const rm of JSON.parse(line).resourceMetrics as { resource?: { attributes?: { key: string; value: { stringValue?: string } }[] } }[]) {
      if (rm.resource?.attributes?.some((a) => a.key === 'run.id' && a.value.stringValue === runId)) out.push(rm);
    }
  }
  return out;
}


const protocols: SdkProtocol[] = ['grpc', 'http/protobuf', 'http/json'];
const combos = protocols.flatMap((p) => (['cumulative', 'delta'] as const).map((t) => [p, t] as const));

describe.each(combos)('OpenTelemetry SDK over %s, %s temporality', (protocol, temporality) => {
  const runId = `${protocol.replace('/', '-')}-${temporality}`;

  it('arrives at the file exporter with every field intact', async () => {
    const client = sdkClient({ protocol, endpoint: protocol === 'grpc' ? grpcEp : httpEp, temporality, runId });
    recordStandardMeasurements(client.provider);
    await client.flush();
    await client.shutdown();
    expect(client.tee.exported.length).toBeGreaterThan(0);
    expect(client.tee.exported.every((e) => e.ok), String(client.tee.exported.find((e) => !e.ok)?.error)).toBe(true);

    // The SDK may export more than once (forceFlush, then shutdown): compare with all it sent.
    const sent = client.tee.exported.flatMap((e) => JSON.parse(new TextDecoder().decode(JsonMetricsSerializer.serializeRequest(e.metrics))).resourceMetrics);
    await waitUntil(async () => (await arrived(runId)).length >= sent.length, `run ${runId} in the file exporter's output`);
    expect(normaliseOtlpJson({ resourceMetrics: await arrived(runId) })).toEqual(normaliseOtlpJson({ resourceMetrics: sent }));
  });

  it('shows the expected names, labels and values on the prometheus page', async () => {
    const samples = parsePromText(await (await fetch(promUrl)).text());
    const base = { job: 'shop/checkout', instance: runId, otel_scope_name: 'tributary.test', otel_scope_version: '1.2.3' };
    expect(sampleValue(samples, 'http_server_requests_total', { ...base, http_route: '/cart', http_method: 'GET' })).toBe(EXPECTED.requestsCart);
    expect(sampleValue(samples, 'http_server_requests_total', { ...base, http_route: '/pay', http_method: 'POST' })).toBe(EXPECTED.requestsPay);
    expect(sampleValue(samples, 'io_bytes_total', { ...base, direction: 'in' })).toBe(EXPECTED.bytesIn);
    expect(sampleValue(samples, 'sessions_active', { ...base, tier: 'gold' })).toBe(EXPECTED.sessionsGold);
    expect(sampleValue(samples, 'room_temperature_celsius', { ...base, room: 'lab' })).toBe(EXPECTED.temperatureLab);
    const h = { ...base, http_route: '/cart' };
    expect([10, 50, 100, 500].map((le) => sampleValue(samples, 'http_server_duration_milliseconds_bucket', { ...h, le: String(le) }))).toEqual([1, 3, 4, 4]);
    expect(sampleValue(samples, 'http_server_duration_milliseconds_bucket', { ...h, le: '+Inf' })).toBe(EXPECTED.durationCount);
    expect(sampleValue(samples, 'http_server_duration_milliseconds_sum', h)).toBe(EXPECTED.durationSum);
    expect(sampleValue(samples, 'http_server_duration_milliseconds_count', h)).toBe(EXPECTED.durationCount);
    expect(sampleValue(samples, 'payload_size_bytes_count', { ...base, kind: 'upload' })).toBe(EXPECTED.sizeCount);
    expect(sampleValue(samples, 'payload_size_bytes_sum', { ...base, kind: 'upload' })).toBe(EXPECTED.sizeSum);
    expect(
      sampleValue(samples, 'target_info', { job: 'shop/checkout', instance: runId, deployment_environment: 'test', host_cpu_count: '8', run_id: runId }),
    ).toBe(1);
  });
});

describe('delta temporality accumulates on the prometheus page', () => {
  it('adds a second export to the first', async () => {
    const runId = 'delta-twice';
    const client = sdkClient({ protocol: 'grpc', endpoint: grpcEp, temporality: 'delta', runId });
    recordStandardMeasurements(client.provider);
    await client.flush();
    recordStandardMeasurements(client.provider);
    await client.flush();
    await client.shutdown();
    await waitUntil(async () => {
      const s = parsePromText(await (await fetch(promUrl)).text());
      return sampleValue(s, 'http_server_requests_total', { instance: runId, http_route: '/cart' }) === 2 * EXPECTED.requestsCart;
    }, 'the delta counter to add up');
    const s = parsePromText(await (await fetch(promUrl)).text());
    expect(sampleValue(s, 'http_server_duration_milliseconds_count', { instance: runId })).toBe(2 * EXPECTED.durationCount);
    expect(sampleValue(s, 'payload_size_bytes_count', { instance: runId })).toBe(2 * EXPECTED.sizeCount);
  });
});
