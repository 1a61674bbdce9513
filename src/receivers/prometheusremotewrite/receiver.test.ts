import { afterEach, describe, expect, it } from 'vitest';
import type { Consumer } from '../../component/component.js';
import { Errors } from '../../errors/catalogue.js';
import { TributaryError } from '../../errors/tributary-error.js';
import { snappyCompress } from '../../exporters/helper/snappy.js';
import { PromType } from '../../model/prw/metadata.js';
import { FailingConsumer, SinkConsumer } from '../../test-kit/consumers.js';
import { RecordingAuthenticator } from '../../test-kit/authenticator.js';
import { lifecycleSuite } from '../../test-kit/lifecycle-suite.js';
import { metricRows } from '../../test-kit/metric-rows.js';
import { type RwSeries, encodeV1, encodeV2, labelsOf } from '../../test-kit/prw-encode.js';
import { testHost, testSettings } from '../../test-kit/settings.js';
import { prwReceiverSchema } from './config.js';
import { prwReceiverFactory } from './factory.js';
import { PrwReceiver } from './receiver.js';

lifecycleSuite(prwReceiverFactory, { endpoint: '127.0.0.1:0' });

const running: PrwReceiver[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((r) => r.shutdown()));
});

async function start(next: Consumer, config: object = {}, extensions: Record<string, unknown> = {}) {
  const set = testSettings('receiver', 'prometheusremotewrite');
  const r = new PrwReceiver(set, prwReceiverSchema.parse({ endpoint: '127.0.0.1:0', ...config }), next);
  await r.start(testHost(extensions));
  running.push(r);
  return { url: r.endpoints()[0], metrics: set.metrics };
}

const T = 1_700_000_000_000;
const V1_TYPE = 'application/x-protobuf';
const V2_TYPE = 'application/x-protobuf;proto=io.prometheus.write.v2.Request';

function post(url: string, body: Uint8Array, headers: Record<string, string> = {}) {
  return fetch(url, { method: 'POST', body, headers: { 'content-encoding': 'snappy', 'content-type': V1_TYPE, ...headers } });
}

const SERIES: RwSeries[] = [
  { labels: labelsOf({ __name__: 'up', job: 'node', instance: 'h:9100' }), samples: [{ value: 1, ts: T }] },
  {
    labels: labelsOf({ __name__: 'reqs_total', job: 'node', instance: 'h:9100', code: '200' }),
    samples: [{ value: 5, ts: T }],
    exemplars: [{ labels: labelsOf({ trace_id: '0af7651916cd43dd8448eb211c80319c' }), value: 1, ts: T }],
    metadata: { type: PromType.COUNTER },
  },
  { labels: labelsOf({ __name__: 'lat', job: 'node' }), histograms: [{ countInt: 2, sum: 3, schema: 0, positiveSpans: [[1, 1]], positiveDeltas: [2], ts: T }] },
];

describe('POST /api/v1/write', () => {
  it('remote write 1.0: 204 with no body and no Written headers; the data reaches the pipeline', async () => {
    const sink = new SinkConsumer();
    const { url } = await start(sink);
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/api\/v1\/write$/);
    const res = await post(url, snappyCompress(encodeV1(SERIES)), { 'x-prometheus-remote-write-version': '0.1.0' });
    expect(res.status).toBe(204);
    expect(await res.text()).toBe('');
    expect(res.headers.get('x-prometheus-remote-write-samples-written')).toBeNull();
    const rows = metricRows(sink.batches[0]);
    expect(rows.map((r) => [r.name, r.type, r.resource['service.name'], r.value ?? r.count])).toEqual([
      ['up', 'gauge', 'node', 1],
      ['reqs_total', 'gauge', 'node', 5],
      ['lat', 'exphistogram', 'node', 2],
    ]);
    expect(sink.contexts[0]).toMatchObject({ transport: 'http', receiver: 'prometheusremotewrite' });
  });

  it('remote write 2.0: 204 with the samples, histograms and exemplars written', async () => {
    const sink = new SinkConsumer();
    const { url } = await start(sink);
    const res = await post(url, snappyCompress(encodeV2(SERIES)), { 'content-type': V2_TYPE, 'x-prometheus-remote-write-version': '2.0.0' });
    expect(res.status).toBe(204);
    expect([...['samples', 'histograms', 'exemplars'].map((k) => res.headers.get(`x-prometheus-remote-write-${k}-written`))]).toEqual(['2', '1', '1']);
    expect(metricRows(sink.batches[0]).find((r) => r.name === 'reqs_total')).toMatchObject({ type: 'sum', monotonic: true });
  });

  const types: [string, string | undefined, number][] = [
    ['no Content-Type: 1.0', undefined, 204],
    ['proto=prometheus.WriteRequest', 'application/x-protobuf;proto=prometheus.WriteRequest', 204],
    ['a quoted proto parameter and spaces', 'Application/X-Protobuf; proto="prometheus.WriteRequest"', 204],
    ['an unknown proto message', 'application/x-protobuf;proto=io.prometheus.write.v3.Request', 415],
    ['JSON', 'application/json', 415],
  ];
  it.each(types)('Content-Type: %s', async (_, type, status) => {
    const sink = new SinkConsumer();
    const { url } = await start(sink);
    const headers: Record<string, string> = { 'content-encoding': 'snappy' };
    if (type !== undefined) headers['content-type'] = type;
    const res = await fetch(url, { method: 'POST', body: snappyCompress(encodeV1(SERIES.slice(0, 1))), headers });
    expect(res.status).toBe(status);
    if (status === 204) expect(metricRows(sink.batches[0]).map((r) => r.name)).toEqual(['up']);
    if (status === 415) {
      expect(res.headers.get('content-type')).toMatch(/^text\/plain/);
      expect(await res.text()).toMatch(/^TRIB_ERR_BODY_MEDIA_TYPE: Content-Type ".*" is not supported; send application\/x-protobuf/);
      expect(sink.batches).toEqual([]);
    }
  });

  it.each([['none', undefined], ['gzip', 'gzip']])('Content-Encoding %s: 415', async (_, enc) => {
    const { url } = await start(new SinkConsumer());
    const headers: Record<string, string> = { 'content-type': V1_TYPE };
    if (enc !== undefined) headers['content-encoding'] = enc;
    const res = await fetch(url, { method: 'POST', body: encodeV1(SERIES), headers });
    expect(res.status).toBe(415);
    expect(await res.text()).toMatch(/must be snappy \(block format\) compressed/);
  });

  it('a snappy bomb (a tiny body announcing 4 GiB) is refused with 413 before allocating', async () => {
    const { url } = await start(new SinkConsumer(), { max_request_body_size: 1 << 20 });
    const res = await post(url, Buffer.from([0xff, 0xff, 0xff, 0xff, 0x0f, 0x00]));
    expect(res.status).toBe(413);
    expect(await res.text()).toMatch(/^TRIB_ERR_BODY_TOO_LARGE: decompressed request body exceeds the limit of 1048576 bytes/);
  });

  it('a body that really decompresses beyond the limit: 413; at the limit: accepted', async () => {
    const sink = new SinkConsumer();
    const { url } = await start(sink, { max_request_body_size: 4096 });
    const big = encodeV1([{ labels: labelsOf({ __name__: 'x', pad: 'p'.repeat(5000) }), samples: [{ value: 1, ts: T }] }]);
    expect((await post(url, snappyCompress(big))).status).toBe(413);
    const fits = encodeV1([{ labels: labelsOf({ __name__: 'x', pad: 'p'.repeat(3000) }), samples: [{ value: 1, ts: T }] }]);
    expect(fits.length).toBeLessThan(4096);
    expect((await post(url, snappyCompress(fits))).status).toBe(204);
  });

  const bad: [string, () => Buffer, string, RegExp][] = [
    ['uncompressed protobuf', () => encodeV1(SERIES), V1_TYPE, /^TRIB_ERR_BODY_DECOMPRESS: snappy: corrupt input/],
    ['the framed snappy format', () => Buffer.concat([Buffer.from([0xff, 0x06, 0x00, 0x00]), Buffer.from('sNaPpY')]), V1_TYPE, /^TRIB_ERR_BODY_DECOMPRESS: snappy: corrupt input.*not the framed format/],
    ['truncated protobuf', () => snappyCompress(encodeV1(SERIES).subarray(0, 20)), V1_TYPE, /^TRIB_ERR_DECODE_PROTOBUF: invalid remote write 1.0 WriteRequest/],
    ['a series without a name', () => snappyCompress(encodeV1([{ labels: labelsOf({ job: 'x' }), samples: [{ value: 1, ts: T }] }])), V1_TYPE, /^TRIB_ERR_DATA_INVALID: a series has no __name__ label/],
    ['2.0: a ref beyond the symbols', () => snappyCompress(Buffer.from([0x22, 0x00, 0x2a, 0x04, 0x0a, 0x02, 0x01, 0x05])), V2_TYPE, /^TRIB_ERR_DATA_INVALID: a label name refers to symbol 1, but the request has 1 symbols/],
  ];
  it.each(bad)('400 with a message senders can log: %s', async (_, body, type, message) => {
    const sink = new SinkConsumer();
    const { url } = await start(sink);
    const res = await post(url, body(), { 'content-type': type });
    expect(res.status).toBe(400);
    expect(await res.text()).toMatch(message);
    if (type === V2_TYPE) expect(res.headers.get('x-prometheus-remote-write-samples-written')).toBe('0');
    expect(sink.batches).toEqual([]);
  });

  it('an empty request (no series) is accepted without reaching the pipeline', async () => {
    const sink = new SinkConsumer();
    const { url } = await start(sink);
    expect((await post(url, snappyCompress(Buffer.alloc(0)))).status).toBe(204);
    expect(sink.batches).toEqual([]);
  });

  it('other paths: 404 naming the endpoint', async () => {
    const { url } = await start(new SinkConsumer());
    const res = await fetch(url.replace('/api/v1/write', '/api/v1/push'), { method: 'POST', body: 'x' });
    expect(res.status).toBe(404);
    expect(await res.text()).toMatch(/remote write to POST \/api\/v1\/write/);
  });
});

describe('when the pipeline refuses', () => {
  const refusals: [string, TributaryError, number, string | null][] = [
    ['a full queue: 503 with Retry-After', new TributaryError(Errors.QUEUE_FULL, 'queue full', { retryAfterMs: 2500 }), 503, '3'],
    ['a rate limit: 429 with Retry-After', new TributaryError(Errors.RATE_LIMITED, 'slow down'), 429, '1'],
    ['for good: 400, no Retry-After', new TributaryError(Errors.EXPORT_PERMANENT, 'rejected downstream'), 400, null],
  ];
  it.each(refusals)('%s', async (_, error, status, retryAfter) => {
    const { url } = await start(new FailingConsumer(error));
    const res = await post(url, snappyCompress(encodeV2(SERIES)), { 'content-type': V2_TYPE });
    expect(res.status).toBe(status);
    expect(res.headers.get('retry-after')).toBe(retryAfter);
    expect(await res.text()).toContain(error.message);
    // Nothing was taken: the sender retries the request whole.
    expect(res.headers.get('x-prometheus-remote-write-samples-written')).toBe('0');
  });

  it('drops are counted only for accepted requests', async () => {
    const gaugeHistogram = snappyCompress(encodeV1([{ labels: labelsOf({ __name__: 'gh' }), histograms: [{ countInt: 1, sum: 1, schema: 0, resetHint: 3, ts: T }] }, SERIES[0]]));
    const refused = await start(new FailingConsumer(new TributaryError(Errors.QUEUE_FULL, 'full')));
    expect((await post(refused.url, gaugeHistogram)).status).toBe(503);
    expect((await refused.metrics.registry.getSingleMetricAsString('tributary_dropped_metric_points_total'))).not.toContain('native_gauge_histogram');
    const ok = await start(new SinkConsumer());
    expect((await post(ok.url, gaugeHistogram)).status).toBe(204);
    expect(await ok.metrics.registry.getSingleMetricAsString('tributary_dropped_metric_points_total')).toMatch(/component="receiver\/prometheusremotewrite",reason="native_gauge_histogram"} 1/);
  });
});

describe('auth and include_metadata', () => {
  it('runs the authenticator on the raw request and passes the identity on', async () => {
    const auth = new RecordingAuthenticator({ 'Bearer good': { authenticator: 'tokens', subject: 'site-a', attributes: { tenant: 't1' } } });
    const sink = new SinkConsumer();
    const { url } = await start(sink, { auth: { authenticator: 'tokens' } }, { tokens: auth });
    const body = snappyCompress(encodeV1(SERIES));
    const denied = await post(url, body);
    expect(denied.status).toBe(401);
    expect(await denied.text()).toMatch(/^TRIB_ERR_AUTH_UNAUTHENTICATED: no valid credentials/);
    expect(sink.batches).toEqual([]);
    const ok = await post(url, body, { authorization: 'Bearer good' });
    expect(ok.status).toBe(204);
    expect(sink.contexts[0].client.auth).toEqual({ authenticator: 'tokens', subject: 'site-a', attributes: { tenant: 't1' } });
    // Signing schemes (SigV4) need the exact bytes that were sent.
    expect(auth.seen[1]).toMatchObject({ method: 'POST', path: '/api/v1/write', transport: 'http' });
    expect(auth.seen[1].body?.equals(body)).toBe(true);
    // Without include_metadata no headers travel.
    expect(sink.contexts[0].client.metadata).toBeUndefined();
  });

  it('an unknown authenticator id fails start', async () => {
    const r = new PrwReceiver(testSettings('receiver', 'prometheusremotewrite'), prwReceiverSchema.parse({ endpoint: '127.0.0.1:0', auth: { authenticator: 'nope' } }), new SinkConsumer());
    await expect(r.start(testHost())).rejects.toThrow(/auth.authenticator "nope" is not a running extension/);
  });

  it('include_metadata: request headers reach the pipeline', async () => {
    const sink = new SinkConsumer();
    const { url } = await start(sink, { include_metadata: true });
    expect((await post(url, snappyCompress(encodeV1(SERIES)), { 'x-scope-orgid': 'tenant-7' })).status).toBe(204);
    expect(sink.contexts[0].client.metadata?.get('x-scope-orgid')).toEqual(['tenant-7']);
    expect(sink.contexts[0].client.metadata?.get('content-encoding')).toEqual(['snappy']);
  });
});

describe('config', () => {
  it('defaults: the Collector keys, localhost:19291 (Prometheus owns 9090), 10 MiB', () => {
    expect(prwReceiverSchema.parse({})).toEqual({
      endpoint: 'localhost:19291',
      max_request_body_size: 10 * 1024 * 1024,
      include_metadata: false,
      read_timeout: 0,
      read_header_timeout: 60_000,
      idle_timeout: 60_000,
      time_threshold: 24,
    });
  });

  it('names unknown keys', () => {
    const r = prwReceiverSchema.safeParse({ endpont: 'x:1' });
    expect(r.success).toBe(false);
    expect(JSON.stringify(r.error?.issues)).toMatch(/unknown key \\"endpont\\"; valid keys are: auth, endpoint/);
  });
});
