import { afterEach, describe, expect, it } from 'vitest';
import type { QueueOptions, RecordQueue } from '../component/storage.js';
import { TributaryError } from '../errors/tributary-error.js';

/**
 * The RecordQueue contract (src/component/storage.ts), run against every
 * implementation: the memory queue and the persistent one.
 */
export interface QueueMaker {
  (opts: QueueOptions): Promise<RecordQueue>;
}

export function rec(i: number, size = 16): Buffer {
  const b = Buffer.alloc(Math.max(size, 4), i & 0xff);
  b.writeUInt32BE(i, 0);
  return b;
}

export function recNo(b: Buffer): number {
  return b.readUInt32BE(0);
}

/** Takes `n` records, or everything a closed queue holds; fails rather than wait long for a record that does not come. */
export async function drain(q: RecordQueue, n = Infinity, waitMs = 5_000): Promise<Buffer[]> {
  const out: Buffer[] = [];
  while (out.length < n) {
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`queue gave ${out.length} records, ${n} were expected`)), waitMs);
    });
    const b = await Promise.race([q.head(), late]).finally(() => clearTimeout(timer));
    if (b === undefined) break;
    out.push(b);
    await q.remove();
  }
  return out;
}

export async function rejection(p: Promise<unknown>): Promise<TributaryError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(err instanceof TributaryError)) throw new Error(`expected a TributaryError, got ${String(err)}`);
  return err;
}

const NO_LIMIT: QueueOptions = { maxRecords: 0, maxBytes: 0 };

export function recordQueueSuite(name: string, make: QueueMaker, cleanup: () => Promise<void>): void {
  describe(`${name}: the RecordQueue contract`, () => {
    afterEach(cleanup);

    it('hands records out in the order they were pushed, each once', async () => {
      const q = await make(NO_LIMIT);
      const sizes = [0, 1, 17, 4096, 70_000, 5];
      const pushed = sizes.map((s, i) => (s === 0 ? Buffer.alloc(0) : rec(i, s)));
      for (const b of pushed) await q.push(b);
      expect(q.size()).toEqual({ records: pushed.length, bytes: sizes.reduce((a, b) => a + Math.max(b === 0 ? 0 : 4, b), 0) });
      const out = await drain(q, pushed.length);
      expect(out.map((b) => b.length)).toEqual(pushed.map((b) => b.length));
      out.forEach((b, i) => expect(b.equals(pushed[i])).toBe(true));
      expect(q.size()).toEqual({ records: 0, bytes: 0 });
    });

    it('keeps the order of concurrent pushes (call order)', async () => {
      const q = await make(NO_LIMIT);
      await Promise.all(Array.from({ length: 300 }, (_, i) => q.push(rec(i, 100 + (i % 7) * 500))));
      expect((await drain(q, 300)).map(recNo)).toEqual(Array.from({ length: 300 }, (_, i) => i));
    });

    it('head() returns the same record until remove(); remove() on an empty queue rejects', async () => {
      const q = await make(NO_LIMIT);
      await expect(q.remove()).rejects.toThrow(/empty/);
      await q.push(rec(1));
      await q.push(rec(2));
      expect(recNo((await q.head())!)).toBe(1);
      expect(recNo((await q.head())!)).toBe(1);
      expect(q.size().records).toBe(2);
      await q.remove();
      expect(recNo((await q.head())!)).toBe(2);
      await q.remove();
      expect(q.size()).toEqual({ records: 0, bytes: 0 });
    });

    it('refuses a push beyond the record capacity, retryably, and takes it once there is room', async () => {
      const q = await make({ maxRecords: 3, maxBytes: 0 });
      expect(q.capacity).toEqual({ records: 3, bytes: 0 });
      for (let i = 0; i < 3; i++) await q.push(rec(i));
      const err = await rejection(q.push(rec(3)));
      expect(err.code).toBe('TRIB_ERR_QUEUE_FULL');
      expect(err.retryable).toBe(true);
      expect(err.retryAfterMs).toBeGreaterThan(0);
      expect(q.size().records).toBe(3);
      await q.head();
      await q.remove();
      await q.push(rec(3));
      expect((await drain(q, 3)).map(recNo)).toEqual([1, 2, 3]);
    });

    it('refuses a push beyond the byte capacity; a record larger than the whole capacity is refused for good', async () => {
      const q = await make({ maxRecords: 0, maxBytes: 100 });
      await q.push(rec(1, 60));
      const full = await rejection(q.push(rec(2, 50)));
      expect(full.code).toBe('TRIB_ERR_QUEUE_FULL');
      expect(full.retryable).toBe(true);
      await q.push(rec(3, 40));
      expect(q.size()).toEqual({ records: 2, bytes: 100 });
      const huge = await rejection(q.push(rec(4, 101)));
      expect(huge.code).toBe('TRIB_ERR_QUEUE_RECORD_TOO_LARGE');
      expect(huge.retryable).toBe(false);
      expect((await drain(q, 2)).map(recNo)).toEqual([1, 3]);
    });

    it('a waiting head() wakes on push', async () => {
      const q = await make(NO_LIMIT);
      const waiting = q.head();
      let settled = false;
      void waiting.then(() => (settled = true));
      await new Promise((r) => setTimeout(r, 20));
      expect(settled).toBe(false);
      await q.push(rec(7));
      expect(recNo((await waiting)!)).toBe(7);
    });

    it('a waiting head() on an empty queue resolves undefined on close', async () => {
      const q = await make(NO_LIMIT);
      const waiting = q.head();
      await q.close();
      expect(await waiting).toBeUndefined();
    });

    it('after close: pushes are refused, the reader drains what is left, then gets undefined', async () => {
      const q = await make(NO_LIMIT);
      await q.push(rec(1));
      await q.push(rec(2));
      await q.close();
      await q.close();
      const err = await rejection(q.push(rec(3)));
      expect(err.code).toBe('TRIB_ERR_SERVICE_DRAINING');
      expect(err.retryable).toBe(true);
      expect(recNo((await q.head())!)).toBe(1);
      await q.remove();
      expect(recNo((await q.head())!)).toBe(2);
      await q.remove();
      expect(await q.head()).toBeUndefined();
    });

    it('close waits for pushes already accepted, which stay readable', async () => {
      const q = await make(NO_LIMIT);
      const pushes = Array.from({ length: 20 }, (_, i) => q.push(rec(i, 1000)));
      await q.close();
      await Promise.all(pushes);
      expect((await drain(q)).map(recNo)).toEqual(Array.from({ length: 20 }, (_, i) => i));
    });
  });
}
