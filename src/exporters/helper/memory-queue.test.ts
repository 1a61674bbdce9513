import { describe, expect, it } from 'vitest';
import { drain, recNo, rec, recordQueueSuite, rejection } from '../../test-kit/record-queue-suite.js';
import { MemoryQueue } from './memory-queue.js';
import { DrainRate } from './queue-admission.js';

recordQueueSuite('memory queue', async (opts) => new MemoryQueue(opts), async () => undefined);

describe('memory queue', () => {
  it('keeps the pushed buffer itself (no copy)', async () => {
    const q = new MemoryQueue({ maxRecords: 0, maxBytes: 0 });
    const b = rec(1);
    await q.push(b);
    expect(await q.head()).toBe(b);
  });

  it('stays FIFO across the internal compaction of removed slots', async () => {
    const q = new MemoryQueue({ maxRecords: 5000, maxBytes: 0 });
    let next = 0;
    const got: number[] = [];
    for (let round = 0; round < 10; round++) {
      for (let i = 0; i < 700; i++) await q.push(rec(next++, 4));
      got.push(...(await drain(q, 500)).map(recNo));
    }
    q.close();
    got.push(...(await drain(q)).map(recNo));
    expect(got).toEqual(Array.from({ length: next }, (_, i) => i));
  });

  it('advertises a retry delay that follows the pace of the reader', async () => {
    const q = new MemoryQueue({ maxRecords: 1, maxBytes: 0 });
    await q.push(rec(0));
    expect((await rejection(q.push(rec(1)))).retryAfterMs).toBe(1000); // no pace known yet
    const d = new DrainRate();
    d.noteRemoved(0);
    for (let t = 200; t <= 2000; t += 200) d.noteRemoved(t);
    expect(d.retryAfterMs(1, 2000)).toBe(200);
    expect(d.retryAfterMs(10, 2000)).toBe(2000);
    expect(d.retryAfterMs(1, 12_000)).toBe(10_000); // stalled for 10 s: at least that
    expect(d.retryAfterMs(1000, 2000)).toBe(30_000); // capped
  });
});
