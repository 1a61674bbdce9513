import { type ExpState, downscaleBuckets } from '../../model/exp-histogram.js';
import { nsPairToMs } from '../../model/time.js';

/**
 * Cumulative -> delta for one series, the reverse of delta.ts (OpenTelemetry
 * data model, "Sums: delta-to-cumulative" read backwards): each point after
 * the first becomes the increase since the previous one. The state is the
 * previous cumulative point; the caller keeps one per series, in a bounded
 * table, so forgetting a series only costs its next point (treated as a
 * first point again).
 *
 * - A point not later than the previous one is a duplicate or out of order:
 *   it is refused ('stale') and the state is left as it was.
 * - A later start time, or a total that went down, is a reset: the counter
 *   started again from zero, so the new total is itself the increase since
 *   the restart, and is sent as the delta.
 * - The first point of a series has no previous total. `initial_value`
 *   decides, as in the Collector's cumulativetodelta processor: `keep` sends
 *   it as a delta, `drop` only remembers it, `auto` sends it when the series
 *   started (start time) at or after the exporter did, since then it counts
 *   from zero within what the exporter saw.
 */

export type InitialValue = 'auto' | 'keep' | 'drop';

/** Where a cumulative point stands against the previous one of its series. */
export type Step = 'first' | 'next' | 'reset' | 'stale';

/** The time part of the state: the start and time of the previous point (uint64 ns as lo/hi pairs). */
export interface PointClock {
  startLo: number;
  startHi: number;
  timeLo: number;
  timeHi: number;
}

function cmp(aLo: number, aHi: number, bLo: number, bHi: number): number {
  return aHi !== bHi ? aHi - bHi : aLo - bLo;
}

/** How point (start, time) relates to `prior`; `decreased` says whether its totals went down. */
export function stepOf(prior: PointClock | undefined, startLo: number, startHi: number, timeLo: number, timeHi: number, decreased: boolean): Step {
  if (prior === undefined) return 'first';
  if (cmp(timeLo, timeHi, prior.timeLo, prior.timeHi) <= 0) return 'stale';
  const hasStart = startLo !== 0 || startHi !== 0;
  if (hasStart && cmp(startLo, startHi, prior.startLo, prior.startHi) > 0) return 'reset';
  return decreased ? 'reset' : 'next';
}

/** Whether the first point of a series is sent, per `initial_value`; `sinceMs` is when the exporter started. */
export function sendFirst(mode: InitialValue, startLo: number, startHi: number, sinceMs: number): boolean {
  if (mode === 'keep') return true;
  if (mode === 'drop') return false;
  if (startLo === 0 && startHi === 0) return false;
  return nsPairToMs(startLo, startHi) >= sinceMs;
}

export function setClock(c: PointClock, startLo: number, startHi: number, timeLo: number, timeHi: number): void {
  c.startLo = startLo;
  c.startHi = startHi;
  c.timeLo = timeLo;
  c.timeHi = timeHi;
}

export interface PriorSum extends PointClock {
  value: number;
}

export interface PriorHistogram extends PointClock {
  count: number;
  sum: number;
  bounds: number[];
  counts: number[];
  min: number;
  max: number;
}

export interface PriorExp extends PointClock {
  exp: ExpState;
  min: number;
  max: number;
}

/** A delta histogram (explicit bounds) computed from two cumulative points. */
export interface HistogramDelta {
  count: number;
  sum: number;
  counts: number[];
  min: number;
  max: number;
}

/** True when any bucket, the count, or the bounds show that the histogram restarted. */
export function histogramDecreased(prior: PriorHistogram, count: number, bounds: ArrayLike<number>, counts: ArrayLike<number>): boolean {
  if (count < prior.count || bounds.length !== prior.bounds.length || counts.length !== prior.counts.length) return true;
  for (let k = 0; k < bounds.length; k++) if (bounds[k] !== prior.bounds[k]) return true;
  for (let k = 0; k < counts.length; k++) if (counts[k] < prior.counts[k]) return true;
  return false;
}

/**
 * The increase from `prior` to the current cumulative point (same bounds).
 * Min and max of a cumulative point cover the whole life of the series, so
 * the delta's own extremes are bounded by the buckets that grew, and exact
 * where the lifetime extreme moved during the interval.
 */
export function histogramDelta(prior: PriorHistogram, count: number, sum: number, bounds: ArrayLike<number>, counts: ArrayLike<number>, min: number, max: number): HistogramDelta {
  const d = new Array<number>(counts.length);
  let first = -1;
  let last = -1;
  for (let k = 0; k < counts.length; k++) {
    d[k] = counts[k] - prior.counts[k];
    if (d[k] > 0) {
      if (first < 0) first = k;
      last = k;
    }
  }
  let lo = first <= 0 ? -Infinity : bounds[first - 1];
  let hi = last < 0 || last >= bounds.length ? Infinity : bounds[last];
  if (min < prior.min) lo = min;
  else if (Number.isFinite(min)) lo = Math.max(lo, min);
  if (max > prior.max) hi = max;
  else if (Number.isFinite(max)) hi = Math.min(hi, max);
  return { count: count - prior.count, sum: sum - prior.sum, counts: d, min: lo, max: hi };
}

export function rememberHistogram(p: PriorHistogram, count: number, sum: number, bounds: ArrayLike<number>, counts: ArrayLike<number>, min: number, max: number): void {
  p.count = count;
  p.sum = sum;
  p.bounds = Array.from(bounds);
  p.counts = Array.from(counts);
  p.min = min;
  p.max = max;
}

/**
 * The increase between two cumulative exponential histograms, at the
 * coarser of their scales; undefined when some bucket went down (a reset).
 */
export function expDelta(prior: ExpState, cur: ExpState): ExpState | undefined {
  const scale = Math.min(prior.scale, cur.scale);
  const sub = (pOff: number, p: readonly number[], cOff: number, c: readonly number[]): { offset: number; counts: number[] } | undefined => {
    const a = downscaleBuckets(pOff, p, prior.scale - scale);
    const b = downscaleBuckets(cOff, c, cur.scale - scale);
    if (b.counts.length === 0) return a.counts.some((x) => x > 0) ? undefined : { offset: 0, counts: [] };
    const out = b.counts.slice();
    for (let i = 0; i < a.counts.length; i++) {
      if (a.counts[i] === 0) continue;
      const j = a.offset + i - b.offset;
      if (j < 0 || j >= out.length) return undefined;
      out[j] -= a.counts[i];
      if (out[j] < 0) return undefined;
    }
    return { offset: b.offset, counts: out };
  };
  if (cur.count < prior.count || cur.zeroCount < prior.zeroCount) return undefined;
  const pos = sub(prior.posOffset, prior.pos, cur.posOffset, cur.pos);
  const neg = sub(prior.negOffset, prior.neg, cur.negOffset, cur.neg);
  if (pos === undefined || neg === undefined) return undefined;
  return {
    scale,
    zeroCount: cur.zeroCount - prior.zeroCount,
    zeroThreshold: cur.zeroThreshold,
    posOffset: pos.offset,
    pos: pos.counts,
    negOffset: neg.offset,
    neg: neg.counts,
    count: cur.count - prior.count,
    sum: cur.sum - prior.sum,
  };
}
