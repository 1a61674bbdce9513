import { describe, expect, it, vi } from 'vitest';
import { EMPTY_CONTEXT, type RequestContext } from '../../component/component.js';
import { Errors } from '../../errors/catalogue.js';
import { TributaryError } from '../../errors/tributary-error.js';
import { countPoints } from '../../model/metric.js';
import { gaugeBatch } from '../../test-kit/batches.js';
import { FailingConsumer, GateConsumer, SinkConsumer } from '../../test-kit/consumers.js';
import { lifecycleSuite } from '../../test-kit/lifecycle-suite.js';
import { testSettings } from '../../test-kit/settings.js';
import { BatchProcessor } from './batch-processor.js';
import { batchSchema } from './config.js';
import { batchProcessorFactory } from './factory.js';

lifecycleSuite(batchProcessorFactory, {});

function make(raw: object, next = new SinkConsumer()) {
  const p = new BatchProcessor(testSettings('processor', 'batch', 'metrics'), batchSchema.parse(raw), next);
  return { p, next };
}

describe('batch processor', () => {
  it('sends when send_batch_size is reached, without waiting for the timeout', async () => {
    const { p, next } = make({ send_batch_size: 10, timeout: '1h' });
    const a = p.consume(gaugeBatch('a', 6), EMPTY_CONTEXT);
    const b = p.consume(gaugeBatch('b', 6), EMPTY_CONTEXT);
    await Promise.all([a, b]);
    expect(next.batches).toHaveLength(1);
    expect(countPoints(next.batches[0])).toBe(12);
  });

  it('sends on timeout and only then answers the caller', async () => {
    vi.useFakeTimers();
    try {
      const { p, next } = make({ send_batch_size: 100, timeout: '200ms' });
      let done = false;
      const r = p.consume(gaugeBatch('a', 3), EMPTY_CONTEXT).then(() => (done = true));
      await vi.advanceTimersByTimeAsync(150);
      expect(done).toBe(false);
      expect(next.batches).toHaveLength(0);
      await vi.advanceTimersByTimeAsync(100);
      await r;
      expect(done).toBe(true);
      expect(countPoints(next.batches[0])).toBe(3);
    } finally {
      vi.useRealTimers();
    }
  });

  it('passes a downstream error back to every caller in the failed batch', async () => {
    const err = new TributaryError(Errors.EXPORT_RETRYABLE, 'AMP is down');
    const { p } = make({ send_batch_size: 4 }, new FailingConsumer(err) as unknown as SinkConsumer);
    const results = await Promise.allSettled([p.consume(gaugeBatch('a', 2), EMPTY_CONTEXT), p.consume(gaugeBatch('b', 2), EMPTY_CONTEXT)]);
    expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected']);
    expect((results[0] as PromiseRejectedResult).reason).toBe(err);
  });

  it('splits at send_batch_max_size and fails only the callers in the failed part', async () => {
    let call = 0;
    const next = {
      mutates: false,
      sizes: [] as number[],
      async consume(b: Parameters<SinkConsumer['consume']>[0]) {
        this.sizes.push(countPoints(b));
        if (call++ === 1) throw new TributaryError(Errors.EXPORT_RETRYABLE, 'second part failed');
      },
    };
    const { p } = make({ send_batch_size: 9, send_batch_max_size: 9 }, next as unknown as SinkConsumer);
    // 3 callers of 6 points: 18 points -> parts [0,9) [9,18); caller 1 = [0,6), caller 2 = [6,12), caller 3 = [12,18).
    const r1 = p.consume(gaugeBatch('a', 6), EMPTY_CONTEXT);
    const r2 = p.consume(gaugeBatch('b', 6), EMPTY_CONTEXT);
    const results = await Promise.allSettled([r1, r2]);
    expect(next.sizes).toEqual([9, 3]);
    // caller 1 is wholly in part 1 (ok); caller 2 spans both parts, and part 2 failed.
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected']);
  });

  it('refuses with a retryable error when too much is pending', async () => {
    const gate = new GateConsumer();
    const { p } = make({ send_batch_size: 5, max_pending_points: 10 }, gate as unknown as SinkConsumer);
    const first = p.consume(gaugeBatch('a', 10), EMPTY_CONTEXT);
    await expect(p.consume(gaugeBatch('b', 1), EMPTY_CONTEXT)).rejects.toMatchObject({ code: 'TRIB_ERR_QUEUE_FULL', retryable: true });
    gate.pending[0].release();
    await first;
    await expect(Promise.race([p.consume(gaugeBatch('c', 5), EMPTY_CONTEXT), Promise.resolve('queued')])).resolves.toBe('queued');
  });

  it('batches separately per metadata key and hands on only those keys', async () => {
    const { p, next } = make({ send_batch_size: 2, metadata_keys: ['x-tenant', 'auth.site'] });
    const ctx = (tenant: string, site: string): RequestContext => ({
      transport: 'http',
      receiver: 'otlp',
      client: { metadata: new Map([['x-tenant', [tenant]], ['other', ['x']]]), auth: { authenticator: 'bearertokenauth', subject: 's', attributes: { site, secret: 'no' } } },
    });
    await Promise.all([
      p.consume(gaugeBatch('a', 1), ctx('t1', 's1')),
      p.consume(gaugeBatch('b', 1), ctx('t2', 's1')),
      p.consume(gaugeBatch('c', 1), ctx('t1', 's1')),
      p.consume(gaugeBatch('d', 1), ctx('t2', 's1')),
    ]);
    expect(next.batches).toHaveLength(2);
    const tenants = next.contexts.map((c) => c.client.metadata?.get('x-tenant')?.[0]).sort();
    expect(tenants).toEqual(['t1', 't2']);
    expect(next.contexts[0].client.metadata?.has('other')).toBe(false);
    expect(next.contexts[0].client.auth?.attributes).toEqual({ site: 's1' });
  });

  it('flushes on shutdown and refuses afterwards', async () => {
    const { p, next } = make({ send_batch_size: 100, timeout: '1h' });
    await p.start();
    const r = p.consume(gaugeBatch('a', 3), EMPTY_CONTEXT);
    await p.shutdown();
    await r;
    expect(countPoints(next.batches[0])).toBe(3);
    await expect(p.consume(gaugeBatch('b', 1), EMPTY_CONTEXT)).rejects.toMatchObject({ code: 'TRIB_ERR_SERVICE_DRAINING' });
  });
});
