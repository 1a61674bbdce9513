import type { ExpHistogramPoints } from './metric.js';

/**
 * Exponential histogram arithmetic (OTLP data model, "ExponentialHistogram"):
 * bucket i at scale s covers (base^i, base^(i+1)] with base = 2^(2^-s).
 * Used to merge delta points (downscaling to a common scale) and to express
 * a point as classic buckets where only those can be shown.
 */

/** A mutable exponential histogram: buckets held densely from `offset`. */
export interface ExpState {
  scale: number;
  zeroCount: number;
  zeroThreshold: number;
  posOffset: number;
  pos: number[];
  negOffset: number;
  neg: number[];
  count: number;
  sum: number;
}

/** Merges adjacent buckets so that the scale drops by `by` (bucket i goes to i >> by). */
export function downscaleBuckets(offset: number, counts: readonly number[], by: number): { offset: number; counts: number[] } {
  if (by <= 0 || counts.length === 0) return { offset, counts: [...counts] };
  const first = offset >> by;
  const last = (offset + counts.length - 1) >> by;
  const out = new Array<number>(last - first + 1).fill(0);
  for (let i = 0; i < counts.length; i++) out[((offset + i) >> by) - first] += counts[i];
  return { offset: first, counts: out };
}

function addInto(offset: number, counts: number[], otherOffset: number, other: readonly number[]): { offset: number; counts: number[] } {
  if (other.length === 0) return { offset, counts };
  if (counts.length === 0) return { offset: otherOffset, counts: [...other] };
  const lo = Math.min(offset, otherOffset);
  const hi = Math.max(offset + counts.length, otherOffset + other.length);
  const out = new Array<number>(hi - lo).fill(0);
  for (let i = 0; i < counts.length; i++) out[offset - lo + i] += counts[i];
  for (let i = 0; i < other.length; i++) out[otherOffset - lo + i] += other[i];
  return { offset: lo, counts: out };
}

/** Adds `b` into `a` (both deltas of one series), at the smaller of the two scales. */
export function mergeExp(a: ExpState, b: ExpState): ExpState {
  const scale = Math.min(a.scale, b.scale);
  const da = a.scale - scale;
  const db = b.scale - scale;
  const ap = downscaleBuckets(a.posOffset, a.pos, da);
  const an = downscaleBuckets(a.negOffset, a.neg, da);
  const bp = downscaleBuckets(b.posOffset, b.pos, db);
  const bn = downscaleBuckets(b.negOffset, b.neg, db);
  const pos = addInto(ap.offset, ap.counts, bp.offset, bp.counts);
  const neg = addInto(an.offset, an.counts, bn.offset, bn.counts);
  return {
    scale,
    zeroCount: a.zeroCount + b.zeroCount,
    zeroThreshold: Math.max(a.zeroThreshold, b.zeroThreshold),
    posOffset: pos.offset,
    pos: pos.counts,
    negOffset: neg.offset,
    neg: neg.counts,
    count: a.count + b.count,
    sum: a.sum + b.sum,
  };
}

/** Upper bound of bucket `index` at `scale`: base^(index+1). */
export function upperBound(scale: number, index: number): number {
  return 2 ** ((index + 1) * 2 ** -scale);
}

/**
 * The histogram as classic buckets (ascending upper bounds, per-bucket
 * counts), for outputs that cannot carry exponential histograms: negative
 * buckets, then the zero bucket (upper bound = zero threshold), then positive
 * buckets. Empty buckets are left out; the caller adds +Inf with the count.
 */
export function toClassic(h: ExpState): { bounds: number[]; counts: number[] } {
  const bounds: number[] = [];
  const counts: number[] = [];
  for (let i = h.neg.length - 1; i >= 0; i--) {
    if (h.neg[i] === 0) continue;
    // Negative bucket i covers [-base^(i+1), -base^i): its upper bound is -base^i.
    bounds.push(-upperBound(h.scale, h.negOffset + i - 1));
    counts.push(h.neg[i]);
  }
  if (h.zeroCount > 0 || h.zeroThreshold > 0) {
    bounds.push(h.zeroThreshold);
    counts.push(h.zeroCount);
  }
  for (let i = 0; i < h.pos.length; i++) {
    if (h.pos[i] === 0) continue;
    bounds.push(upperBound(h.scale, h.posOffset + i));
    counts.push(h.pos[i]);
  }
  return { bounds, counts };
}

/** Point i of exponential histogram columns as a mutable state (arrays copied). */
export function expStateOf(p: ExpHistogramPoints, i: number): ExpState {
  return {
    scale: p.scales[i],
    zeroCount: p.zeroCounts[i],
    zeroThreshold: p.zeroThresholds[i],
    posOffset: p.posOffsets[i],
    pos: copyRange(p.posCounts, p.posStart[i], p.posStart[i + 1]),
    negOffset: p.negOffsets[i],
    neg: copyRange(p.negCounts, p.negStart[i], p.negStart[i + 1]),
    count: p.counts[i],
    sum: p.sums[i],
  };
}

/** a[from..to) as an array; a plain loop (Array.from over a subarray is several times slower). */
function copyRange(a: Float64Array, from: number, to: number): number[] {
  const out = new Array<number>(to - from);
  for (let k = from; k < to; k++) out[k - from] = a[k];
  return out;
}
