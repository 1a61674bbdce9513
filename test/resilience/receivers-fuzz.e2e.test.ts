import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { cbor, dateToTag } from '@smithy/core/cbor';
import { JsonMetricsSerializer, ProtobufMetricsSerializer } from '@opentelemetry/otlp-transformer';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { snappyCompress } from '../../src/exporters/helper/snappy.js';
import { PromType } from '../../src/model/prw/metadata.js';
import { signAwsRequest } from '../../src/test-kit/aws-sign.js';
import { agentQueryForm } from '../../src/test-kit/cloudwatch-agent.js';
import { collectSdkMetrics } from '../../src/test-kit/otel-sdk.js';
import { encodeV1, encodeV2, labelsOf } from '../../src/test-kit/prw-encode.js';
import { byteMutations, mutate, textMutations } from '../kit/fuzz.js';
import { type GatewayProcess, startGateway } from '../kit/gateway.js';
import { sized } from '../kit/long.js';
import { freePorts } from '../kit/ports.js';

/**
 * The HTTP-level pass of the decoder fuzzing: mutated bodies posted to the
 * built gateway's receivers (OTLP/HTTP protobuf and JSON, remote write 1.0
 * and 2.0, Influx line protocol, PutMetricData in its three protocols, the
 * last signed with a gateway-issued key so that the body reaches the
 * decoder) are answered 2xx or 4xx only, never 5xx or a dropped connection,
 * and after each kind the gateway still serves a valid request.
 */

const PER_KIND = sized(40, 1_000);
const KEY = { id: 'AKIAFUZZ0000000001', secret: 'fuzzsecretfuzzsecretfuzzsecret0000000001' };

let gw: GatewayProcess;
const ports: Record<string, number> = {};

beforeAll(async () => {
  const [otlp, rw, influx, pmd, tel] = await freePorts(5);
  Object.assign(ports, { otlp, rw, influx, pmd });
  gw = await startGateway(`
receivers:
  otlp: {protocols: {http: {endpoint: "127.0.0.1:${otlp}"}}}
  prometheusremotewrite: {endpoint: "127.0.0.1:${rw}"}
  influxdb: {endpoint: "127.0.0.1:${influx}"}
  putmetricdata:
    endpoint: "127.0.0.1:${pmd}"
    region: eu-west-1
    credentials:
      - access_key_id: ${KEY.id}
        secret_access_key: "${KEY.secret}"
        attributes: {site: fuzz}
exporters:
  file: {path: ./out.jsonl}
service:
  telemetry: {metrics: {address: "127.0.0.1:${tel}"}}
  pipelines:
    metrics: {receivers: [otlp, prometheusremotewrite, influxdb, putmetricdata], exporters: [file]}
`);
}, 60_000);

afterAll(async () => {
  expect(await gw?.stop()).toBe(0);
});

interface Kind {
  readonly name: string;
  readonly text: boolean;
  readonly seeds: () => Promise<Buffer[]>;
  /** The request to send for a body (already mutated); `valid` marks the liveness probe. */
  readonly send: (body: Buffer) => Promise<Response>;
}

const T = Date.now();
const series = [
  { labels: labelsOf({ __name__: 'fuzz_total', job: 'j', instance: 'i' }), samples: [{ value: 1, ts: T }], metadata: { type: PromType.COUNTER, help: 'h' } },
  { labels: labelsOf({ __name__: 'nh' }), histograms: [{ countInt: 3, sum: 2, schema: 0, positiveSpans: [[0, 1]] as [number, number][], positiveDeltas: [3], ts: T }] },
];

const post = (port: number, path: string, headers: Record<string, string>, body: Buffer): Promise<Response> =>
  fetch(`http://127.0.0.1:${port}${path}`, { method: 'POST', headers, body, signal: AbortSignal.timeout(30_000) });

async function signed(path: string, headers: Record<string, string>, body: Buffer): Promise<Response> {
  const url = `http://127.0.0.1:${ports.pmd}${path}`;
  const h = await signAwsRequest({ url, headers, body, accessKeyId: KEY.id, secretAccessKey: KEY.secret, region: 'eu-west-1' });
  return fetch(url, { method: 'POST', headers: h, body, signal: AbortSignal.timeout(30_000) });
}

const vectors = (): { url: string; headers: [string, string][]; body: string }[] =>
  (JSON.parse(readFileSync(join(import.meta.dirname, '..', '..', 'src', 'receivers', 'putmetricdata', 'testdata', 'botocore-vectors.json'), 'utf8')) as { vectors: { url: string; headers: [string, string][]; body: string }[] }).vectors;
const vectorBodies = (protocol: string): Buffer[] =>
  vectors()
    .filter((v) => (protocol === 'cbor' ? v.url.includes('/operation/') : v.headers.some(([k, x]) => k === 'Content-Type' && x.includes(protocol))))
    .map((v) => (v.headers.some(([k]) => k === 'Content-Encoding') ? gunzipSync(Buffer.from(v.body, 'base64')) : Buffer.from(v.body, 'base64')));
const CBOR_PATH = '/service/GraniteServiceVersion20100801/operation/PutMetricData';

const kinds: Kind[] = [
  {
    name: 'otlp protobuf',
    text: false,
    seeds: async () => [Buffer.from(ProtobufMetricsSerializer.serializeRequest(await collectSdkMetrics({ temporality: 'cumulative', runId: 'http-fuzz' }))!)],
    send: (b) => post(ports.otlp, '/v1/metrics', { 'content-type': 'application/x-protobuf' }, b),
  },
  {
    name: 'otlp json (gzip)',
    text: true,
    seeds: async () => [Buffer.from(JsonMetricsSerializer.serializeRequest(await collectSdkMetrics({ temporality: 'delta', runId: 'http-fuzz' }))!)],
    send: (b) => post(ports.otlp, '/v1/metrics', { 'content-type': 'application/json', 'content-encoding': 'gzip' }, gzipSync(b)),
  },
  {
    name: 'remote write 1.0',
    text: false,
    seeds: async () => [encodeV1(series)],
    send: (b) => post(ports.rw, '/api/v1/write', { 'content-type': 'application/x-protobuf', 'content-encoding': 'snappy', 'x-prometheus-remote-write-version': '0.1.0' }, snappyCompress(b)),
  },
  {
    name: 'remote write 2.0',
    text: false,
    seeds: async () => [encodeV2(series)],
    send: (b) =>
      post(ports.rw, '/api/v1/write', { 'content-type': 'application/x-protobuf;proto=io.prometheus.write.v2.Request', 'content-encoding': 'snappy', 'x-prometheus-remote-write-version': '2.0.0' }, snappyCompress(b)),
  },
  {
    name: 'remote write (raw snappy frame)',
    text: false,
    seeds: async () => [snappyCompress(encodeV1(series))],
    send: (b) => post(ports.rw, '/api/v1/write', { 'content-type': 'application/x-protobuf', 'content-encoding': 'snappy', 'x-prometheus-remote-write-version': '0.1.0' }, b),
  },
  {
    name: 'influx line protocol',
    text: true,
    seeds: async () => [Buffer.from(`cpu,host=a,region=eu usage=1.5,procs=3i,up=true ${T}000000\nmem,host=a free=2u,note="x y" ${T}000001\n`)],
    send: (b) => post(ports.influx, '/api/v2/write?bucket=b&org=o&precision=ns', { 'content-type': 'text/plain; charset=utf-8' }, b),
  },
  {
    name: 'putmetricdata query',
    text: true,
    seeds: async () => [Buffer.from(agentQueryForm(5, 3)), ...vectorBodies('x-www-form-urlencoded')],
    send: (b) => signed('/', { 'content-type': 'application/x-www-form-urlencoded; charset=utf-8' }, b),
  },
  {
    name: 'putmetricdata json',
    text: true,
    seeds: async () => [Buffer.from(JSON.stringify({ Namespace: 'Fuzz', MetricData: [{ MetricName: 'm', Value: 1, Timestamp: Math.floor(Date.now() / 1000), Dimensions: [{ Name: 'd', Value: 'v' }] }] })), ...vectorBodies('amz-json')],
    send: (b) => signed('/', { 'content-type': 'application/x-amz-json-1.0', 'x-amz-target': 'GraniteServiceVersion20100801.PutMetricData', 'x-amzn-query-mode': 'true' }, b),
  },
  {
    name: 'putmetricdata cbor',
    text: false,
    seeds: async () => [Buffer.from(cbor.serialize({ Namespace: 'Fuzz', MetricData: [{ MetricName: 'm', Value: 2, Timestamp: dateToTag(new Date()) }] })), ...vectorBodies('cbor')],
    send: (b) => signed(CBOR_PATH, { 'content-type': 'application/cbor', 'smithy-protocol': 'rpc-v2-cbor', accept: 'application/cbor' }, b),
  },
];

describe.each(kinds.map((k) => [k.name, k] as const))('%s receiver under fuzzed bodies', (_name, kind) => {
  it(`answers ${PER_KIND} mutated bodies with 2xx or 4xx only, then still serves a valid request`, async () => {
    const seeds = await kind.seeds();
    const valid = await kind.send(seeds[0]);
    expect(valid.status, await valid.text()).toBeLessThan(300);
    const samples = fc.sample(fc.tuple(fc.nat(), kind.text ? textMutations : byteMutations), { numRuns: PER_KIND });
    const statuses: Record<string, number> = {};
    for (const [seed, ms] of samples) {
      let status: string;
      try {
        const res = await kind.send(mutate(seeds[seed % seeds.length], ms));
        await res.arrayBuffer();
        status = String(res.status);
      } catch (err) {
        status = `network: ${(err as Error).message}`;
      }
      statuses[status] = (statuses[status] ?? 0) + 1;
    }
    console.log(`http fuzz ${kind.name}: ${PER_KIND} bodies, statuses ${JSON.stringify(statuses)}`);
    expect(Object.keys(statuses).filter((s) => !/^[24]\d\d$/.test(s))).toEqual([]);
    const after = await kind.send(seeds[0]);
    expect(after.status, await after.text()).toBeLessThan(300);
    expect(gw.proc.exitCode).toBeNull();
  }, sized(120_000, 900_000));
});
