import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EXPECTED } from '../src/test-kit/otel-sdk.js';
import { type GatewayProcess, startGateway } from './kit/gateway.js';
import { freePorts, waitUntil } from './kit/ports.js';
import { type PrometheusPeer, type PromResult, startPrometheus } from './kit/prometheus.js';
import { sendStandardOnce } from './kit/sdk-client.js';

/**
 * Processors against a real Prometheus: OpenTelemetry SDK -> OTLP (gRPC and
 * HTTP, include_metadata) -> attributes (a request header and a static
 * `gateway` dimension), resource, two filters (legacy names, OTTL data
 * points), metricstransform (rename) -> batch -> remote write.
 */

let prom: PrometheusPeer;
let gw: GatewayProcess;
let grpcEp: string;
let httpEp: string;

beforeAll(async () => {
  prom = await startPrometheus();
  const [g, h, tel] = await freePorts(3);
  grpcEp = `127.0.0.1:${g}`;
  httpEp = `127.0.0.1:${h}`;
  gw = await startGateway(`
receivers:
  otlp:
    protocols:
      grpc: {endpoint: "${grpcEp}", include_metadata: true}
      http: {endpoint: "${httpEp}", include_metadata: true}
processors:
  attributes:
    actions:
      - {key: tenant, from_context: metadata.x-tenant, action: upsert}
      - {key: gateway, value: gw-e2e, action: insert}
  resource:
    attributes:
      - {key: site, from_context: x-site, action: upsert}
  filter/names:
    metrics:
      exclude: {match_type: strict, metric_names: [room.temperature]}
  filter/points:
    metrics:
      datapoint: ['attributes["http.route"] == "/pay"']
  metricstransform:
    transforms:
      - {include: io.bytes, action: update, new_name: io.transferred}
  batch: {timeout: 50ms}
exporters:
  prometheusremotewrite:
    endpoint: ${prom.writeUrl}
service:
  telemetry: {metrics: {address: "127.0.0.1:${tel}"}}
  pipelines:
    metrics:
      receivers: [otlp]
      processors: [attributes, resource, filter/names, filter/points, metricstransform, batch]
      exporters: [prometheusremotewrite]
`);
});

afterAll(async () => {
  const code = await gw?.stop();
  await prom?.stop();
  expect(code).toBe(0);
});

function send(protocol: 'grpc' | 'http/protobuf', runId: string, headers: Record<string, string>): Promise<void> {
  return sendStandardOnce({ protocol, endpoint: protocol === 'grpc' ? grpcEp : httpEp, temporality: 'cumulative', runId, headers });
}

function value(r: PromResult[]): number | undefined {
  return r.length === 1 ? Number(r[0].value?.[1]) : undefined;
}

async function expectValue(q: string, want: number): Promise<void> {
  let last: number | undefined;
  await waitUntil(async () => (last = value(await prom.query(q))) === want, `${q} == ${want} (last: ${last})`, 20_000, 250);
}

describe.each(['grpc', 'http/protobuf'] as const)('processors over %s -> Prometheus', (protocol) => {
  const run = `proc-${protocol.replace('/', '-')}`;
  const bare = `${run}-bare`;

  beforeAll(async () => {
    await send(protocol, run, { 'x-tenant': 'acme', 'x-site': 'paris' });
    await send(protocol, bare, {});
  });

  it('adds the request header and the static gateway dimension as labels', async () => {
    await expectValue(`http_server_requests_total{instance="${run}",http_route="/cart",tenant="acme",gateway="gw-e2e"}`, EXPECTED.requestsCart);
    await expectValue(`sessions_active{instance="${run}",tier="gold",tenant="acme",gateway="gw-e2e"}`, EXPECTED.sessionsGold);
    await expectValue(`http_server_duration_milliseconds_count{instance="${run}",tenant="acme",gateway="gw-e2e"}`, EXPECTED.durationCount);
    // The resource processor's dimension lands on target_info.
    await expectValue(`target_info{instance="${run}",site="paris"}`, 1);
  });

  it('adds no tenant when the request has no such header, but still the gateway', async () => {
    await expectValue(`http_server_requests_total{instance="${bare}",http_route="/cart",tenant="",gateway="gw-e2e"}`, EXPECTED.requestsCart);
  });

  it('drops what the filters name, and renames what metricstransform names', async () => {
    // Present first (so the batch has arrived), then the dropped and renamed-away series are absent.
    await expectValue(`io_transferred_bytes_total{instance="${run}",direction="in"}`, EXPECTED.bytesIn);
    expect(await prom.query(`io_bytes_total{instance="${run}"}`)).toEqual([]);
    expect(await prom.query(`room_temperature_celsius{instance="${run}"}`)).toEqual([]);
    expect(await prom.query(`http_server_requests_total{instance="${run}",http_route="/pay"}`)).toEqual([]);
  });
});
