import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { Agent, fetch as undiciFetch } from 'undici';
import { afterEach, describe, expect, it } from 'vitest';
import type { Consumer, Phase } from '../../component/component.js';
import { Errors } from '../../errors/catalogue.js';
import { TributaryError } from '../../errors/tributary-error.js';
import { MetricType } from '../../model/metric.js';
import { timeString } from '../../model/time.js';
import { RecordingAuthenticator } from '../../test-kit/authenticator.js';
import { FailingConsumer, SinkConsumer } from '../../test-kit/consumers.js';
import { lifecycleSuite } from '../../test-kit/lifecycle-suite.js';
import { testHost, testSettings } from '../../test-kit/settings.js';
import { influxdbReceiverSchema } from './config.js';
import { influxdbReceiverFactory } from './factory.js';
import { INFLUXDB_COMPAT_VERSION } from './http.js';
import { InfluxdbReceiver } from './receiver.js';
import { testTempDir } from '../../test-kit/temp-dirs.js';

lifecycleSuite(influxdbReceiverFactory, { endpoint: '127.0.0.1:0' });

const running: InfluxdbReceiver[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((r) => r.shutdown()));
});

/** Accepts `Authorization: Basic dTpw` (u:p) and `Token secret`. */
const influxAuthenticator = () => {
  const basic = `Basic ${Buffer.from('u:p').toString('base64')}`;
  return new RecordingAuthenticator({ [basic]: { authenticator: 'test', subject: basic, attributes: {} }, 'Token secret': { authenticator: 'test', subject: 'Token secret', attributes: {} } });
};

async function start(next: Consumer, config: object = {}, extensions: Record<string, unknown> = {}, phase: Phase = 'running') {
  const set = testSettings('receiver', 'influxdb');
  const r = new InfluxdbReceiver(set, influxdbReceiverSchema.parse({ endpoint: '127.0.0.1:0', ...config }), next);
  await r.start(testHost(extensions, phase));
  running.push(r);
  const base = r.endpoints()[0].replace(/\/write$/, '');
  return { base, metrics: set.metrics };
}

const post = (url: string, body: Buffer | string, headers: Record<string, string> = {}) => fetch(url, { method: 'POST', body, headers });

/** Every point the sink received, as name|attrs|value|time. */
function received(sink: SinkConsumer): string[] {
  return sink.batches.flatMap((b) =>
    b.resourceMetrics.flatMap((rm) =>
      rm.scopeMetrics.flatMap((sm) =>
        sm.metrics.flatMap((m) => {
          if (m.type !== MetricType.Gauge) throw new Error(`${m.name} is not a gauge`);
          const p = m.points;
          return Array.from({ length: p.length }, (_, i) => `${m.name}|${JSON.stringify(p.attributes[i].toObject())}|${p.values[i]}|${timeString(p.times, i)}`);
        }),
      ),
    ),
  );
}

const BODY = 'cpu,host=a\\ b,region=eu\\,west usage=0.5,count=3i,up=t,note="ignored" 1700000000\nmem free=10u 1700000001\n';

describe('writes', () => {
  it('v1 /write: 204, points with tags, precision from the query, db and rp as resource attributes', async () => {
    const sink = new SinkConsumer();
    const { base } = await start(sink);
    const res = await post(`${base}/write?db=telegraf&rp=autogen&precision=s`, BODY);
    expect(res.status).toBe(204);
    expect(await res.text()).toBe('');
    expect(res.headers.get('x-influxdb-version')).toBe(INFLUXDB_COMPAT_VERSION);
    expect(received(sink)).toEqual([
      'cpu_usage|{"host":"a b","region":"eu,west"}|0.5|1700000000000000000',
      'cpu_count|{"host":"a b","region":"eu,west"}|3|1700000000000000000',
      'cpu_up|{"host":"a b","region":"eu,west"}|1|1700000000000000000',
      'mem_free|{}|10|1700000001000000000',
    ]);
    const rm = sink.batches[0].resourceMetrics;
    expect(rm).toHaveLength(1);
    expect(rm[0].resource.attributes.toObject()).toEqual({ 'influxdb.database': 'telegraf', 'influxdb.retention_policy': 'autogen' });
    expect(rm[0].scopeMetrics[0].scope.name).toBe('');
    expect(sink.contexts[0].transport).toBe('http');
  });

  it('v2 /api/v2/write: 204, bucket, org and orgID as resource attributes, gzip body', async () => {
    const sink = new SinkConsumer();
    const { base } = await start(sink);
    const res = await post(`${base}/api/v2/write?bucket=b1&org=acme&orgID=0001&precision=ms`, gzipSync('m f=1.5 1700000000123'), { 'content-encoding': 'gzip' });
    expect(res.status).toBe(204);
    expect(received(sink)).toEqual(['m_f|{}|1.5|1700000000123000000']);
    expect(sink.batches[0].resourceMetrics[0].resource.attributes.toObject()).toEqual({ 'influxdb.bucket': 'b1', 'influxdb.org': 'acme', 'influxdb.org_id': '0001' });
  });

  it('defaults to nanoseconds, and stamps lines without a timestamp with the receive time', async () => {
    const sink = new SinkConsumer();
    const { base } = await start(sink);
    const before = Date.now();
    expect((await post(`${base}/api/v2/write?bucket=b`, 'm a=1 1700000000000000001\nm b=2')).status).toBe(204);
    const after = Date.now();
    const [a, b] = received(sink);
    expect(a).toBe('m_a|{}|1|1700000000000000001');
    const ms = Number(BigInt(b.split('|')[3]) / 1000000n);
    expect(ms).toBeGreaterThanOrEqual(before);
    expect(ms).toBeLessThanOrEqual(after);
  });

  it('counts dropped string fields and says so in a header; a body of comments is a success that hands nothing on', async () => {
    const sink = new SinkConsumer();
    const { base, metrics } = await start(sink);
    const res = await post(`${base}/write?db=x`, 'm s="a",t="b",n=1');
    expect(res.status).toBe(204);
    expect(res.headers.get('x-tributary-dropped-fields')).toMatch(/^2 string field value/);
    expect(await metrics.registry.getSingleMetricAsString('tributary_dropped_metric_points_total')).toContain(
      'tributary_dropped_metric_points_total{component="receiver/influxdb",reason="influx_string_field"} 2',
    );
    expect((await post(`${base}/write`, '# nothing\n\n')).status).toBe(204);
    expect((await post(`${base}/write`, '')).status).toBe(204);
    expect(sink.batches).toHaveLength(1);
  });

  it('accepts any Content-Type, and none', async () => {
    const sink = new SinkConsumer();
    const { base } = await start(sink);
    const variants: Record<string, string>[] = [{ 'content-type': 'text/plain; charset=utf-8' }, { 'content-type': 'application/octet-stream' }, {}];
    for (const headers of variants) {
      expect((await post(`${base}/write`, Buffer.from('m f=1 1'), headers)).status).toBe(204);
    }
    expect(sink.points()).toBe(3);
  });

  it('passes request headers to the pipeline only with include_metadata', async () => {
    const sink = new SinkConsumer();
    const { base } = await start(sink, { include_metadata: true });
    await post(`${base}/write`, 'm f=1', { 'x-tenant': 'blue' });
    expect(sink.contexts[0].client.metadata?.get('x-tenant')).toEqual(['blue']);
    const sink2 = new SinkConsumer();
    const b = await start(sink2);
    await post(`${b.base}/write`, 'm f=1', { 'x-tenant': 'blue' });
    expect(sink2.contexts[0].client.metadata).toBeUndefined();
  });
});

describe('errors, in each API\'s shape', () => {
  const bad: [string, string, () => { body: Buffer | string; headers?: Record<string, string> }, number, RegExp][] = [
    ['bad lines (v1)', '/write', () => ({ body: 'ok f=1\nbad\nok f=2\ncpu usage 5' }), 400, /TRIB_ERR_DECODE_TEXT: 2 of 4 lines are invalid, so none was written: line 2: expected a field set after measurement "bad" at column 4; line 4: expected "=" after field key "usage" at column 10/],
    ['bad lines (v2)', '/api/v2/write', () => ({ body: 'm f=x' }), 400, /line 1: expected a number, a boolean or a double-quoted string as the value of field "f" \(got "x"\) at column 5/],
    ['unknown v1 precision', '/write?precision=x', () => ({ body: 'm f=1' }), 400, /precision "x" is not supported by this API; use one of: n, ns, u, us, ms, s, m, h/],
    ['v1-only precision on v2', '/api/v2/write?precision=h', () => ({ body: 'm f=1' }), 400, /precision "h" is not supported by this API; use one of: ns, us, ms, s/],
    ['body over the limit', '/write', () => ({ body: `m f=1 ${'1'.repeat(20000)}` }), 413, /exceeds the limit of 16384 bytes/],
    ['gzip bomb', '/api/v2/write', () => ({ body: gzipSync(Buffer.alloc(10 * 1024 * 1024, 'm f=1\n')), headers: { 'content-encoding': 'gzip' } }), 413, /decompressed request body exceeds the limit of 16384 bytes/],
    ['corrupt gzip', '/write', () => ({ body: 'not gzip', headers: { 'content-encoding': 'gzip' } }), 400, /cannot decompress/],
    ['unsupported encoding', '/api/v2/write', () => ({ body: 'x', headers: { 'content-encoding': 'br' } }), 415, /Content-Encoding "br" is not supported/],
  ];

  it.each(bad)('%s -> %s %s, and the receiver still serves', async (_name, path, make, status, message) => {
    const sink = new SinkConsumer();
    const { base } = await start(sink, { max_request_body_size: 16384 });
    const { body, headers } = make();
    const res = await post(`${base}${path}`, body, headers);
    expect(res.status).toBe(status);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    const json = (await res.json()) as Record<string, string>;
    if (path.startsWith('/api/v2/')) {
      expect(Object.keys(json).sort()).toEqual(['code', 'message']);
      expect(json.code).toBe({ 400: 'invalid', 413: 'request too large', 415: 'unsupported media type' }[status]);
      expect(json.message).toMatch(message);
    } else {
      expect(Object.keys(json)).toEqual(['error']);
      expect(json.error).toMatch(message);
      expect(res.headers.get('x-influxdb-error')).toMatch(/^TRIB_ERR_/);
    }
    expect(sink.points()).toBe(0);
    expect((await post(`${base}/write`, 'ok f=1')).status).toBe(204);
    expect(sink.points()).toBe(1);
  });

  it('maps a full pipeline to 503 and a rate limit to 429, with Retry-After, in both shapes', async () => {
    const full = await start(new FailingConsumer(new TributaryError(Errors.QUEUE_FULL, 'queue full', { retryAfterMs: 2500 })));
    const r1 = await post(`${full.base}/api/v2/write`, 'm f=1');
    expect(r1.status).toBe(503);
    expect(r1.headers.get('retry-after')).toBe('3');
    expect(await r1.json()).toEqual({ code: 'unavailable', message: 'TRIB_ERR_QUEUE_FULL: queue full' });

    const limited = await start(new FailingConsumer(new TributaryError(Errors.RATE_LIMITED, 'slow down')));
    const r2 = await post(`${limited.base}/write`, 'm f=1');
    expect(r2.status).toBe(429);
    expect(r2.headers.get('retry-after')).toBe('1');
    expect(await r2.json()).toEqual({ error: 'TRIB_ERR_LIMIT_RATE: slow down' });

    const permanent = await start(new FailingConsumer());
    const r3 = await post(`${permanent.base}/api/v2/write`, 'm f=1');
    expect(r3.status).toBe(400);
    expect(r3.headers.get('retry-after')).toBeNull();
  });

  it('answers 404 with the endpoints it has', async () => {
    const { base } = await start(new SinkConsumer());
    const res = await fetch(`${base}/api/v2/query`, { method: 'POST' });
    expect(res.status).toBe(404);
    expect(((await res.json()) as { message: string }).message).toMatch(/use POST \/write, POST \/api\/v2\/write/);
  });
});

describe('authentication', () => {
  it('shows v1 u/p as Basic credentials, passes Basic and Token headers as they are, and refuses others with 401', async () => {
    const auth = influxAuthenticator();
    const sink = new SinkConsumer();
    const { base } = await start(sink, { auth: { authenticator: 'bearertokenauth' } }, { bearertokenauth: auth });
    expect((await post(`${base}/write?u=u&p=p`, 'm f=1')).status).toBe(204);
    expect((await post(`${base}/write`, 'm f=1', { authorization: `Basic ${Buffer.from('u:p').toString('base64')}` })).status).toBe(204);
    expect((await post(`${base}/api/v2/write?bucket=b`, 'm f=1', { authorization: 'Token secret' })).status).toBe(204);
    expect(sink.contexts.map((c) => c.client.auth?.subject)).toEqual([`Basic ${Buffer.from('u:p').toString('base64')}`, `Basic ${Buffer.from('u:p').toString('base64')}`, 'Token secret']);

    const denied = await post(`${base}/api/v2/write?bucket=b`, 'm f=1', { authorization: 'Token wrong' });
    expect(denied.status).toBe(401);
    expect(await denied.json()).toEqual({ code: 'unauthorized', message: 'TRIB_ERR_AUTH_UNAUTHENTICATED: no valid credentials' });
    const v1denied = await post(`${base}/write?u=u&p=nope`, 'm f=1');
    expect(v1denied.status).toBe(401);
    expect((await post(`${base}/write`, 'm f=1')).status).toBe(401);
    expect(sink.points()).toBe(3);
    // An Authorization header of the request's own wins over u/p.
    expect((await post(`${base}/write?u=u&p=p`, 'm f=1', { authorization: 'Token wrong' })).status).toBe(401);
  });

  it('a missing authenticator is a startup error', async () => {
    const r = new InfluxdbReceiver(testSettings('receiver', 'influxdb'), influxdbReceiverSchema.parse({ endpoint: '127.0.0.1:0', auth: { authenticator: 'nope' } }), new SinkConsumer());
    await expect(r.start(testHost())).rejects.toThrow(/auth.authenticator "nope" is not a running extension/);
  });
});

describe('ping, health and query', () => {
  it('GET and HEAD /ping answer 204 with the version headers; verbose answers the version', async () => {
    const { base } = await start(new SinkConsumer());
    for (const method of ['GET', 'HEAD']) {
      const res = await fetch(`${base}/ping`, { method });
      expect(res.status).toBe(204);
      expect(res.headers.get('x-influxdb-version')).toBe(INFLUXDB_COMPAT_VERSION);
      expect(res.headers.get('x-influxdb-build')).toBe('OSS');
    }
    expect(await (await fetch(`${base}/ping?verbose=true`)).json()).toEqual({ version: INFLUXDB_COMPAT_VERSION });
  });

  it('GET /health passes while running and fails while draining', async () => {
    const a = await start(new SinkConsumer());
    const ok = await fetch(`${a.base}/health`);
    expect(ok.status).toBe(200);
    expect(await ok.json()).toMatchObject({ name: 'influxdb', status: 'pass' });
    const b = await start(new SinkConsumer(), {}, {}, 'draining');
    const draining = await fetch(`${b.base}/health`);
    expect(draining.status).toBe(503);
    expect(await draining.json()).toMatchObject({ status: 'fail' });
  });

  it('answers CREATE DATABASE as a no-op and refuses other queries', async () => {
    const { base } = await start(new SinkConsumer());
    const created = await post(`${base}/query`, new URLSearchParams({ q: 'CREATE DATABASE "telegraf"' }).toString(), { 'content-type': 'application/x-www-form-urlencoded' });
    expect(created.status).toBe(200);
    expect(await created.json()).toEqual({ results: [{ statement_id: 0 }] });
    expect((await fetch(`${base}/query?q=${encodeURIComponent('create database x; CREATE DATABASE y')}`)).status).toBe(200);
    const select = await fetch(`${base}/query?q=${encodeURIComponent('SELECT * FROM cpu')}`);
    expect(select.status).toBe(400);
    expect(((await select.json()) as { error: string }).error).toMatch(/accepts writes only/);
  });
});

describe('TLS', () => {
  it('serves the write API over TLS with the shared server settings', async () => {
    const dir = testTempDir('influx-tls-');
    const cert = join(dir, 'cert.pem');
    const key = join(dir, 'key.pem');
    const made = spawnSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', key, '-out', cert, '-days', '1', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1']);
    if (made.error !== undefined || made.status !== 0) throw new Error(`this test makes a certificate with openssl; install it with "apt-get install -y openssl" (${made.error?.message ?? made.stderr.toString()})`);
    const sink = new SinkConsumer();
    const { base } = await start(sink, { tls: { cert_file: cert, key_file: key } });
    expect(base).toMatch(/^https:/);
    const dispatcher = new Agent({ connect: { ca: readFileSync(cert) } });
    const res = await undiciFetch(`${base}/api/v2/write?bucket=b`, { method: 'POST', body: 'm f=1 1', dispatcher });
    expect(res.status).toBe(204);
    expect(received(sink)).toEqual(['m_f|{}|1|1']);
    await dispatcher.close();
  });
});
