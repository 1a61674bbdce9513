import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EXPECTED } from '../src/test-kit/otel-sdk.js';
import { type GatewayProcess, startGateway } from './kit/gateway.js';
import { freePorts, waitUntil } from './kit/ports.js';
import { type PrometheusPeer, type PromResult, startPrometheus } from './kit/prometheus.js';
import { sendStandardOnce } from './kit/sdk-client.js';
import { type VictoriaPeer, startVictoria } from './kit/victoria.js';

/**
 * Routing by tenant against real remote-write receivers: two tenants, told
 * apart by a request header, land in two different Prometheus servers (one
 * per tenant, as one AMP workspace per business unit would be), and data
 * with no tenant or an unknown one lands in the default (VictoriaMetrics).
 * The batch processor in front keeps the header with metadata_keys.
 */

let promA: PrometheusPeer;
let promB: PrometheusPeer;
let vm: VictoriaPeer;
let gw: GatewayProcess;
let grpcEp: string;
let httpEp: string;

beforeAll(async () => {
  [promA, promB, vm] = await Promise.all([startPrometheus(), startPrometheus(), startVictoria()]);
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
  batch: {timeout: 50ms, metadata_keys: [x-tenant]}
  routing:
    from_attribute: x-tenant
    attribute_source: context
    table:
      - {value: team-a, exporters: [prometheusremotewrite/a]}
      - {value: team-b, exporters: [prometheusremotewrite/b]}
    default_exporters: [prometheusremotewrite/default]
exporters:
  prometheusremotewrite/a: {endpoint: "${promA.writeUrl}"}
  prometheusremotewrite/b: {endpoint: "${promB.writeUrl}"}
  prometheusremotewrite/default: {endpoint: "${vm.writeUrl}"}
service:
  telemetry: {metrics: {address: "127.0.0.1:${tel}"}}
  pipelines:
    metrics:
      receivers: [otlp]
      processors: [batch, routing]
      exporters: [prometheusremotewrite/a, prometheusremotewrite/b, prometheusremotewrite/default]
`);
});

afterAll(async () => {
  const code = await gw?.stop();
  await Promise.all([promA?.stop(), promB?.stop(), vm?.stop()]);
  expect(code).toBe(0);
});

function send(protocol: 'grpc' | 'http/protobuf', runId: string, headers: Record<string, string>): Promise<void> {
  return sendStandardOnce({ protocol, endpoint: protocol === 'grpc' ? grpcEp : httpEp, temporality: 'cumulative', runId, headers });
}

type Peer = { query(q: string): Promise<PromResult[]> };

async function requests(peer: Peer, run: string): Promise<number | undefined> {
  const r = await peer.query(`http_server_requests_total{instance="${run}",http_route="/cart"}`);
  return r.length === 1 ? Number(r[0].value?.[1]) : undefined;
}

describe.each(['grpc', 'http/protobuf'] as const)('routing by tenant over %s', (protocol) => {
  const p = protocol.replace('/', '-');
  const runs = { a: `route-${p}-a`, b: `route-${p}-b`, none: `route-${p}-none`, unknown: `route-${p}-unknown` };

  beforeAll(async () => {
    await Promise.all([
      send(protocol, runs.a, { 'x-tenant': 'team-a' }),
      send(protocol, runs.b, { 'x-tenant': 'team-b' }),
      send(protocol, runs.none, {}),
      send(protocol, runs.unknown, { 'x-tenant': 'team-z' }),
    ]);
  });

  it('lands each tenant in its own receiver and the rest in the default, nowhere else', async () => {
    const where: [string, Peer][] = [
      [runs.a, promA],
      [runs.b, promB],
      [runs.none, vm],
      [runs.unknown, vm],
    ];
    for (const [run, peer] of where) {
      let last: number | undefined;
      await waitUntil(async () => (last = await requests(peer, run)) === EXPECTED.requestsCart, `${run}: ${EXPECTED.requestsCart} requests (last: ${last})`, 20_000, 250);
    }
    // Everything has arrived where it belongs; nothing arrived anywhere else.
    const peers: [string, Peer][] = [
      ['A', promA],
      ['B', promB],
      ['default', vm],
    ];
    const seen: Record<string, string[]> = {};
    for (const [name, peer] of peers) {
      const r = await peer.query(`count by (instance) (http_server_requests_total{instance=~"route-${p}-.*"})`);
      seen[name] = r.map((x) => x.metric.instance).sort();
    }
    expect(seen).toEqual({ A: [runs.a], B: [runs.b], default: [runs.none, runs.unknown].sort() });
  });
});
