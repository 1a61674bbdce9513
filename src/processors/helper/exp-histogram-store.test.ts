import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Attributes } from '../../model/attributes.js';
import { type ExpState, expStateOf, mergeExp } from '../../model/exp-histogram.js';
import { HAS_MAX, HAS_MIN, HAS_SUM, type ExpHistogramPoints } from '../../model/metric.js';
import { ExpHistogramBuilder } from '../../model/points-builder.js';
import { ExpHistogramStore, bucketClass } from './exp-histogram-store.js';

interface Spec {
  scale: number;
  posOffset?: number;
  pos?: number[];
  negOffset?: number;
  neg?: number[];
  zeroCount?: number;
  zeroThreshold?: number;
  min?: number;
  max?: number;
}

/** One exponential histogram point; count and sum follow from the buckets. */
function point(s: Spec): ExpHistogramPoints {
  const b = new ExpHistogramBuilder();
  const j = b.begin();
  const pos = s.pos ?? [];
  const neg = s.neg ?? [];
  b.scales[j] = s.scale;
  b.posOffsets[j] = s.posOffset ?? 0;
  b.negOffsets[j] = s.negOffset ?? 0;
  b.zeroCounts[j] = s.zeroCount ?? 0;
  b.zeroThresholds[j] = s.zeroThreshold ?? 0;
  b.counts[j] = (s.zeroCount ?? 0) + [...pos, ...neg].reduce((a, c) => a + c, 0);
  b.sums[j] = b.counts[j] * 2;
  b.has[j] = HAS_SUM | (s.min !== undefined ? HAS_MIN : 0) | (s.max !== undefined ? HAS_MAX : 0);
  b.mins[j] = s.min ?? 0;
  b.maxs[j] = s.max ?? 0;
  for (const c of pos) b.pushPositive(c);
  for (const c of neg) b.pushNegative(c);
  b.commit(Attributes.EMPTY);
  return b.finish();
}

/** Row r of the store, read back through the builder as the processor emits it. */
function read(st: ExpHistogramStore, r: number): ExpState & { min: number; max: number; has: number } {
  const b = new ExpHistogramBuilder();
  const j = b.begin();
  st.writeTo(r, b, j);
  b.commit(Attributes.EMPTY);
  const p = b.finish();
  return { ...expStateOf(p, 0), min: p.mins[0], max: p.maxs[0], has: p.has[0] };
}

function fold(points: ExpHistogramPoints[]): ExpState {
  return points.map((p) => expStateOf(p, 0)).reduce((a, b) => mergeExp(a, b));
}

/** Merges the points into one row of a fresh store. */
function merged(points: ExpHistogramPoints[]): { st: ExpHistogramStore; r: number } {
  const st = new ExpHistogramStore();
  const r = st.alloc();
  st.set(r, points[0], 0);
  for (const p of points.slice(1)) st.add(r, p, 0);
  return { st, r };
}

const specArb: fc.Arbitrary<Spec> = fc.record({
  scale: fc.integer({ min: -4, max: 8 }),
  posOffset: fc.integer({ min: -300, max: 300 }),
  pos: fc.array(fc.oneof(fc.nat(50), fc.constantFrom(2 ** 31, 2 ** 33 + 1)), { maxLength: 200 }),
  negOffset: fc.integer({ min: -300, max: 300 }),
  neg: fc.array(fc.nat(50), { maxLength: 40 }),
  zeroCount: fc.nat(10),
  zeroThreshold: fc.constantFrom(0, 1e-9, 0.5),
  min: fc.option(fc.double({ min: -10, max: 10, noNaN: true }), { nil: undefined }),
  max: fc.option(fc.double({ min: -10, max: 10, noNaN: true }), { nil: undefined }),
});

describe('ExpHistogramStore', () => {
  it('merges any sequence of deltas exactly as mergeExp does, in rows that are released and reused', () => {
    fc.assert(
      fc.property(fc.array(fc.array(specArb, { minLength: 1, maxLength: 8 }), { minLength: 1, maxLength: 4 }), (streams) => {
        const st = new ExpHistogramStore();
        // Rows of earlier streams are released before the next stream takes one: reused rows must start clean.
        for (const specs of streams) {
          const points = specs.map(point);
          const r = st.alloc();
          st.set(r, points[0], 0);
          for (const p of points.slice(1)) st.add(r, p, 0);
          const want = fold(points);
          expect(read(st, r)).toMatchObject(want);
          st.release(r);
        }
      }),
      { numRuns: 300 },
    );
  });

  it('keeps 20 buckets in a 20-bucket row of u32 counts', () => {
    const { st, r } = merged([point({ scale: 3, posOffset: 10, pos: new Array<number>(20).fill(1) })]);
    expect(st.layout(2 * r)).toEqual([20, 4]);
    expect(st.layout(2 * r + 1)).toBeUndefined();
  });

  it('re-homes a window that outgrows its class, through several classes, keeping every count', () => {
    const points = [
      point({ scale: 3, posOffset: 10, pos: new Array<number>(20).fill(1) }),
      // Grows to the right: 10 .. 59 (50 buckets -> 64).
      point({ scale: 3, posOffset: 55, pos: [1, 2, 3, 4, 5] }),
      // Grows to the left, past 160: -140 .. 59 (200 buckets -> 200).
      point({ scale: 3, posOffset: -140, pos: [7] }),
    ];
    const { st, r } = merged(points.slice(0, 2));
    expect(st.layout(2 * r)).toEqual([64, 4]);
    st.add(r, points[2], 0);
    expect(st.layout(2 * r)).toEqual([200, 4]);
    const got = read(st, r);
    expect(got).toMatchObject(fold(points));
    expect(got.posOffset).toBe(-140);
    expect(got.pos).toHaveLength(200);
    expect(got.pos[0]).toBe(7);
    expect(got.pos.reduce((a, c) => a + c, 0)).toBe(20 + 15 + 7);
  });

  it('widens to the left in place while the window fits its class', () => {
    const points = [point({ scale: 0, posOffset: 5, pos: [1, 1, 1] }), point({ scale: 0, posOffset: 2, pos: [4] })];
    const { st, r } = merged(points);
    expect(st.layout(2 * r)).toEqual([8, 4]);
    expect(read(st, r)).toMatchObject({ posOffset: 2, pos: [4, 0, 0, 1, 1, 1] });
  });

  it('downscales both sides when a point of a smaller scale arrives, and keeps the smaller scale', () => {
    const points = [
      point({ scale: 2, posOffset: -3, pos: [1, 2, 3, 4, 5, 6], negOffset: 7, neg: [1, 1, 1] }),
      point({ scale: 0, posOffset: 0, pos: [10], negOffset: 2, neg: [5] }),
      point({ scale: 1, posOffset: 1, pos: [1, 1, 1, 1] }),
    ];
    const { st, r } = merged(points);
    const got = read(st, r);
    expect(got).toMatchObject(fold(points));
    // scale 2 -> 0: indexes -3..2 go to -1,-1,-1,0,0,0; negatives 7..9 go to 1,2,2.
    expect(got).toMatchObject({ scale: 0, posOffset: -1, negOffset: 1, neg: [1, 7] });
    expect(got.pos).toEqual([6, 15 + 10 + 1, 2, 1]);
  });

  it('keeps negative buckets apart from positive ones', () => {
    const points = [point({ scale: 1, negOffset: -2, neg: [1, 2] }), point({ scale: 1, posOffset: 4, pos: [3], negOffset: 0, neg: [5] })];
    const { st, r } = merged(points);
    expect(read(st, r)).toMatchObject({ posOffset: 4, pos: [3], negOffset: -2, neg: [1, 2, 5] });
  });

  it('adds zero counts and keeps the larger zero threshold', () => {
    const points = [point({ scale: 0, zeroCount: 3, zeroThreshold: 1e-9 }), point({ scale: 0, zeroCount: 4, zeroThreshold: 0.5, pos: [1] })];
    const { st, r } = merged(points);
    expect(read(st, r)).toMatchObject({ zeroCount: 7, zeroThreshold: 0.5, count: 8, pos: [1] });
  });

  it('moves counts to f64 once one outgrows u32, exactly', () => {
    const big = 2 ** 32 - 2;
    const points = [point({ scale: 0, posOffset: 0, pos: [big, 1] }), point({ scale: 0, posOffset: 0, pos: [1, 1] }), point({ scale: 0, posOffset: 0, pos: [2 ** 52, 0] })];
    const { st, r } = merged(points.slice(0, 2));
    expect(st.layout(2 * r)).toEqual([4, 4]);
    expect(read(st, r).pos).toEqual([big + 1, 2]);
    st.add(r, points[2], 0);
    expect(st.layout(2 * r)).toEqual([4, 8]);
    expect(read(st, r).pos).toEqual([big + 1 + 2 ** 52, 2]);
  });

  it('moves counts to f64 when downscaling merges two into one beyond u32', () => {
    const points = [point({ scale: 1, posOffset: 0, pos: [2 ** 31, 2 ** 31, 3] }), point({ scale: 0, posOffset: 0, pos: [1] })];
    const { st, r } = merged(points);
    expect(st.layout(2 * r)).toEqual([4, 8]);
    expect(read(st, r)).toMatchObject({ scale: 0, posOffset: 0, pos: [2 ** 32 + 1, 3] });
  });

  it('keeps min and max only while every point knew them', () => {
    const { st, r } = merged([point({ scale: 0, min: 1, max: 5 }), point({ scale: 0, min: 0.5, max: 9 }), point({ scale: 0, min: 0.1 })]);
    const got = read(st, r);
    expect(got.min).toBe(0.1);
    expect(got.max).toBe(9);
    expect(got.has & HAS_MAX).toBe(0);
    expect(got.has & HAS_MIN).toBe(HAS_MIN);
  });

  it('chooses the narrowest class that holds the window', () => {
    expect([1, 4, 5, 20, 21, 25, 160, 161, 201].map(bucketClass)).toEqual([0, 0, 1, 4, 5, 6, 13, 14, 15]);
  });
});
