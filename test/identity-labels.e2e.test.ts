import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EXPECTED } from '../src/test-kit/otel-sdk.js';
import { type GatewayProcess, startGateway } from './kit/gateway.js';
import { freePorts, waitUntil } from './kit/ports.js';
import { type PrometheusPeer, startPrometheus } from './kit/prometheus.js';
import { sendStandardOnce } from './kit/sdk-client.js';

/**
 * Identity to labels, end to end: OTLP (gRPC and HTTP) with a bearer token
 * -> bearertokenauth (per-tenant tokens with attributes) -> attributes
 * processor (auth.tenant, auth.site from the credential, and a static
 * gateway dimension) -> remote write -> a real Prometheus. The tenant comes
 * from the credential, never from the payload.
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
extensions:
  bearertokenauth:
    tokens:
      - {token: tok-alpha-0123456789, name: alpha, attributes: {tenant: alpha, site: paris}}
      - {token: tok-beta-0123456789, name: beta, attributes: {tenant: beta, site: lyon}}
receivers:
  otlp:
    protocols:
      grpc: {endpoint: "${grpcEp}", auth: {authenticator: bearertokenauth}}
      http: {endpoint: "${httpEp}", auth: {authenticator: bearertokenauth}}
processors:
  attributes:
    actions:
      - {key: tenant, from_context: auth.tenant, action: upsert}
      - {key: site, from_context: auth.site, action: upsert}
      - {key: gateway, value: gw-central-1, action: insert}
  batch: {timeout: 50ms}
exporters:
  prometheusremotewrite:
    endpoint: ${prom.writeUrl}
service:
  extensions: [bearertokenauth]
  telemetry: {metrics: {address: "127.0.0.1:${tel}"}}
  pipelines:
    metrics:
      receivers: [otlp]
      processors: [attributes, batch]
      exporters: [prometheusremotewrite]
`);
});

afterAll(async () => {
  const code = await gw?.stop();
  await prom?.stop();
  expect(code).toBe(0);
});

async function expectValue(q: string, want: number): Promise<void> {
  let last: string | undefined;
  await waitUntil(async () => {
    const r = await prom.query(q);
    last = r[0]?.value?.[1];
    return r.length === 1 && Number(last) === want;
  }, `${q} == ${want} (last ${last})`, 20_000, 250);
}

describe.each([
  ['grpc', 'tok-alpha-0123456789', 'alpha', 'paris'],
  ['http/protobuf', 'tok-beta-0123456789', 'beta', 'lyon'],
] as const)('OTLP %s with a bearer token', (protocol, token, tenant, site) => {
  it('labels the series with the token\'s tenant and site and the gateway dimension', async () => {
    const runId = `identity-${tenant}`;
    // upsert: a tenant attribute in the payload would be overwritten by the credential's.
    await sendStandardOnce({ protocol, endpoint: protocol === 'grpc' ? grpcEp : httpEp, temporality: 'cumulative', runId, headers: { authorization: `Bearer ${token}` } });
    await expectValue(`http_server_requests_total{instance="${runId}",http_route="/cart",tenant="${tenant}",site="${site}",gateway="gw-central-1"}`, EXPECTED.requestsCart);
    const others = await prom.query(`http_server_requests_total{instance="${runId}",tenant!="${tenant}"}`);
    expect(others).toEqual([]);
  });
});
