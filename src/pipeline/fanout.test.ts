import { describe, expect, it } from 'vitest';
import { EMPTY_CONTEXT } from '../component/component.js';
import { Errors } from '../errors/catalogue.js';
import { TributaryError } from '../errors/tributary-error.js';
import { gaugeBatch } from '../test-kit/batches.js';
import { FailingConsumer, SinkConsumer } from '../test-kit/consumers.js';
import { fanout } from './fanout.js';

describe('fanout', () => {
  it('shares the batch among readers and copies it for mutators', async () => {
    const r1 = new SinkConsumer(false);
    const r2 = new SinkConsumer(false);
    const m = new SinkConsumer(true);
    const b = gaugeBatch('a', 2);
    await fanout([r1, m, r2]).consume(b, EMPTY_CONTEXT);
    expect(r1.batches[0]).toBe(b);
    expect(r2.batches[0]).toBe(b);
    expect(m.batches[0]).not.toBe(b);
    expect(m.batches[0]).toEqual(b);
  });

  it('gives the original to the last mutator when all mutate', async () => {
    const m1 = new SinkConsumer(true);
    const m2 = new SinkConsumer(true);
    const b = gaugeBatch('a', 2);
    await fanout([m1, m2]).consume(b, EMPTY_CONTEXT);
    expect(m1.batches[0]).not.toBe(b);
    expect(m2.batches[0]).toBe(b);
  });

  it('fails retryably if any consumer failed retryably, after all were called', async () => {
    const ok = new SinkConsumer();
    const perm = new FailingConsumer();
    const retry = new FailingConsumer(new TributaryError(Errors.QUEUE_FULL, 'full', { retryAfterMs: 3000 }));
    const err = await fanout([ok, perm, retry]).consume(gaugeBatch('a', 1), EMPTY_CONTEXT).catch((e: TributaryError) => e);
    expect(ok.batches).toHaveLength(1);
    expect(err).toMatchObject({ retryable: true, retryAfterMs: 3000 });
  });
});
