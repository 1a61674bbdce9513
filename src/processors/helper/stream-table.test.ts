import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Attributes } from '../../model/attributes.js';
import { numberMetric } from '../../test-kit/batches.js';
import { StreamKeys } from './stream-key.js';
import { StreamTable } from './stream-table.js';

describe('StreamTable', () => {
  it('finds what was inserted, forgets what was removed, and agrees with a Map under any sequence', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.constantFrom('add', 'remove'), fc.integer({ min: 0, max: 300 })), { maxLength: 2000 }),
        (ops) => {
          let caps: number[] = [];
          // Keys chosen to collide on the low bits often, so probing and back-shifting are exercised.
          const key = (k: number): [number, number] => [(k % 7) * 64, k];
          const t = new StreamTable((c) => caps.push(c), 16);
          const model = new Map<number, number>();
          for (const [op, k] of ops) {
            const [lo, hi] = key(k);
            const slot = t.find(lo, hi);
            expect(slot).toBe(model.get(k) ?? -1);
            if (op === 'add' && slot < 0) model.set(k, t.insert(lo, hi, 0));
            if (op === 'remove' && slot >= 0) {
              t.remove(slot);
              model.delete(k);
            }
          }
          expect(t.size).toBe(model.size);
          for (const [k, s] of model) expect(t.find(...key(k))).toBe(s);
          expect(caps[caps.length - 1]).toBe(t.capacity);
          caps = [];
        },
      ),
      { numRuns: 200 },
    );
  });

  it('sweeps out only the streams not touched within the age', () => {
    const t = new StreamTable(() => undefined);
    const a = t.insert(1, 1, 0);
    const b = t.insert(2, 2, 0);
    t.touch(b, 9_000);
    const evicted: number[] = [];
    expect(t.sweep(10_500, 5_000, (s) => evicted.push(s))).toBe(1);
    expect(evicted).toEqual([a]);
    expect(t.find(1, 1)).toBe(-1);
    expect(t.find(2, 2)).toBe(b);
    // The freed slot is reused.
    expect(t.insert(3, 3, 10_500)).toBe(a);
  });
});

describe('StreamKeys', () => {
  const keyOf = (res: Record<string, string>, scope: string, name: string, attrs: Record<string, string>, unit = ''): string => {
    const k = new StreamKeys();
    k.resource(Attributes.fromObject(res));
    k.scope({ name: scope, version: '1', attributes: Attributes.EMPTY, droppedAttributesCount: 0 });
    k.metric(numberMetric({ name, unit, type: 'sum', temporality: 'delta', points: [] }));
    k.point(Attributes.fromObject(attrs));
    return `${k.lo}:${k.hi}`;
  };

  it('differs when any part of the identity differs, and is equal for equal content', () => {
    const base = keyOf({ r: '1' }, 's', 'm', { a: 'x' });
    expect(keyOf({ r: '1' }, 's', 'm', { a: 'x' })).toBe(base);
    const variants = [
      keyOf({ r: '2' }, 's', 'm', { a: 'x' }),
      keyOf({ r: '1' }, 't', 'm', { a: 'x' }),
      keyOf({ r: '1' }, 's', 'n', { a: 'x' }),
      keyOf({ r: '1' }, 's', 'm', { a: 'y' }),
      keyOf({ r: '1' }, 's', 'm', { a: 'x' }, 'By'),
      keyOf({}, 's', 'm', { r: '1', a: 'x' }),
    ];
    expect(new Set([base, ...variants]).size).toBe(7);
  });

  it('gives 50,000 distinct streams 50,000 distinct keys', () => {
    const k = new StreamKeys();
    k.resource(Attributes.fromObject({ 'service.name': 's' }));
    k.scope({ name: 'x', version: '', attributes: Attributes.EMPTY, droppedAttributesCount: 0 });
    k.metric(numberMetric({ name: 'm', points: [] }));
    const seen = new Set<string>();
    for (let i = 0; i < 50_000; i++) {
      k.point(Attributes.fromObject({ id: String(i), host: `h${i % 100}` }));
      seen.add(`${k.lo}:${k.hi}`);
    }
    expect(seen.size).toBe(50_000);
  });
});
