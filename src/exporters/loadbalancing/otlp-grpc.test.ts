import { afterEach, describe, expect, it } from 'vitest';
import type { Consumer } from '../../component/component.js';
import { Errors } from '../../errors/catalogue.js';
import { TributaryError } from '../../errors/tributary-error.js';
import { countPoints } from '../../model/metric.js';
import { encodeOtlpProto } from '../../model/otlp/encode-proto.js';
import { decodeRetryDelayMs, encodeStatus } from '../../model/rpc/status.js';
import { OtlpReceiver } from '../../receivers/otlp/receiver.js';
import { otlpReceiverSchema } from '../../receivers/otlp/config.js';
import { gaugeBatch } from '../../test-kit/batches.js';
import { FailingConsumer, SinkConsumer } from '../../test-kit/consumers.js';
import { testHost, testSettings } from '../../test-kit/settings.js';
import { loadBalancingSchema } from './config.js';
import { OtlpGrpcTransport } from './otlp-grpc.js';

/** The transport between tiers against Tributary's own OTLP/gRPC receiver: what each answer means. */

const closers: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of closers.splice(0).reverse()) await c();
});

async function backend(next: Consumer): Promise<OtlpGrpcTransport> {
  const r = new OtlpReceiver(testSettings('receiver', 'otlp'), otlpReceiverSchema.parse({ protocols: { grpc: { endpoint: '127.0.0.1:0' } } }), next);
  await r.start(testHost());
  closers.push(() => r.shutdown());
  const ep = r.endpoints().find((e) => e.startsWith('grpc'))!.replace(/^grpc:\/\//, '');
  const c = loadBalancingSchema.parse({ protocol: { otlp: { tls: { insecure: true }, timeout: '5s' } } }).protocol.otlp;
  const t = new OtlpGrpcTransport(ep, c);
  closers.push(() => t.close());
  return t;
}

const body = encodeOtlpProto(gaugeBatch('g', 5));

describe('OtlpGrpcTransport', () => {
  it('delivers an encoded batch (gzip on the wire) that the receiver decodes whole', async () => {
    const sink = new SinkConsumer();
    const t = await backend(sink);
    expect(await t.send(body)).toEqual({ kind: 'ok', rejected: 0, message: '' });
    expect(sink.batches.map(countPoints)).toEqual([5]);
  });

  it('retries UNAVAILABLE and honours the server\'s RetryInfo delay', async () => {
    const t = await backend(new FailingConsumer(new TributaryError(Errors.QUEUE_FULL, 'full', { retryAfterMs: 7000 })));
    const r = await t.send(body);
    expect(r).toMatchObject({ kind: 'retry', reason: 'grpc_unavailable', afterMs: 7000 });
  });

  it('does not retry what can never succeed', async () => {
    const t = await backend(new FailingConsumer(new TributaryError(Errors.EXPORT_PERMANENT, 'no')));
    expect(await t.send(body)).toMatchObject({ kind: 'permanent', reason: 'grpc_invalid_argument' });
  });

  it('retries a backend that is not listening', async () => {
    const c = loadBalancingSchema.parse({ protocol: { otlp: { tls: { insecure: true }, timeout: '2s' } } }).protocol.otlp;
    const t = new OtlpGrpcTransport('127.0.0.1:1', c);
    closers.push(() => t.close());
    expect(await t.send(body)).toMatchObject({ kind: 'retry' });
  });
});

describe('decodeRetryDelayMs', () => {
  it.each([0, 250, 1000, 61_500])('reads back %i ms', (ms) => {
    expect(decodeRetryDelayMs(encodeStatus({ code: 14, message: 'x', retryDelayMs: ms }))).toBe(ms);
  });
  it('is undefined without RetryInfo or for garbage', () => {
    expect(decodeRetryDelayMs(encodeStatus({ code: 14, message: 'x' }))).toBeUndefined();
    expect(decodeRetryDelayMs(Buffer.from([0xff, 0xff, 0xff]))).toBeUndefined();
  });
});
