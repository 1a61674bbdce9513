import { describe, expect, it } from 'vitest';
import type { ExpState } from '../../model/exp-histogram.js';
import { type PriorHistogram, expDelta, histogramDecreased, histogramDelta, sendFirst, stepOf } from './cumulative-to-delta.js';

const clock = (start: number, time: number) => ({ startLo: start, startHi: 0, timeLo: time, timeHi: 0 });

describe('cumulative -> delta', () => {
  it('tells first, next, reset and stale points apart', () => {
    expect(stepOf(undefined, 1, 0, 10, 0, false)).toBe('first');
    expect(stepOf(clock(1, 10), 1, 0, 20, 0, false)).toBe('next');
    expect(stepOf(clock(1, 10), 1, 0, 20, 0, true)).toBe('reset'); // the total went down
    expect(stepOf(clock(1, 10), 15, 0, 20, 0, false)).toBe('reset'); // a later start time
    expect(stepOf(clock(1, 10), 0, 0, 20, 0, false)).toBe('next'); // no start time: only the value tells
    expect(stepOf(clock(1, 10), 1, 0, 10, 0, false)).toBe('stale');
    expect(stepOf(clock(1, 10), 1, 0, 5, 0, false)).toBe('stale');
    expect(stepOf({ startLo: 0, startHi: 1, timeLo: 0, timeHi: 2 }, 0, 1, 5, 1, false)).toBe('stale'); // high words compared first
  });

  it('sends the first point per initial_value', () => {
    const ms = (t: number): [number, number] => {
      const ns = BigInt(t) * 1_000_000n;
      return [Number(ns & 0xffffffffn), Number(ns >> 32n)];
    };
    const since = 1_700_000_000_000;
    expect(sendFirst('keep', 0, 0, since)).toBe(true);
    expect(sendFirst('drop', ...ms(since + 1), since)).toBe(false);
    expect(sendFirst('auto', ...ms(since + 1), since)).toBe(true);
    expect(sendFirst('auto', ...ms(since - 1), since)).toBe(false);
    expect(sendFirst('auto', 0, 0, since)).toBe(false);
  });

  it('computes histogram deltas, with min and max bounded by the buckets that grew', () => {
    const prior: PriorHistogram = { ...clock(1, 10), count: 3, sum: 30, bounds: [10, 20, 30], counts: [1, 2, 0, 0], min: 2, max: 18 };
    // Grew: one in (10, 20], two in (20, 30]; lifetime min unchanged, max unchanged (18 < 30, so unknown within the interval).
    const d = histogramDelta(prior, 6, 100, [10, 20, 30], [1, 3, 2, 0], 2, 18);
    expect(d).toEqual({ count: 3, sum: 70, counts: [0, 1, 2, 0], min: 10, max: 18 });
    // The lifetime max moved during the interval: it is exact.
    expect(histogramDelta(prior, 6, 100, [10, 20, 30], [1, 3, 2, 0], 2, 27).max).toBe(27);
    expect(histogramDecreased(prior, 6, [10, 20, 30], [1, 3, 2, 0])).toBe(false);
    expect(histogramDecreased(prior, 6, [10, 20, 30], [0, 4, 2, 0])).toBe(true);
    expect(histogramDecreased(prior, 6, [10, 25, 30], [1, 3, 2, 0])).toBe(true);
  });

  it('subtracts exponential histograms at the coarser scale and reports resets', () => {
    const st = (scale: number, posOffset: number, pos: number[], zeroCount = 0): ExpState => ({
      scale,
      zeroCount,
      zeroThreshold: 0,
      posOffset,
      pos,
      negOffset: 0,
      neg: [],
      count: zeroCount + pos.reduce((a, b) => a + b, 0),
      sum: 0,
    });
    expect(expDelta(st(1, 2, [1, 1]), st(1, 2, [3, 1, 4], 1))).toMatchObject({ scale: 1, posOffset: 2, pos: [2, 0, 4], zeroCount: 1, count: 7 });
    // Current at a coarser scale: the prior is downscaled (indexes 2,3 at scale 1 are index 1 at scale 0).
    expect(expDelta(st(1, 2, [1, 1]), st(0, 1, [5]))).toMatchObject({ scale: 0, posOffset: 1, pos: [3] });
    expect(expDelta(st(1, 2, [4]), st(1, 2, [3]))).toBeUndefined();
    expect(expDelta(st(1, 5, [1]), st(1, 2, [3]))).toBeUndefined(); // a bucket that vanished
  });
});
