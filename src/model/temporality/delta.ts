import { type ExpState, mergeExp } from '../exp-histogram.js';

/**
 * Delta -> cumulative accumulation for one series (OpenTelemetry data model,
 * "Sums" and temporality): the running total starts at the first delta's
 * start time and each later delta adds to it. A delta that starts before the
 * end of what was already added overlaps it (a client resent data) and is
 * refused; a later start (a gap) still adds, so totals never go backwards.
 */

export interface CumulativeClock {
  /** Start of the running total (uint64 ns as a pair). */
  startLo: number;
  startHi: number;
  /** End time of the last delta added. */
  endLo: number;
  endHi: number;
}

export type AddResult = 'added' | 'overlap';

/** a < b, for uint64 times as (lo, hi) pairs. */
export function timeBefore(aLo: number, aHi: number, bLo: number, bHi: number): boolean {
  return aHi < bHi || (aHi === bHi && aLo < bLo);
}

/**
 * The overlap rule in one place: a delta whose start is set and lies before
 * the end of what the total already holds overlaps it. Used by the object
 * state below and by the deltatocumulative processor's columnar state.
 */
export function deltaOverlaps(startLo: number, startHi: number, endLo: number, endHi: number): boolean {
  return (startLo !== 0 || startHi !== 0) && timeBefore(startLo, startHi, endLo, endHi);
}

/** Checks a delta's interval against the clock and moves the clock on; false if it overlaps. */
export function advance(c: CumulativeClock, startLo: number, startHi: number, endLo: number, endHi: number): AddResult {
  if (deltaOverlaps(startLo, startHi, c.endLo, c.endHi)) return 'overlap';
  c.endLo = endLo;
  c.endHi = endHi;
  return 'added';
}

export function newClock(startLo: number, startHi: number, endLo: number, endHi: number): CumulativeClock {
  return startLo === 0 && startHi === 0 ? { startLo: endLo, startHi: endHi, endLo, endHi } : { startLo, startHi, endLo, endHi };
}

export interface SumState extends CumulativeClock {
  value: number;
}

export interface HistogramState extends CumulativeClock {
  bounds: number[];
  counts: number[];
  sum: number;
  count: number;
  min: number;
  max: number;
}

export interface ExpHistogramState extends CumulativeClock {
  exp: ExpState;
  min: number;
  max: number;
}

/** Adds a delta histogram; bounds that changed start a new total (the data cannot be merged). */
export function addHistogram(s: HistogramState, bounds: ArrayLike<number>, counts: ArrayLike<number>, sum: number, count: number, min: number, max: number): void {
  let same = s.bounds.length === bounds.length && s.counts.length === counts.length;
  for (let k = 0; same && k < bounds.length; k++) same = s.bounds[k] === bounds[k];
  if (!same) {
    s.bounds = Array.from(bounds);
    s.counts = Array.from(counts);
    s.sum = sum;
    s.count = count;
    s.min = min;
    s.max = max;
    return;
  }
  for (let k = 0; k < counts.length; k++) s.counts[k] += counts[k];
  s.sum += sum;
  s.count += count;
  s.min = Math.min(s.min, min);
  s.max = Math.max(s.max, max);
}

export function addExp(s: ExpHistogramState, d: ExpState, min: number, max: number): void {
  s.exp = mergeExp(s.exp, d);
  s.min = Math.min(s.min, min);
  s.max = Math.max(s.max, max);
}
