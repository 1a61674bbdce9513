import { describe, expect, it } from 'vitest';
import type { EmfEvent } from './emf.js';
import { EVENT_OVERHEAD, MAX_BATCH_BYTES, MAX_EVENTS, MAX_SPAN_MS, batchEvents } from './log-batches.js';

const ev = (timeMs: number, message = 'x', stream = 's', values = 1): EmfEvent => ({ group: 'g', stream, timeMs, namespace: 'N', label: 'N', message, values });

describe('PutLogEvents batching', () => {
  it('keeps each stream apart and each batch in chronological order', () => {
    const { batches } = batchEvents([ev(30), ev(10, 'a', 't'), ev(20), ev(5)]);
    expect(batches.map((b) => [b.stream, b.events.map((e) => e.timestamp)])).toEqual([['s', [5, 20, 30]], ['t', [10]]]);
  });

  it('cuts at 10,000 events', () => {
    const { batches } = batchEvents(Array.from({ length: MAX_EVENTS + 5 }, (_, i) => ev(i)));
    expect(batches.map((b) => b.events.length)).toEqual([MAX_EVENTS, 5]);
  });

  it('cuts at 1,048,576 bytes counting 26 bytes per event', () => {
    const size = 100_000;
    const { batches } = batchEvents(Array.from({ length: 25 }, (_, i) => ev(i, 'x'.repeat(size))));
    const per = Math.floor(MAX_BATCH_BYTES / (size + EVENT_OVERHEAD));
    expect(batches[0].events).toHaveLength(per);
    for (const b of batches) expect(b.events.reduce((a, e) => a + Buffer.byteLength(e.message) + EVENT_OVERHEAD, 0)).toBeLessThanOrEqual(MAX_BATCH_BYTES);
    expect(batches.reduce((a, b) => a + b.events.length, 0)).toBe(25);
  });

  it('counts message bytes in UTF-8', () => {
    const { batches } = batchEvents(Array.from({ length: 8 }, (_, i) => ev(i, 'é'.repeat(100_000))));
    for (const b of batches) expect(b.bytes).toBeLessThanOrEqual(MAX_BATCH_BYTES);
    expect(batches[0].events).toHaveLength(5); // 200,026 bytes each
  });

  it('never spans 24 hours in one batch', () => {
    const { batches } = batchEvents([ev(0), ev(MAX_SPAN_MS - 1), ev(MAX_SPAN_MS), ev(MAX_SPAN_MS + 5)]);
    expect(batches.map((b) => b.events.map((e) => e.timestamp))).toEqual([[0, MAX_SPAN_MS - 1], [MAX_SPAN_MS, MAX_SPAN_MS + 5]]);
  });

  it('sets apart events larger than a log event may be', () => {
    const { batches, tooLarge } = batchEvents([ev(1, 'x'.repeat(300_000)), ev(2)]);
    expect(tooLarge).toHaveLength(1);
    expect(batches.map((b) => b.events.length)).toEqual([1]);
  });

  it('counts values per namespace label', () => {
    const { batches } = batchEvents([ev(1, 'a', 's', 3), { ...ev(2, 'b', 's', 2), label: 'M' }]);
    expect(Object.fromEntries(batches[0].perNamespace)).toEqual({ N: 3, M: 2 });
    expect(batches[0].items).toBe(5);
  });
});
