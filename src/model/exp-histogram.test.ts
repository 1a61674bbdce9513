import { describe, expect, it } from 'vitest';
import { type ExpState, downscaleBuckets, mergeExp, toClassic, upperBound } from './exp-histogram.js';

const h = (o: Partial<ExpState>): ExpState => ({ scale: 0, zeroCount: 0, zeroThreshold: 0, posOffset: 0, pos: [], negOffset: 0, neg: [], count: 0, sum: 0, ...o });

describe('exponential histograms', () => {
  it('downscales by merging pairs of buckets', () => {
    expect(downscaleBuckets(3, [1, 2, 3, 4], 1)).toEqual({ offset: 1, counts: [1, 5, 4] });
    expect(downscaleBuckets(-3, [1, 1, 1], 1)).toEqual({ offset: -2, counts: [1, 2] });
  });

  it('merges deltas at the smaller scale', () => {
    const a = h({ scale: 1, posOffset: 0, pos: [1, 1], count: 2, sum: 3 });
    const b = h({ scale: 0, posOffset: 1, pos: [5], count: 5, sum: 10, zeroCount: 1 });
    expect(mergeExp(a, b)).toMatchObject({ scale: 0, posOffset: 0, pos: [2, 5], count: 7, sum: 13, zeroCount: 1 });
  });

  it('gives classic upper bounds base^(i+1)', () => {
    expect(upperBound(0, 0)).toBe(2);
    expect(upperBound(1, 1)).toBeCloseTo(2);
    const c = toClassic(h({ scale: 0, posOffset: 1, pos: [3, 0, 1], negOffset: 0, neg: [2], zeroCount: 1 }));
    expect(c.bounds).toEqual([-1, 0, 4, 16]);
    expect(c.counts).toEqual([2, 1, 3, 1]);
  });
});
