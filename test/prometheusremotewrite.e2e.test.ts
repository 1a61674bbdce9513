import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EXPECTED, recordStandardMeasurements } from '../src/test-kit/otel-sdk.js';
import { type GatewayProcess, startGateway } from './kit/gateway.js';
import { freePorts, waitUntil } from './kit/ports.js';
import { type PrometheusPeer, type PromResult, startPrometheus } from './kit/prometheus.js';
import { sdkClient } from './kit/sdk-client.js';
import { type VictoriaPeer, startVictoria } from './kit/victoria.js';

/**
 * AMP-path acceptance, against real receivers: OpenTelemetry SDK -> gateway
 * -> remote write -> Prometheus (native histograms on) and VictoriaMetrics;
 * PromQL over their HTTP APIs returns the expected names, labels and values
 * for every metric type, cumulative and delta.
 */

let prom: PrometheusPeer;
let vm: VictoriaPeer;
let gw: GatewayProcess;
let grpcEp: string;

beforeAll(async () => {
  [prom, vm] = await Promise.all([startPrometheus(), startVictoria()]);
  const [g, h, tel] = await freePorts(3);
  grpcEp = `127.0.0.1:${g}`;
  gw = await startGateway(`
receivers:
  otlp:
    protocols:
      grpc: {endpoint: "${grpcEp}"}
      http: {endpoint: "127.0.0.1:${h}"}
processors:
  batch: {timeout: 50ms}
exporters:
  prometheusremotewrite/prom:
    endpoint: ${prom.writeUrl}
    external_labels: {gateway: gw-test}
  prometheusremotewrite/vm:
    endpoint: ${vm.writeUrl}
    exponential_histograms: classic
    external_labels: {gateway: gw-test}
service:
  telemetry: {metrics: {address: "127.0.0.1:${tel}"}}
  pipelines:
    metrics: {receivers: [otlp], processors: [batch], exporters: [prometheusremotewrite/prom, prometheusremotewrite/vm]}
`);
});

afterAll(async () => {
  const code = await gw?.stop();
  await Promise.all([prom?.stop(), vm?.stop()]);
  expect(code).toBe(0);
});

async function send(runId: string, temporality: 'cumulative' | 'delta', rounds = 1): Promise<void> {
  const client = sdkClient({ protocol: 'grpc', endpoint: grpcEp, temporality, runId });
  for (let i = 0; i < rounds; i++) {
    recordStandardMeasurements(client.provider);
    await client.flush();
    if (i + 1 < rounds) await new Promise((r) => setTimeout(r, 1100)); // a later timestamp (ms resolution)
  }
  await client.shutdown();
  expect(client.tee.exported.every((e) => e.ok)).toBe(true);
}

function value(r: PromResult[]): number | undefined {
  if (r.length !== 1) return undefined;
  return Number(r[0].value?.[1]);
}

async function expectValue(peer: { query(q: string): Promise<PromResult[]> }, q: string, want: number): Promise<void> {
  let last: number | undefined;
  await waitUntil(async () => (last = value(await peer.query(q))) === want, `${q} == ${want} (last: ${last})`, 20_000, 250);
}

describe.each(['cumulative', 'delta'] as const)('OpenTelemetry SDK (%s) -> remote write', (temporality) => {
  const runId = `rw-${temporality}`;
  const rounds = temporality === 'delta' ? 2 : 1;
  const k = rounds; // delta exports add up across rounds; cumulative ones repeat the same totals

  beforeAll(async () => {
    await send(runId, temporality, rounds);
  });

  it.each([
    ['Prometheus', () => prom],
    ['VictoriaMetrics', () => vm],
  ] as const)('%s holds every metric type with the expected names, labels and values', async (_name, peer) => {
    const p = peer();
    const sel = `instance="${runId}",job="shop/checkout",gateway="gw-test",otel_scope_name="tributary.test",otel_scope_version="1.2.3"`;
    await expectValue(p, `http_server_requests_total{${sel},http_route="/cart",http_method="GET"}`, k * EXPECTED.requestsCart);
    await expectValue(p, `http_server_requests_total{${sel},http_route="/pay"}`, k * EXPECTED.requestsPay);
    await expectValue(p, `io_bytes_total{${sel},direction="in"}`, k * EXPECTED.bytesIn);
    await expectValue(p, `sessions_active{${sel},tier="gold"}`, k * EXPECTED.sessionsGold);
    await expectValue(p, `room_temperature_celsius{${sel},room="lab"}`, EXPECTED.temperatureLab);
    await expectValue(p, `http_server_duration_milliseconds_bucket{${sel},le="50"}`, k * 3);
    await expectValue(p, `http_server_duration_milliseconds_bucket{${sel},le="+Inf"}`, k * EXPECTED.durationCount);
    await expectValue(p, `http_server_duration_milliseconds_sum{${sel}}`, k * EXPECTED.durationSum);
    await expectValue(p, `http_server_duration_milliseconds_count{${sel}}`, k * EXPECTED.durationCount);
    await expectValue(p, `target_info{job="shop/checkout",instance="${runId}",deployment_environment="test",run_id="${runId}",host_cpu_count="8"}`, 1);
    if (p === prom) {
      // A native histogram: queried with the native-histogram functions.
      await expectValue(p, `histogram_count(payload_size_bytes{${sel}})`, k * EXPECTED.sizeCount);
      await expectValue(p, `histogram_sum(payload_size_bytes{${sel}})`, k * EXPECTED.sizeSum);
    } else {
      // VictoriaMetrics 1.79 has no native histograms: the exporter sends classic buckets there.
      await expectValue(p, `payload_size_bytes_count{${sel}}`, k * EXPECTED.sizeCount);
      await expectValue(p, `payload_size_bytes_sum{${sel}}`, k * EXPECTED.sizeSum);
    }
  });
});
