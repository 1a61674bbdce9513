import * as grpc from '@grpc/grpc-js';
import { readFileSync } from 'node:fs';
import { Agent, fetch as undiciFetch } from 'undici';
import { afterEach, describe, expect, it } from 'vitest';
import type { Extension } from '../../component/component.js';
import { BearerTokenAuth } from '../../extensions/bearertokenauth/bearertokenauth.js';
import { bearerTokenAuthSchema } from '../../extensions/bearertokenauth/config.js';
import { mtlsAuthSchema } from '../../extensions/mtlsauth/config.js';
import { MtlsAuth } from '../../extensions/mtlsauth/mtlsauth.js';
import { TestCa } from '../../test-kit/certs.js';
import { SinkConsumer } from '../../test-kit/consumers.js';
import { decodeStatus, encodeRequest, gaugeRequest, grpcExport } from '../../test-kit/otlp-client.js';
import { testHost, testSettings } from '../../test-kit/settings.js';
import { otlpReceiverSchema } from './config.js';
import { OtlpReceiver } from './receiver.js';

/**
 * The caller's identity reaching the pipeline: the otlp receiver, on both
 * transports, with the bearertokenauth and mtlsauth extensions; the sink
 * checks ctx.client.auth, which processors read as auth.<name>.
 */

const running: { shutdown(): Promise<void> }[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((r) => r.shutdown()));
});

async function startReceiver(protocols: { http?: object; grpc?: object }, extensions: Record<string, Extension>) {
  const sink = new SinkConsumer();
  const raw = {
    protocols: {
      ...(protocols.grpc === undefined ? {} : { grpc: { endpoint: '127.0.0.1:0', include_metadata: true, ...protocols.grpc } }),
      ...(protocols.http === undefined ? {} : { http: { endpoint: '127.0.0.1:0', include_metadata: true, ...protocols.http } }),
    },
  };
  const r = new OtlpReceiver(testSettings('receiver', 'otlp'), otlpReceiverSchema.parse(raw), sink);
  await r.start(testHost(extensions));
  running.push(r);
  const eps = r.endpoints();
  return {
    sink,
    grpcEp: eps.find((e) => e.startsWith('grpc'))?.replace(/^grpcs?:\/\//, ''),
    httpUrl: eps.find((e) => e.startsWith('http')),
  };
}

const body = encodeRequest(gaugeRequest('g', 1));
const PROTO = { 'content-type': 'application/x-protobuf' };

describe('bearertokenauth on the otlp receiver', () => {
  async function setup(allowed?: Record<string, string[]>) {
    const id = 'bearertokenauth/sites';
    const ext = new BearerTokenAuth(
      testSettings('extension', id),
      bearerTokenAuthSchema.parse({
        tokens: [
          { token: 'paris-token', name: 'paris', attributes: { tenant: 'acme', site: 'paris' } },
          { token: 'globex-token', name: 'globex', attributes: { tenant: 'globex', site: 'nyc' } },
        ],
        allowed,
      }),
    );
    await ext.start(testHost());
    running.push(ext);
    const auth = { auth: { authenticator: id } };
    return startReceiver({ http: auth, grpc: auth }, { [id]: ext });
  }

  it('HTTP: the token\'s identity reaches the pipeline as ctx.client.auth', async () => {
    const { sink, httpUrl } = await setup();
    const res = await fetch(httpUrl!, { method: 'POST', body, headers: { ...PROTO, authorization: 'Bearer paris-token' } });
    expect(res.status).toBe(200);
    expect(sink.contexts.map((c) => c.client.auth)).toEqual([
      { authenticator: 'bearertokenauth/sites', subject: 'paris', attributes: { tenant: 'acme', site: 'paris' } },
    ]);
  });

  it('HTTP: a missing or wrong token is 401 with WWW-Authenticate; nothing is handed on', async () => {
    const { sink, httpUrl } = await setup();
    for (const headers of [PROTO, { ...PROTO, authorization: 'Bearer nope' }, { 'content-type': 'application/json' }]) {
      const res = await fetch(httpUrl!, { method: 'POST', body: headers['content-type'] === PROTO['content-type'] ? body : '{}', headers });
      expect(res.status).toBe(401);
      expect(res.headers.get('www-authenticate')).toBe('Bearer realm="tributary"');
      const text = Buffer.from(await res.arrayBuffer());
      const message = headers['content-type'] === 'application/json' ? JSON.parse(text.toString()).message : decodeStatus(text).message;
      expect(message).toMatch(/^TRIB_ERR_AUTH_UNAUTHENTICATED: /);
      expect(message).not.toContain('nope');
    }
    expect(sink.points()).toBe(0);
  });

  it('HTTP: another tenant\'s token where the instance admits one tenant is 403', async () => {
    const { sink, httpUrl } = await setup({ tenant: ['acme'] });
    const res = await fetch(httpUrl!, { method: 'POST', body, headers: { ...PROTO, authorization: 'Bearer globex-token' } });
    expect(res.status).toBe(403);
    expect(res.headers.get('www-authenticate')).toBeNull();
    expect(decodeStatus(Buffer.from(await res.arrayBuffer())).message).toBe('TRIB_ERR_AUTH_FORBIDDEN: token "globex": tenant "globex" is not allowed on this receiver');
    expect(sink.points()).toBe(0);
  });

  it('gRPC: UNAUTHENTICATED, PERMISSION_DENIED, and the identity on success', async () => {
    const { sink, grpcEp } = await setup({ tenant: ['acme'] });
    expect((await grpcExport(grpcEp!, body)).code).toBe(grpc.status.UNAUTHENTICATED);
    expect((await grpcExport(grpcEp!, body, { metadata: { authorization: 'Bearer nope' } })).code).toBe(grpc.status.UNAUTHENTICATED);
    expect((await grpcExport(grpcEp!, body, { metadata: { authorization: 'Bearer globex-token' } })).code).toBe(grpc.status.PERMISSION_DENIED);
    expect(sink.points()).toBe(0);
    expect((await grpcExport(grpcEp!, body, { metadata: { authorization: 'Bearer paris-token' } })).code).toBe(grpc.status.OK);
    expect(sink.contexts.map((c) => [c.transport, c.client.auth?.subject, c.client.auth?.attributes])).toEqual([['grpc', 'paris', { tenant: 'acme', site: 'paris' }]]);
  });
});

describe('mtlsauth on the otlp receiver', () => {
  const ca = new TestCa();
  const server = ca.server();
  const paris = ca.issue('paris', { subject: '/CN=site-paris/O=Acme/OU=Sites', altNames: ['URI:spiffe://acme/site/paris'], usage: 'client' });
  const stranger = ca.issue('stranger', { subject: '/CN=stranger/O=Elsewhere', usage: 'client' });
  const rogueCa = new TestCa(undefined, 'Rogue CA');
  const rogue = rogueCa.issue('rogue', { subject: '/CN=site-paris/O=Acme', usage: 'client' });

  async function setup(clientCa = true) {
    const id = 'mtlsauth';
    const ext = new MtlsAuth(testSettings('extension', id), mtlsAuthSchema.parse({ rules: [{ match: { cn: 'site-*', o: 'Acme' }, attributes: { tenant: 'acme', site: '{cn}' } }] }));
    await ext.start(testHost());
    running.push(ext);
    const tls = { cert_file: server.cert, key_file: server.key, ...(clientCa ? { client_ca_file: ca.cert } : {}) };
    const common = { tls, auth: { authenticator: id } };
    return startReceiver({ http: common, grpc: common }, { [id]: ext });
  }

  async function httpPost(url: string, client?: { cert: string; key: string }): Promise<number | string> {
    const agent = new Agent({ connect: { ca: ca.pem(), ...(client === undefined ? {} : { cert: readFileSync(client.cert), key: readFileSync(client.key) }) } });
    try {
      const res = await undiciFetch(url, { method: 'POST', body, headers: PROTO, dispatcher: agent });
      return res.status;
    } catch (err) {
      return `failed: ${(err as Error & { cause?: { code?: string } }).cause?.code ?? (err as Error).message}`;
    } finally {
      await agent.close();
    }
  }

  const grpcCreds = (client?: { cert: string; key: string }) =>
    client === undefined ? grpc.credentials.createSsl(ca.pem()) : grpc.credentials.createSsl(ca.pem(), readFileSync(client.key), readFileSync(client.cert));

  it('HTTP: a mapped certificate gets its attributes; an unmapped one 403; none or a foreign CA cannot connect', async () => {
    const { sink, httpUrl } = await setup();
    expect(await httpPost(httpUrl!, paris)).toBe(200);
    expect(sink.contexts.map((c) => c.client.auth)).toEqual([
      { authenticator: 'mtlsauth', subject: 'CN=site-paris,O=Acme,OU=Sites', attributes: { tenant: 'acme', site: 'site-paris' } },
    ]);
    expect(await httpPost(httpUrl!, stranger)).toBe(403);
    expect(await httpPost(httpUrl!)).toMatch(/^failed/);
    expect(await httpPost(httpUrl!, rogue)).toMatch(/^failed/);
    expect(sink.points()).toBe(1);
  });

  it('gRPC: the same, with PERMISSION_DENIED for an unmapped certificate', async () => {
    const { sink, grpcEp } = await setup();
    expect((await grpcExport(grpcEp!, body, { credentials: grpcCreds(paris) })).code).toBe(grpc.status.OK);
    expect(sink.contexts.map((c) => c.client.auth?.attributes)).toEqual([{ tenant: 'acme', site: 'site-paris' }]);
    expect(sink.contexts[0].client.auth?.subject).toBe('CN=site-paris,O=Acme,OU=Sites');
    expect((await grpcExport(grpcEp!, body, { credentials: grpcCreds(stranger) })).code).toBe(grpc.status.PERMISSION_DENIED);
    expect((await grpcExport(grpcEp!, body, { credentials: grpcCreds() })).code).toBe(grpc.status.UNAVAILABLE);
    expect(sink.points()).toBe(1);
  });

  it('a receiver without client_ca_file asks for no certificate: 401 / UNAUTHENTICATED', async () => {
    const { sink, httpUrl, grpcEp } = await setup(false);
    expect(await httpPost(httpUrl!, paris)).toBe(401);
    expect((await grpcExport(grpcEp!, body, { credentials: grpcCreds(paris) })).code).toBe(grpc.status.UNAUTHENTICATED);
    expect(sink.points()).toBe(0);
  });
});
