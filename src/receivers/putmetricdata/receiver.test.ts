import { gzipSync } from 'node:zlib';
import { CloudWatchClient, type MetricDatum, PutMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import { AwsJson1_0Protocol, AwsQueryProtocol, AwsSmithyRpcV2CborProtocol } from '@aws-sdk/core/protocols';
import { cbor } from '@smithy/core/cbor';
import { afterEach, describe, expect, it } from 'vitest';
import type { Consumer, RequestContext } from '../../component/component.js';
import type { MetricBatch } from '../../model/metric.js';
import { Errors } from '../../errors/catalogue.js';
import { TributaryError } from '../../errors/tributary-error.js';
import { signAwsRequest } from '../../test-kit/aws-sign.js';
import { agentQueryForm } from '../../test-kit/cloudwatch-agent.js';
import { FailingConsumer, SinkConsumer } from '../../test-kit/consumers.js';
import { lifecycleSuite } from '../../test-kit/lifecycle-suite.js';
import { testHost, testSettings } from '../../test-kit/settings.js';
import { putMetricDataReceiverSchema } from './config.js';
import { putMetricDataReceiverFactory } from './factory.js';
import { PutMetricDataReceiver } from './receiver.js';

/**
 * The receiver over HTTP, driven by the real AWS SDK for JavaScript in each
 * of its three CloudWatch protocols, and by hand-made signed requests where
 * the exact bytes of an answer matter.
 */

const KEY = { access_key_id: 'AKIDPARIS', secret_access_key: 'paris-secret', attributes: { site: 'paris', account: '111122223333' } };

lifecycleSuite(putMetricDataReceiverFactory, { endpoint: '127.0.0.1:0', credentials: [KEY] });

const running: PutMetricDataReceiver[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((r) => r.shutdown()));
});

async function start(next: Consumer, extra: object = {}): Promise<string> {
  const config = putMetricDataReceiverSchema.parse({ endpoint: '127.0.0.1:0', credentials: [KEY], ...extra });
  const r = new PutMetricDataReceiver(testSettings('receiver', 'putmetricdata'), config, next);
  await r.start(testHost());
  running.push(r);
  return r.endpoints()[0];
}

const PROTOCOLS = { query: AwsQueryProtocol, json: AwsJson1_0Protocol, cbor: AwsSmithyRpcV2CborProtocol } as const;
type ProtocolName = keyof typeof PROTOCOLS;

function client(endpoint: string, protocol: ProtocolName, o: { key?: string; secret?: string; region?: string; maxAttempts?: number; systemClockOffset?: number } = {}): CloudWatchClient {
  return new CloudWatchClient({
    endpoint,
    region: o.region ?? 'eu-west-3',
    credentials: { accessKeyId: o.key ?? KEY.access_key_id, secretAccessKey: o.secret ?? KEY.secret_access_key },
    maxAttempts: o.maxAttempts ?? 1,
    systemClockOffset: o.systemClockOffset,
    protocol: PROTOCOLS[protocol],
  });
}

const DATA: MetricDatum[] = [
  { MetricName: 'cpu', Value: 12.5, Unit: 'Percent', Dimensions: [{ Name: 'Host', Value: 'ws-042' }, { Name: 'site', Value: 'forged' }] },
  { MetricName: 'latency', Values: [10, 20, 30], Counts: [5, 3, 2], Unit: 'Milliseconds', StorageResolution: 1, Timestamp: new Date(Date.now() - 60_000) },
  { MetricName: 'requests', StatisticValues: { SampleCount: 4, Sum: 40, Minimum: 5, Maximum: 15 }, Unit: 'Count' },
];

interface SdkError {
  name: string;
  Code?: string;
  message: string;
  $metadata: { httpStatusCode?: number; attempts?: number; requestId?: string };
  $response?: { headers: Record<string, string> };
}

async function failure(p: Promise<unknown>): Promise<SdkError> {
  try {
    await p;
  } catch (err) {
    return err as SdkError;
  }
  throw new Error('the request succeeded');
}

describe.each(Object.keys(PROTOCOLS) as ProtocolName[])('the AWS SDK for JavaScript over %s', (protocol) => {
  it('delivers Value, Values/Counts and StatisticValues with the key\'s attributes', async () => {
    const sink = new SinkConsumer();
    const ep = await start(sink);
    const out = await client(ep, protocol).send(new PutMetricDataCommand({ Namespace: 'WorkSpaces/Agent', MetricData: DATA }));
    expect(out.$metadata.httpStatusCode).toBe(200);
    expect(out.$metadata.requestId).toMatch(/^[0-9a-f-]{36}$/);
    expect(sink.points()).toBe(3);
    const attrs = sink.batches[0].resourceMetrics[0].scopeMetrics[0].metrics[0].points.attributes[0].toObject();
    expect(attrs).toEqual({ Host: 'ws-042', site: 'paris', account: '111122223333', 'cloudwatch.namespace': 'WorkSpaces/Agent' });
    expect(sink.contexts[0].client.auth).toEqual({ authenticator: 'putmetricdata', subject: 'AKIDPARIS', attributes: KEY.attributes });
    expect(sink.contexts[0].client.metadata).toBeUndefined();
  });

  it('surfaces the AWS codes for a wrong secret, an unknown key, a stale signature and invalid data', async () => {
    const sink = new SinkConsumer();
    const ep = await start(sink);
    const send = (c: CloudWatchClient, data = DATA) => c.send(new PutMetricDataCommand({ Namespace: 'App', MetricData: data }));

    const wrong = await failure(send(client(ep, protocol, { secret: 'guess' })));
    expect([wrong.name, wrong.$metadata.httpStatusCode]).toEqual(['SignatureDoesNotMatch', 403]);
    const unknown = await failure(send(client(ep, protocol, { key: 'AKIDNOBODY' })));
    expect([unknown.name, unknown.$metadata.httpStatusCode, unknown.message]).toEqual(['InvalidClientTokenId', 403, 'The security token included in the request is invalid.']);
    const stale = await failure(send(client(ep, protocol, { systemClockOffset: -20 * 60_000 })));
    expect([stale.name, stale.$metadata.httpStatusCode]).toEqual(['SignatureDoesNotMatch', 403]);
    expect(stale.message).toMatch(/^Signature expired: \d{8}T\d{6}Z is now earlier than \d{8}T\d{6}Z \(\d{8}T\d{6}Z - 15 min\.\)$/);

    const invalid = await failure(send(client(ep, protocol), [...DATA, { MetricName: 'bad', Value: 1, Unit: 'Hours' as never }]));
    expect([invalid.name, invalid.Code, invalid.$metadata.httpStatusCode]).toEqual(['InvalidParameterValueException', 'InvalidParameterValue', 400]);
    expect(invalid.message).toMatch(/^The parameter MetricData\.member\.4\.Unit must be a value in the set \[ Seconds, /);
    const missing = await failure(send(client(ep, protocol), [{ MetricName: 'm' }]));
    expect([missing.name, missing.Code]).toEqual(['MissingRequiredParameterException', 'MissingParameter']);
    const both = await failure(send(client(ep, protocol), [{ MetricName: 'm', Value: 1, Values: [1] }]));
    expect([both.name, both.Code]).toEqual(['InvalidParameterCombinationException', 'InvalidParameterCombination']);
    // Nothing of a refused request was handed on.
    expect(sink.batches).toHaveLength(0);
  });

  it('lets the SDK learn our clock from the Date header after a stale-signature refusal, as AWS does', async () => {
    const sink = new SinkConsumer();
    const ep = await start(sink);
    const c = client(ep, protocol, { systemClockOffset: -20 * 60_000 });
    const send = () => c.send(new PutMetricDataCommand({ Namespace: 'App', MetricData: [{ MetricName: 'm', Value: 1 }] }));
    expect((await failure(send())).name).toBe('SignatureDoesNotMatch');
    expect(Math.abs(c.config.systemClockOffset ?? -1)).toBeLessThan(60_000);
    await send();
    expect(sink.points()).toBe(1);
  });

  it('retries a Throttling answer (full pipeline) and gets through', async () => {
    let calls = 0;
    const sink = new SinkConsumer();
    const flaky: Consumer = {
      mutates: false,
      consume: (b: MetricBatch, ctx: RequestContext) => (++calls === 1 ? Promise.reject(new TributaryError(Errors.QUEUE_FULL, 'queue full', { retryAfterMs: 100 })) : sink.consume(b, ctx)),
    };
    const ep = await start(flaky);
    const out = await client(ep, protocol, { maxAttempts: 3 }).send(new PutMetricDataCommand({ Namespace: 'App', MetricData: [{ MetricName: 'm', Value: 1 }] }));
    expect(out.$metadata.attempts).toBe(2);
    expect(sink.points()).toBe(1);
  });
});

/** A signed raw request, for checking exact answers. */
async function post(ep: string, o: { path?: string; headers: Record<string, string>; body: Buffer | string; secret?: string; method?: string }): Promise<Response> {
  const url = `${ep}${o.path ?? '/'}`;
  const headers = await signAwsRequest({ url, headers: o.headers, body: o.body, accessKeyId: KEY.access_key_id, secretAccessKey: o.secret ?? KEY.secret_access_key });
  delete headers.host;
  return fetch(url, { method: o.method ?? 'POST', headers, body: o.body });
}

const FORM = { 'content-type': 'application/x-www-form-urlencoded; charset=utf-8' };
const JSON_H = { 'content-type': 'application/x-amz-json-1.0', 'x-amz-target': 'GraniteServiceVersion20100801.PutMetricData' };
const CBOR_H = { 'content-type': 'application/cbor', 'smithy-protocol': 'rpc-v2-cbor' };
const CBOR_PATH = '/service/GraniteServiceVersion20100801/operation/PutMetricData';

describe('answers on the wire', () => {
  it('accepts a gzip-compressed Query request as the CloudWatch Agent sends it, answering with PutMetricDataResponse XML', async () => {
    const sink = new SinkConsumer();
    const ep = await start(sink);
    const res = await post(ep, { headers: { ...FORM, 'content-encoding': 'gzip' }, body: gzipSync(agentQueryForm(20, 10)) });
    expect(res.status).toBe(200);
    const id = res.headers.get('x-amzn-requestid')!;
    expect(res.headers.get('content-type')).toMatch(/^text\/xml/);
    expect(await res.text()).toBe(`<PutMetricDataResponse xmlns="http://monitoring.amazonaws.com/doc/2010-08-01/">\n  <ResponseMetadata>\n    <RequestId>${id}</RequestId>\n  </ResponseMetadata>\n</PutMetricDataResponse>\n`);
    expect(sink.points()).toBe(20);
    expect(Object.keys(sink.batches[0].resourceMetrics[0].scopeMetrics[0].metrics[0].points.attributes[0].toObject())).toHaveLength(13);
  });

  it('answers errors as ErrorResponse XML, JSON with x-amzn-query-error, and CBOR with smithy-protocol', async () => {
    const ep = await start(new SinkConsumer());
    const q = await post(ep, { headers: FORM, body: 'Action=PutMetricData&Version=2010-08-01&Namespace=App&MetricData.member.1.MetricName=m&MetricData.member.1.Value=NaN' });
    expect(q.status).toBe(400);
    expect(await q.text()).toBe(
      `<ErrorResponse xmlns="http://monitoring.amazonaws.com/doc/2010-08-01/">\n  <Error>\n    <Type>Sender</Type>\n    <Code>InvalidParameterValue</Code>\n    <Message>The value NaN for parameter MetricData.member.1.Value is invalid.</Message>\n  </Error>\n  <RequestId>${q.headers.get('x-amzn-requestid')}</RequestId>\n</ErrorResponse>\n`,
    );

    const j = await post(ep, { headers: JSON_H, body: '{"Namespace":"App"}' });
    expect([j.status, j.headers.get('x-amzn-query-error'), j.headers.get('content-type')]).toEqual([400, 'MissingParameter;Sender', 'application/x-amz-json-1.0']);
    expect(await j.json()).toEqual({ __type: 'com.amazonaws.cloudwatch#MissingRequiredParameterException', message: 'The parameter MetricData is required.' });

    const c = await post(ep, { path: CBOR_PATH, headers: CBOR_H, body: Buffer.from(cbor.serialize({ Namespace: 'AWS/EC2', MetricData: [{ MetricName: 'm', Value: 1 }] })), secret: 'nope' });
    expect([c.status, c.headers.get('x-amzn-query-error'), c.headers.get('smithy-protocol')]).toEqual([403, 'SignatureDoesNotMatch;Sender', 'rpc-v2-cbor']);
    expect(cbor.deserialize(new Uint8Array(await c.arrayBuffer()))).toEqual({ __type: 'SignatureDoesNotMatch', message: expect.stringMatching(/^The request signature we calculated does not match/) });

    const ok = await post(ep, { path: CBOR_PATH, headers: CBOR_H, body: Buffer.from(cbor.serialize({ Namespace: 'App', MetricData: [{ MetricName: 'm', Value: 1 }] })) });
    expect([ok.status, ok.headers.get('content-type'), Buffer.from(await ok.arrayBuffer()).toString('hex')]).toEqual([200, 'application/cbor', 'a0']);
  });

  it('answers a full pipeline with Throttling and Retry-After, an outage with 503, a permanent refusal with 400', async () => {
    const body = '{"Namespace":"App","MetricData":[{"MetricName":"m","Value":1}]}';
    const full = await start(new FailingConsumer(new TributaryError(Errors.QUEUE_FULL, 'exporter queue is full', { retryAfterMs: 2500 })));
    const t = await post(full, { headers: JSON_H, body });
    expect([t.status, t.headers.get('retry-after'), t.headers.get('x-amzn-query-error')]).toEqual([400, '3', 'Throttling;Sender']);
    expect(await t.json()).toEqual({ __type: 'Throttling', message: 'TRIB_ERR_QUEUE_FULL: exporter queue is full' });

    const down = await start(new FailingConsumer(new TributaryError(Errors.SHUTTING_DOWN, 'draining')));
    const d = await post(down, { headers: FORM, body: 'Action=PutMetricData&Version=2010-08-01&Namespace=App&MetricData.member.1.MetricName=m&MetricData.member.1.Value=1' });
    expect([d.status, d.headers.get('retry-after')]).toEqual([503, '1']);
    expect(await d.text()).toMatch(/<Type>Receiver<\/Type>\n    <Code>ServiceUnavailable<\/Code>/);

    const perm = await start(new FailingConsumer());
    const p = await post(perm, { headers: JSON_H, body });
    expect([p.status, p.headers.get('retry-after'), p.headers.get('x-amzn-query-error')]).toEqual([400, null, 'InvalidParameterValue;Sender']);
  });

  it('refuses oversized bodies and gzip bombs with RequestEntityTooLarge (413)', async () => {
    const sink = new SinkConsumer();
    const ep = await start(sink, { max_request_body_size: 4096 });
    const big = await post(ep, { headers: JSON_H, body: `{"Namespace":"${'x'.repeat(5000)}"}` });
    expect([big.status, big.headers.get('x-amzn-query-error')]).toEqual([413, 'RequestEntityTooLarge;Sender']);
    const bomb = await post(ep, { headers: { ...FORM, 'content-encoding': 'gzip' }, body: gzipSync(Buffer.alloc(1024 * 1024, 'a')) });
    expect(bomb.status).toBe(413);
    expect(await bomb.text()).toMatch(/<Code>RequestEntityTooLarge<\/Code>\n    <Message>TRIB_ERR_BODY_TOO_LARGE: decompressed request body exceeds the limit of 4096 bytes/);
    const corrupt = await post(ep, { headers: { ...JSON_H, 'content-encoding': 'gzip' }, body: 'not gzip' });
    expect([corrupt.status, corrupt.headers.get('x-amzn-query-error')]).toEqual([400, 'InvalidParameterValue;Sender']);
    expect(sink.batches).toHaveLength(0);
  });

  it('refuses other methods and unknown operations in the caller\'s protocol, after no authentication', async () => {
    const ep = await start(new SinkConsumer());
    const get = await fetch(`${ep}/?Action=PutMetricData`);
    expect(get.status).toBe(400);
    expect(await get.text()).toMatch(/<Code>InvalidAction<\/Code>\n    <Message>GET is not supported: send PutMetricData with POST\.<\/Message>/);
    const unsigned = await fetch(ep, { method: 'POST', headers: JSON_H, body: '{}' });
    expect([unsigned.status, unsigned.headers.get('x-amzn-query-error')]).toEqual([403, 'MissingAuthenticationToken;Sender']);
    const other = await post(ep, { headers: { ...JSON_H, 'x-amz-target': 'GraniteServiceVersion20100801.ListMetrics' }, body: '{}' });
    expect([other.status, other.headers.get('x-amzn-query-error')]).toEqual([400, 'UnknownOperationException;Sender']);
  });

  it('passes headers other than Authorization to processors with include_metadata', async () => {
    const sink = new SinkConsumer();
    const ep = await start(sink, { include_metadata: true });
    await post(ep, { headers: { ...JSON_H, 'x-workspace': 'ws-1' }, body: '{"Namespace":"App","MetricData":[{"MetricName":"m","Value":1}]}' });
    const md = sink.contexts[0].client.metadata!;
    expect(md.get('x-workspace')).toEqual(['ws-1']);
    expect(md.has('authorization')).toBe(false);
    expect(md.has('x-amz-date')).toBe(true);
  });

  it('refuses another region when one is configured, with AWS\'s message', async () => {
    const ep = await start(new SinkConsumer(), { region: 'eu-west-1' });
    const e = await failure(client(ep, 'json', { region: 'us-east-1' }).send(new PutMetricDataCommand({ Namespace: 'App', MetricData: [{ MetricName: 'm', Value: 1 }] })));
    expect([e.name, e.message]).toEqual(['SignatureDoesNotMatch', "Credential should be scoped to a valid region, not 'us-east-1'."]);
    await client(ep, 'json', { region: 'eu-west-1' }).send(new PutMetricDataCommand({ Namespace: 'App', MetricData: [{ MetricName: 'm', Value: 1 }] }));
  });

  it('says why an entity was dropped in X-Amzn-Failure-Message, keeping its metrics', async () => {
    const sink = new SinkConsumer();
    const ep = await start(sink);
    const res = await post(ep, { headers: JSON_H, body: JSON.stringify({ Namespace: 'App', EntityMetricData: [{ Entity: { KeyAttributes: { Name: 'a', Environment: 'b' } }, MetricData: [{ MetricName: 'm', Value: 1 }] }] }) });
    expect([res.status, res.headers.get('x-amzn-failure-message')]).toEqual([200, 'MissingRequiredFields']);
    expect(sink.points()).toBe(1);
  });
});
