import { gzipSync } from 'node:zlib';
import { afterEach, describe, expect, it } from 'vitest';
import { Errors } from '../../errors/catalogue.js';
import { TributaryError } from '../../errors/tributary-error.js';
import { FailingConsumer, SinkConsumer } from '../../test-kit/consumers.js';
import { lifecycleSuite } from '../../test-kit/lifecycle-suite.js';
import { decodeExportResponse, decodeStatus, encodeRequest, gaugeRequest, grpcExport } from '../../test-kit/otlp-client.js';
import { testHost, testSettings } from '../../test-kit/settings.js';
import type { Consumer } from '../../component/component.js';
import { otlpReceiverSchema } from './config.js';
import { otlpReceiverFactory } from './factory.js';
import { OtlpReceiver } from './receiver.js';

lifecycleSuite(otlpReceiverFactory, { protocols: { grpc: { endpoint: '127.0.0.1:0' }, http: { endpoint: '127.0.0.1:0' } } });

const running: OtlpReceiver[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((r) => r.shutdown()));
});

async function start(next: Consumer, http: object = {}, grpc: object = {}) {
  const config = otlpReceiverSchema.parse({ protocols: { grpc: { endpoint: '127.0.0.1:0', ...grpc }, http: { endpoint: '127.0.0.1:0', ...http } } });
  const r = new OtlpReceiver(testSettings('receiver', 'otlp'), config, next);
  await r.start(testHost());
  running.push(r);
  const [g, h] = r.endpoints();
  return { grpcAddress: g.replace('grpc://', ''), url: h };
}

const post = (url: string, body: Buffer | string, headers: Record<string, string>) => fetch(url, { method: 'POST', body, headers });

describe('OTLP/HTTP', () => {
  it('accepts protobuf and answers with an empty protobuf response', async () => {
    const sink = new SinkConsumer();
    const { url } = await start(sink);
    const res = await post(url, encodeRequest(gaugeRequest('g', 5)), { 'content-type': 'application/x-protobuf' });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/application\/x-protobuf/);
    expect((await res.arrayBuffer()).byteLength).toBe(0);
    expect(sink.points()).toBe(1);
  });

  it('accepts JSON and gzip, answering in JSON', async () => {
    const sink = new SinkConsumer();
    const { url } = await start(sink);
    const body = gzipSync(JSON.stringify({ resourceMetrics: [{ scopeMetrics: [{ metrics: [{ name: 'j', gauge: { dataPoints: [{ timeUnixNano: '1', asInt: '7' }] } }] }] }] }));
    const res = await post(url, body, { 'content-type': 'application/json', 'content-encoding': 'gzip' });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({});
    expect(sink.points()).toBe(1);
  });

  const bad: [string, () => { body: Buffer | string; headers: Record<string, string> }, number, RegExp][] = [
    ['truncated protobuf', () => ({ body: encodeRequest(gaugeRequest()).subarray(0, 20), headers: { 'content-type': 'application/x-protobuf' } }), 400, /TRIB_ERR_DECODE_PROTOBUF/],
    ['invalid JSON', () => ({ body: '{"resourceMetrics": [', headers: { 'content-type': 'application/json' } }), 400, /not valid JSON/],
    ['wrong content type', () => ({ body: 'hello', headers: { 'content-type': 'text/plain' } }), 415, /Content-Type "text\/plain" is not supported/],
    ['empty JSON body', () => ({ body: '', headers: { 'content-type': 'application/json' } }), 400, /empty body/],
    ['body over the limit', () => ({ body: Buffer.alloc(20000, 1), headers: { 'content-type': 'application/x-protobuf' } }), 413, /exceeds the limit of 16384 bytes/],
    ['gzip bomb', () => ({ body: gzipSync(Buffer.alloc(10 * 1024 * 1024)), headers: { 'content-type': 'application/x-protobuf', 'content-encoding': 'gzip' } }), 413, /decompressed request body exceeds/],
    ['corrupt gzip', () => ({ body: Buffer.from('not gzip at all'), headers: { 'content-type': 'application/x-protobuf', 'content-encoding': 'gzip' } }), 400, /cannot decompress/],
    ['unsupported encoding', () => ({ body: Buffer.from('x'), headers: { 'content-type': 'application/x-protobuf', 'content-encoding': 'br' } }), 415, /Content-Encoding "br" is not supported/],
  ];

  it.each(bad)('%s -> %s, and the receiver still serves', async (_name, make, status, message) => {
    const sink = new SinkConsumer();
    const { url } = await start(sink, { max_request_body_size: 16384 });
    const { body, headers } = make();
    const res = await post(url, body, headers);
    expect(res.status).toBe(status);
    const text = Buffer.from(await res.arrayBuffer());
    const msg = headers['content-type'] === 'application/json' || headers['content-type'] === 'text/plain' ? JSON.parse(text.toString()).message : decodeStatus(text).message;
    expect(msg).toMatch(message);
    expect(sink.points()).toBe(0);
    const ok = await post(url, encodeRequest(gaugeRequest()), { 'content-type': 'application/x-protobuf' });
    expect(ok.status).toBe(200);
  });

  it('an empty protobuf body is an empty request: success, nothing handed on', async () => {
    const sink = new SinkConsumer();
    const { url } = await start(sink);
    const res = await post(url, Buffer.alloc(0), { 'content-type': 'application/x-protobuf' });
    expect(res.status).toBe(200);
    expect(sink.batches).toHaveLength(0);
  });

  it('answers partial success with the count of rejected points', async () => {
    const sink = new SinkConsumer();
    const { url } = await start(sink);
    const req = gaugeRequest('g', 1, [{ asDouble: 2 }, { timeUnixNano: '1', asDouble: 3 }, { timeUnixNano: '1' }]);
    const res = await post(url, encodeRequest(req), { 'content-type': 'application/x-protobuf' });
    expect(res.status).toBe(200);
    const body = decodeExportResponse(Buffer.from(await res.arrayBuffer()));
    expect(Number(body.partialSuccess?.rejectedDataPoints)).toBe(2);
    expect(body.partialSuccess?.errorMessage).toMatch(/2 data point\(s\) rejected: time_unix_nano is required; number data point has no value/);
    expect(sink.points()).toBe(2);
  });

  it('maps a full downstream to 503 with Retry-After, and a permanent refusal to 400', async () => {
    const full = new FailingConsumer(new TributaryError(Errors.QUEUE_FULL, 'queue full', { retryAfterMs: 2500 }));
    const a = await start(full);
    const res = await post(a.url, encodeRequest(gaugeRequest()), { 'content-type': 'application/x-protobuf' });
    expect(res.status).toBe(503);
    expect(res.headers.get('retry-after')).toBe('3');
    const st = decodeStatus(Buffer.from(await res.arrayBuffer()));
    expect(st.details[0].typeUrl).toBe('type.googleapis.com/google.rpc.RetryInfo');

    const b = await start(new FailingConsumer());
    const res2 = await post(b.url, encodeRequest(gaugeRequest()), { 'content-type': 'application/x-protobuf' });
    expect(res2.status).toBe(400);
    expect(res2.headers.get('retry-after')).toBeNull();
  });

  it('passes request headers to the pipeline only with include_metadata', async () => {
    const sink = new SinkConsumer();
    const { url } = await start(sink, { include_metadata: true });
    await post(url, encodeRequest(gaugeRequest()), { 'content-type': 'application/x-protobuf', 'x-tenant': 'blue' });
    expect(sink.contexts[0].client.metadata?.get('x-tenant')).toEqual(['blue']);
    expect(sink.contexts[0].transport).toBe('http');

    const sink2 = new SinkConsumer();
    const b = await start(sink2);
    await post(b.url, encodeRequest(gaugeRequest()), { 'content-type': 'application/x-protobuf', 'x-tenant': 'blue' });
    expect(sink2.contexts[0].client.metadata).toBeUndefined();
  });
});

describe('OTLP/gRPC', () => {
  it('accepts raw and gzip-compressed messages', async () => {
    const sink = new SinkConsumer();
    const { grpcAddress } = await start(sink, {}, { include_metadata: true });
    expect((await grpcExport(grpcAddress, encodeRequest(gaugeRequest()))).code).toBe(0);
    expect((await grpcExport(grpcAddress, encodeRequest(gaugeRequest()), { gzip: true, metadata: { 'x-site': 'paris' } })).code).toBe(0);
    expect(sink.points()).toBe(2);
    expect(sink.contexts[1].client.metadata?.get('x-site')).toEqual(['paris']);
  });

  it('answers INVALID_ARGUMENT for a truncated message and keeps serving', async () => {
    const sink = new SinkConsumer();
    const { grpcAddress } = await start(sink);
    const r = await grpcExport(grpcAddress, encodeRequest(gaugeRequest()).subarray(0, 15));
    expect(r.code).toBe(3);
    expect(r.details).toMatch(/TRIB_ERR_DECODE_PROTOBUF/);
    expect((await grpcExport(grpcAddress, encodeRequest(gaugeRequest()))).code).toBe(0);
  });

  it('answers RESOURCE_EXHAUSTED for a message over max_recv_msg_size_mib, also when it arrives gzipped', async () => {
    const { grpcAddress } = await start(new SinkConsumer(), {}, { max_recv_msg_size_mib: 1 });
    const big = encodeRequest(gaugeRequest('x'.repeat(2 * 1024 * 1024)));
    expect((await grpcExport(grpcAddress, big)).code).toBe(8);
    expect((await grpcExport(grpcAddress, big, { gzip: true })).code).toBe(8);
  });

  it('answers UNAVAILABLE with RetryInfo when downstream is full', async () => {
    const { grpcAddress } = await start(new FailingConsumer(new TributaryError(Errors.QUEUE_FULL, 'full', { retryAfterMs: 2000 })));
    const r = await grpcExport(grpcAddress, encodeRequest(gaugeRequest()));
    expect(r.code).toBe(14);
    const details = r.metadata?.get('grpc-status-details-bin')[0] as Buffer;
    const st = decodeStatus(details);
    expect(st.code).toBe(14);
    expect(st.details[0].typeUrl).toBe('type.googleapis.com/google.rpc.RetryInfo');
  });

  it('answers partial success over gRPC', async () => {
    const { grpcAddress } = await start(new SinkConsumer());
    const r = await grpcExport(grpcAddress, encodeRequest(gaugeRequest('g', 1, [{ asDouble: 1 }])));
    expect(r.code).toBe(0);
    expect(Number(decodeExportResponse(r.response!).partialSuccess?.rejectedDataPoints)).toBe(1);
  });
});
