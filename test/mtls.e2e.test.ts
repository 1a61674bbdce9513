import { readFile } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { Agent, fetch as undiciFetch } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type CertFiles, TestCa } from '../src/test-kit/certs.js';
import { decodeStatus, encodeRequest, gaugeRequest, grpcExport } from '../src/test-kit/otlp-client.js';
import { type GatewayProcess, startGateway } from './kit/gateway.js';
import { requireProgram } from './kit/peers.js';
import { freePorts, waitUntil } from './kit/ports.js';

/**
 * Sites identified by client certificates: a CA, a server certificate and
 * client certificates made with openssl; the built gateway's otlp receiver
 * requires a certificate from that CA (tls.client_ca_file) and mtlsauth maps
 * its subject to attributes. A mapped site is accepted; an unmapped subject
 * gets 403; no certificate, or one from another CA, cannot connect.
 *
 * The attributes show in the rate limiter, keyed by auth.site: its refusal
 * names the site taken from the certificate's CN.
 */

let gw: GatewayProcess;
let ca: TestCa;
let paris: CertFiles;
let stranger: CertFiles;
let rogue: CertFiles;
let httpUrl: string;
let grpcEp: string;

beforeAll(async () => {
  requireProgram('openssl', 'openssl');
  ca = new TestCa();
  const server = ca.server();
  paris = ca.issue('paris', { subject: '/CN=site-paris/O=Acme/OU=Sites', altNames: ['URI:spiffe://acme/site/paris'], usage: 'client' });
  stranger = ca.issue('stranger', { subject: '/CN=stranger/O=Elsewhere', usage: 'client' });
  rogue = new TestCa(undefined, 'Rogue CA').issue('rogue', { subject: '/CN=site-paris/O=Acme', usage: 'client' });
  const [h, g, hc] = await freePorts(3);
  httpUrl = `https://127.0.0.1:${h}/v1/metrics`;
  grpcEp = `127.0.0.1:${g}`;
  const tls = `{cert_file: "${server.cert}", key_file: "${server.key}", client_ca_file: "${ca.cert}"}`;
  gw = await startGateway(
    `
extensions:
  health_check: {endpoint: "127.0.0.1:${hc}"}
  mtlsauth:
    rules:
      - match: {cn: "site-*", o: Acme}
        attributes: {tenant: acme, site: "{cn}"}
receivers:
  otlp:
    protocols:
      http:
        endpoint: "127.0.0.1:${h}"
        tls: ${tls}
        auth: {authenticator: mtlsauth}
        rate_limit: {key: auth.site, requests_per_second: 0.01, burst: 2}
      grpc:
        endpoint: "127.0.0.1:${g}"
        tls: ${tls}
        auth: {authenticator: mtlsauth}
exporters:
  file: {path: ./out.jsonl}
service:
  extensions: [health_check, mtlsauth]
  pipelines:
    metrics: {receivers: [otlp], exporters: [file]}
`,
    { readyUrl: `http://127.0.0.1:${hc}/` },
  );
});

afterAll(async () => {
  expect(await gw?.stop()).toBe(0);
});

const arrived = async (name: string) => (await readFile(join(gw.dir, 'out.jsonl'), 'utf8').catch(() => '')).includes(`"${name}"`);

async function post(name: string, client?: CertFiles): Promise<{ status: number | string; message: string }> {
  const agent = new Agent({ connect: { ca: ca.pem(), ...(client === undefined ? {} : { cert: readFileSync(client.cert), key: readFileSync(client.key) }) } });
  try {
    const res = await undiciFetch(httpUrl, { method: 'POST', body: encodeRequest(gaugeRequest(name, 1)), headers: { 'content-type': 'application/x-protobuf' }, dispatcher: agent });
    const body = Buffer.from(await res.arrayBuffer());
    return { status: res.status, message: res.status === 200 ? '' : decodeStatus(body).message };
  } catch (err) {
    return { status: 'no connection', message: String((err as Error & { cause?: Error }).cause?.message ?? err) };
  } finally {
    await agent.close();
  }
}

describe('mtlsauth over HTTPS', () => {
  it('a mapped subject is accepted, with the attributes its rule gives', async () => {
    expect(await post('mtls_paris_1', paris)).toEqual({ status: 200, message: '' });
    expect(await post('mtls_paris_2', paris)).toEqual({ status: 200, message: '' });
    const limited = await post('mtls_paris_3', paris);
    expect(limited.status).toBe(429);
    expect(limited.message).toMatch(/^TRIB_ERR_LIMIT_RATE: auth.site "site-paris" is over its limit/);
    await waitUntil(() => arrived('mtls_paris_2'), 'mtls_paris_2 at the file exporter');
  });

  it('an unmapped subject is refused with 403 and nothing is written', async () => {
    const r = await post('mtls_stranger', stranger);
    expect(r).toEqual({ status: 403, message: 'TRIB_ERR_AUTH_FORBIDDEN: client certificate "CN=stranger,O=Elsewhere" fits no rule of mtlsauth' });
    expect(await arrived('mtls_stranger')).toBe(false);
  });

  it('no certificate, or one from another CA: the TLS handshake is refused', async () => {
    expect((await post('mtls_none')).status).toBe('no connection');
    expect((await post('mtls_rogue', rogue)).status).toBe('no connection');
    expect(await arrived('mtls_none')).toBe(false);
    expect(await arrived('mtls_rogue')).toBe(false);
  });
});

describe('mtlsauth over gRPC', () => {
  const creds = (c?: CertFiles) => (c === undefined ? grpc.credentials.createSsl(ca.pem()) : grpc.credentials.createSsl(ca.pem(), readFileSync(c.key), readFileSync(c.cert)));

  it('OK for a mapped subject, PERMISSION_DENIED for an unmapped one, UNAVAILABLE without a certificate', async () => {
    const call = (name: string, c?: CertFiles) => grpcExport(grpcEp, encodeRequest(gaugeRequest(name, 1)), { credentials: creds(c) });
    expect((await call('grpc_mtls_paris', paris)).code).toBe(grpc.status.OK);
    expect((await call('grpc_mtls_stranger', stranger)).code).toBe(grpc.status.PERMISSION_DENIED);
    expect((await call('grpc_mtls_none')).code).toBe(grpc.status.UNAVAILABLE);
    await waitUntil(() => arrived('grpc_mtls_paris'), 'grpc_mtls_paris at the file exporter');
    expect(await arrived('grpc_mtls_stranger')).toBe(false);
    expect(await arrived('grpc_mtls_none')).toBe(false);
  });
});
