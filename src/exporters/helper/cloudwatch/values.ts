import { type ExpState, downscaleBuckets, upperBound } from '../../../model/exp-histogram.js';
import { LIMITS } from '../../../receivers/putmetricdata/limits.js';

/**
 * The rules and shapes of CloudWatch values the translation applies: which
 * names and values a dimension and a namespace may have (the API's rules,
 * as the putmetricdata receiver enforces them), JSON size bounds, and how
 * a histogram without sum, min or max, or an exponential histogram, is
 * expressed in what CloudWatch takes.
 */

const PRINTABLE_ASCII = /^[\x20-\x7e]+$/;

/** Dimension name and value rules of the API (the putmetricdata receiver enforces the same). */
export function validDimension(name: string, value: string): boolean {
  return (
    name.length >= LIMITS.dimensionName.min &&
    name.length <= LIMITS.dimensionName.max &&
    value.length >= LIMITS.dimensionValue.min &&
    value.length <= LIMITS.dimensionValue.max &&
    PRINTABLE_ASCII.test(name) &&
    PRINTABLE_ASCII.test(value) &&
    !name.startsWith(':') &&
    name.trim() !== '' &&
    value.trim() !== ''
  );
}

export function validNamespace(ns: string): boolean {
  return ns.length >= LIMITS.namespace.min && ns.length <= LIMITS.namespace.max && PRINTABLE_ASCII.test(ns) && !ns.startsWith(':') && !ns.startsWith('AWS/');
}


/** JSON bytes of printable ASCII: its length plus one per quote or backslash (escaped). */
export function jsonAsciiBytes(s: string): number {
  let n = s.length;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 34 || c === 92) n++;
  }
  return n;
}

/** Sum of a histogram without one, from bucket midpoints (the outer buckets at their finite bound). */
export function estimateSum(bounds: ArrayLike<number>, counts: ArrayLike<number>): number {
  let sum = 0;
  for (let k = 0; k < counts.length; k++) {
    if (counts[k] === 0) continue;
    const lo = k === 0 ? bounds[0] : bounds[k - 1];
    const hi = k >= bounds.length ? bounds[bounds.length - 1] : bounds[k];
    sum += counts[k] * (k === 0 || k >= bounds.length ? (lo ?? 0) : (lo + hi) / 2);
  }
  return sum;
}

/** Lower bound of the lowest bucket with a count, or -Infinity (unbounded or none). */
export function bucketFloor(bounds: ArrayLike<number>, counts: ArrayLike<number>): number {
  for (let k = 0; k < counts.length; k++) if (counts[k] > 0) return k === 0 ? -Infinity : bounds[k - 1];
  return -Infinity;
}

export function bucketCeiling(bounds: ArrayLike<number>, counts: ArrayLike<number>): number {
  for (let k = counts.length - 1; k >= 0; k--) if (counts[k] > 0) return k >= bounds.length ? Infinity : bounds[k];
  return Infinity;
}

/**
 * Values/Counts of an exponential histogram: the midpoint of each non-empty
 * bucket, kept within [min, max] where known, zero for the zero bucket,
 * downscaled until at most `maxValues` values remain. Values come out
 * ascending and distinct.
 */
export function distribution(h: ExpState, min: number, max: number, maxValues: number): { values: number[]; counts: number[]; sum: number; min: number; max: number } {
  let scale = h.scale;
  let pos = { offset: h.posOffset, counts: h.pos };
  let neg = { offset: h.negOffset, counts: h.neg };
  const nonEmpty = (a: readonly number[]): number => a.reduce((n, c) => n + (c > 0 ? 1 : 0), 0);
  while (nonEmpty(pos.counts) + nonEmpty(neg.counts) + (h.zeroCount > 0 ? 1 : 0) > maxValues) {
    scale--;
    pos = downscaleBuckets(pos.offset, pos.counts, 1);
    neg = downscaleBuckets(neg.offset, neg.counts, 1);
  }
  const values: number[] = [];
  const counts: number[] = [];
  const push = (v: number, c: number): void => {
    const x = Math.min(Math.max(v, min), max);
    if (values.length > 0 && values[values.length - 1] === x) counts[counts.length - 1] += c;
    else {
      values.push(x);
      counts.push(c);
    }
  };
  const mid = (index: number): number => (upperBound(scale, index - 1) + upperBound(scale, index)) / 2;
  for (let j = neg.counts.length - 1; j >= 0; j--) if (neg.counts[j] > 0) push(-mid(neg.offset + j), neg.counts[j]);
  if (h.zeroCount > 0) push(0, h.zeroCount);
  for (let j = 0; j < pos.counts.length; j++) if (pos.counts[j] > 0) push(mid(pos.offset + j), pos.counts[j]);
  let sum = 0;
  for (let j = 0; j < values.length; j++) sum += values[j] * counts[j];
  return {
    values,
    counts,
    sum,
    min: Number.isFinite(min) ? min : (values[0] ?? 0),
    max: Number.isFinite(max) ? max : (values[values.length - 1] ?? 0),
  };
}
