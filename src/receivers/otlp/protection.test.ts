import { X509Certificate } from 'node:crypto';
import { copyFileSync, readFileSync } from 'node:fs';
import { connect as netConnect } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import * as grpc from '@grpc/grpc-js';
import { Agent, fetch as undiciFetch } from 'undici';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { Consumer } from '../../component/component.js';
import { TestCa } from '../../test-kit/certs.js';
import { SinkConsumer } from '../../test-kit/consumers.js';
import { decodeStatus, encodeRequest, gaugeRequest, grpcExport } from '../../test-kit/otlp-client.js';
import { testHost, testSettings } from '../../test-kit/settings.js';
import { otlpReceiverSchema } from './config.js';
import { OtlpReceiver } from './receiver.js';

/**
 * The protections every receiver shares, exercised through the otlp
 * receiver on both transports: the confighttp timeouts, TLS 1.2+ and
 * certificate reload without restart, and per-tenant rate limits.
 */

const running: OtlpReceiver[] = [];
const agents: Agent[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((r) => r.shutdown()));
  await Promise.all(agents.splice(0).map((a) => a.close()));
});

async function start(protocols: { http?: object; grpc?: object }, next: Consumer = new SinkConsumer()) {
  const raw = {
    protocols: {
      ...(protocols.grpc === undefined ? {} : { grpc: { endpoint: '127.0.0.1:0', ...protocols.grpc } }),
      ...(protocols.http === undefined ? {} : { http: { endpoint: '127.0.0.1:0', ...protocols.http } }),
    },
  };
  const r = new OtlpReceiver(testSettings('receiver', 'otlp'), otlpReceiverSchema.parse(raw), next);
  await r.start(testHost());
  running.push(r);
  const eps = r.endpoints();
  const grpcEp = eps.find((e) => e.startsWith('grpc'))?.replace(/^grpcs?:\/\//, '');
  const httpUrl = eps.find((e) => e.startsWith('http'));
  return { grpcEp, httpUrl };
}

const body = encodeRequest(gaugeRequest('g', 1));
const PROTO = { 'content-type': 'application/x-protobuf' };

describe('confighttp timeouts', () => {
  it('a client that does not finish its headers within read_header_timeout is cut off', async () => {
    const { httpUrl } = await start({ http: { read_header_timeout: '300ms' } });
    const u = new URL(httpUrl!);
    const sock = netConnect(Number(u.port), '127.0.0.1');
    let answer = '';
    sock.on('data', (d: Buffer) => (answer += d.toString()));
    sock.write('POST /v1/metrics HTTP/1.1\r\nHost: x\r\nContent-Type: appl');
    await vi.waitFor(() => expect(sock.closed).toBe(true), { timeout: 10_000, interval: 50 });
    expect(answer).toMatch(/^HTTP\/1\.1 408/);
  });

  it('an idle keep-alive connection is closed after idle_timeout', async () => {
    const { httpUrl } = await start({ http: { idle_timeout: '200ms' } });
    const u = new URL(httpUrl!);
    const sock = netConnect(Number(u.port), '127.0.0.1');
    let answer = '';
    sock.on('data', (d: Buffer) => (answer += d.toString()));
    sock.write(`POST /v1/metrics HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-protobuf\r\nContent-Length: ${body.length}\r\n\r\n`);
    sock.write(body);
    await vi.waitFor(() => expect(answer).toMatch(/^HTTP\/1\.1 200/), { timeout: 10_000, interval: 20 });
    expect(answer).toMatch(/keep-alive/i);
    await vi.waitFor(() => expect(sock.closed).toBe(true), { timeout: 10_000, interval: 50 });
  });

  it('the keys are durations, as in the Collector', () => {
    const r = otlpReceiverSchema.safeParse({ protocols: { http: { read_timeout: 'soon' } } });
    expect(r.success).toBe(false);
    const c = otlpReceiverSchema.parse({ protocols: { http: {} } });
    expect([c.protocols.http!.read_timeout, c.protocols.http!.read_header_timeout, c.protocols.http!.idle_timeout]).toEqual([0, 60_000, 60_000]);
  });
});

describe('TLS', () => {
  const ca = new TestCa();
  const first = ca.server('first');
  const second = ca.server('second');
  const live = { cert: `${ca.dir}/live.pem`, key: `${ca.dir}/live.key` };

  /** The SHA-256 fingerprint of the certificate a TLS endpoint serves now. */
  function served(port: number, alpn: string[]): Promise<string> {
    return new Promise((resolve, reject) => {
      const s = tlsConnect({ host: '127.0.0.1', port, ca: ca.pem(), ALPNProtocols: alpn, servername: 'localhost' }, () => {
        const fp = s.getPeerCertificate().fingerprint256;
        s.end();
        resolve(fp);
      });
      s.on('error', reject);
    });
  }

  const fingerprint = (file: string): string => new X509Certificate(readFileSync(file)).fingerprint256;

  it('serves a replaced certificate after reload_interval, over HTTP and gRPC, without restart', async () => {
    copyFileSync(first.cert, live.cert);
    copyFileSync(first.key, live.key);
    const tls = { cert_file: live.cert, key_file: live.key, reload_interval: '50ms' };
    const { grpcEp, httpUrl } = await start({ http: { tls }, grpc: { tls } });
    const httpPort = Number(new URL(httpUrl!).port);
    const grpcPort = Number(grpcEp!.split(':')[1]);
    const [fp1, fp2] = [fingerprint(first.cert), fingerprint(second.cert)];
    expect(await served(httpPort, ['http/1.1'])).toBe(fp1);
    expect(await served(grpcPort, ['h2'])).toBe(fp1);

    copyFileSync(second.key, live.key);
    copyFileSync(second.cert, live.cert);
    await vi.waitFor(async () => expect(await served(httpPort, ['http/1.1'])).toBe(fp2), { timeout: 10_000, interval: 50 });
    await vi.waitFor(async () => expect(await served(grpcPort, ['h2'])).toBe(fp2), { timeout: 10_000, interval: 50 });

    // Both still take data with the new certificate.
    const agent = new Agent({ connect: { ca: ca.pem() } });
    agents.push(agent);
    const res = await undiciFetch(`${httpUrl}`, { method: 'POST', body, headers: PROTO, dispatcher: agent });
    expect(res.status).toBe(200);
    const g = await grpcExport(grpcEp!, body, { credentials: grpc.credentials.createSsl(ca.pem()) });
    expect(g.code).toBe(grpc.status.OK);
  });

  function handshake(port: number, alpn: string[], versions: { minVersion?: 'TLSv1' | 'TLSv1.2' | 'TLSv1.3'; maxVersion: 'TLSv1.1' | 'TLSv1.2' | 'TLSv1.3' }): Promise<string> {
    return new Promise((resolve) => {
      const s = tlsConnect({ host: '127.0.0.1', port, ca: ca.pem(), ALPNProtocols: alpn, servername: 'localhost', ciphers: 'DEFAULT@SECLEVEL=0', ...versions }, () => {
        const v = s.getProtocol() ?? '?';
        s.end();
        resolve(v);
      });
      s.on('error', (err: NodeJS.ErrnoException) => resolve(`refused (${err.code ?? err.message})`));
    });
  }

  it('refuses TLS below 1.2 by default, and below 1.3 with min_version 1.3, on both transports', async () => {
    const base = { cert_file: first.cert, key_file: first.key };
    const byDefault = await start({ http: { tls: base }, grpc: { tls: base } });
    const strict = await start({ http: { tls: { ...base, min_version: '1.3' } }, grpc: { tls: { ...base, min_version: '1.3' } } });
    const ports = (s: typeof byDefault) => [Number(new URL(s.httpUrl!).port), Number(s.grpcEp!.split(':')[1])] as const;
    const [dh, dg] = ports(byDefault);
    const [sh, sg] = ports(strict);
    const tls11 = { minVersion: 'TLSv1' as const, maxVersion: 'TLSv1.1' as const };
    expect(await handshake(dh, ['http/1.1'], tls11)).toMatch(/^refused/);
    expect(await handshake(dg, ['h2'], tls11)).toMatch(/^refused/);
    expect(await handshake(dh, ['http/1.1'], { maxVersion: 'TLSv1.2' })).toBe('TLSv1.2');
    expect(await handshake(dg, ['h2'], { maxVersion: 'TLSv1.2' })).toBe('TLSv1.2');
    expect(await handshake(sh, ['http/1.1'], { maxVersion: 'TLSv1.2' })).toMatch(/^refused/);
    expect(await handshake(sg, ['h2'], { maxVersion: 'TLSv1.2' })).toMatch(/^refused/);
    expect(await handshake(sh, ['http/1.1'], { maxVersion: 'TLSv1.3' })).toBe('TLSv1.3');
    expect(await handshake(sg, ['h2'], { maxVersion: 'TLSv1.3' })).toBe('TLSv1.3');
  });
});

describe('rate_limit', () => {
  const limit = { rate_limit: { key: 'metadata.x-tenant', requests_per_second: 0.01, burst: 2 } };

  it('HTTP: a tenant over its limit gets 429 with Retry-After; another tenant is unaffected; nothing refused is handed on', async () => {
    const sink = new SinkConsumer();
    const { httpUrl } = await start({ http: limit }, sink);
    const post = (tenant: string) => fetch(httpUrl!, { method: 'POST', body, headers: { ...PROTO, 'x-tenant': tenant } });
    expect([(await post('acme')).status, (await post('acme')).status]).toEqual([200, 200]);
    const refused = await post('acme');
    expect(refused.status).toBe(429);
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThanOrEqual(99);
    expect(decodeStatus(Buffer.from(await refused.arrayBuffer())).message).toMatch(/TRIB_ERR_LIMIT_RATE: metadata.x-tenant "acme" is over its limit/);
    expect((await post('globex')).status).toBe(200);
    expect(sink.points()).toBe(3);
  });

  it('gRPC: RESOURCE_EXHAUSTED with RetryInfo for the tenant over its limit only', async () => {
    const sink = new SinkConsumer();
    const { grpcEp } = await start({ grpc: limit }, sink);
    const call = (tenant: string) => grpcExport(grpcEp!, body, { metadata: { 'x-tenant': tenant } });
    expect([(await call('acme')).code, (await call('acme')).code]).toEqual([0, 0]);
    const refused = await call('acme');
    expect(refused.code).toBe(grpc.status.RESOURCE_EXHAUSTED);
    const status = decodeStatus(refused.metadata!.get('grpc-status-details-bin')[0] as Buffer);
    expect(status.details.map((d) => d.typeUrl)).toContain('type.googleapis.com/google.rpc.RetryInfo');
    expect((await call('globex')).code).toBe(0);
    expect(sink.points()).toBe(3);
  });

  it('data_points_per_second counts decoded points', async () => {
    const sink = new SinkConsumer();
    const { httpUrl } = await start({ http: { rate_limit: { data_points_per_second: 0.01, data_points_burst: 3 } } }, sink);
    const three = encodeRequest(gaugeRequest('g', 1, [{ timeUnixNano: '2', asDouble: 2 }, { timeUnixNano: '3', asDouble: 3 }]));
    const post = (b: Buffer) => fetch(httpUrl!, { method: 'POST', body: b, headers: PROTO });
    expect((await post(three)).status).toBe(200);
    expect((await post(body)).status).toBe(429);
    expect(sink.points()).toBe(3);
  });
});
