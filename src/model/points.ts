import type { Attributes } from './attributes.js';
import type { ExpHistogramPoints, Exemplar, HistogramPoints, NumberPoints, Points, SummaryPoints } from './metric.js';
import { ExpHistogramBuilder, HistogramBuilder, NumberBuilder, SummaryBuilder } from './points-builder.js';

/**
 * Operations on point columns that keep the columnar layout: views for
 * slicing (no copy) and builders for compaction (filter) and cloning.
 */

/** Copies the columns every kind has (times, flags, exemplars) of point i of p into point j of b. */
export function copyCommon(b: NumberBuilder | HistogramBuilder | ExpHistogramBuilder | SummaryBuilder, p: Points, i: number, j: number): void {
  b.startTimes[2 * j] = p.startTimes[2 * i];
  b.startTimes[2 * j + 1] = p.startTimes[2 * i + 1];
  b.times[2 * j] = p.times[2 * i];
  b.times[2 * j + 1] = p.times[2 * i + 1];
  b.flags[j] = p.flags[i];
  const ex = p.exemplars?.[i];
  if (ex !== undefined) for (const e of ex) b.addExemplar(j, e);
}

/** Appends point i of p to the builder of its kind, with `attrs` (default: its own). */
export function appendNumber(b: NumberBuilder, p: NumberPoints, i: number, attrs: Attributes = p.attributes[i]): void {
  const j = b.begin();
  copyCommon(b, p, i, j);
  b.values[j] = p.values[i];
  b.isInt[j] = p.isInt[i];
  b.commit(attrs);
}

export function appendHistogram(b: HistogramBuilder, p: HistogramPoints, i: number, attrs: Attributes = p.attributes[i]): void {
  const j = b.begin();
  copyCommon(b, p, i, j);
  b.counts[j] = p.counts[i];
  b.sums[j] = p.sums[i];
  b.mins[j] = p.mins[i];
  b.maxs[j] = p.maxs[i];
  b.has[j] = p.has[i];
  for (let k = p.bucketStart[i]; k < p.bucketStart[i + 1]; k++) b.pushBucket(p.bucketCounts[k]);
  for (let k = p.boundStart[i]; k < p.boundStart[i + 1]; k++) b.pushBound(p.bounds[k]);
  b.commit(attrs);
}

export function appendExpHistogram(b: ExpHistogramBuilder, p: ExpHistogramPoints, i: number, attrs: Attributes = p.attributes[i]): void {
  const j = b.begin();
  copyCommon(b, p, i, j);
  b.counts[j] = p.counts[i];
  b.sums[j] = p.sums[i];
  b.mins[j] = p.mins[i];
  b.maxs[j] = p.maxs[i];
  b.has[j] = p.has[i];
  b.scales[j] = p.scales[i];
  b.zeroCounts[j] = p.zeroCounts[i];
  b.zeroThresholds[j] = p.zeroThresholds[i];
  b.posOffsets[j] = p.posOffsets[i];
  b.negOffsets[j] = p.negOffsets[i];
  for (let k = p.posStart[i]; k < p.posStart[i + 1]; k++) b.pushPositive(p.posCounts[k]);
  for (let k = p.negStart[i]; k < p.negStart[i + 1]; k++) b.pushNegative(p.negCounts[k]);
  b.commit(attrs);
}

export function appendSummary(b: SummaryBuilder, p: SummaryPoints, i: number, attrs: Attributes = p.attributes[i]): void {
  const j = b.begin();
  copyCommon(b, p, i, j);
  b.counts[j] = p.counts[i];
  b.sums[j] = p.sums[i];
  for (let k = p.quantileStart[i]; k < p.quantileStart[i + 1]; k++) b.pushQuantile(p.quantiles[k], p.quantileValues[k]);
  b.commit(attrs);
}

/**
 * Returns new columns holding the points for which keep(i) is true, in order,
 * with attributes replaced by map(i) when given. Fresh arrays: the result shares
 * nothing mutable with the input.
 */
export function selectPoints<P extends Points>(p: P, keep?: (i: number) => boolean, attrs?: (i: number) => Attributes): P {
  switch (p.kind) {
    case 'number': {
      const b = new NumberBuilder();
      for (let i = 0; i < p.length; i++) if (keep === undefined || keep(i)) appendNumber(b, p, i, attrs?.(i));
      return b.finish() as P;
    }
    case 'histogram': {
      const b = new HistogramBuilder();
      for (let i = 0; i < p.length; i++) if (keep === undefined || keep(i)) appendHistogram(b, p, i, attrs?.(i));
      return b.finish() as P;
    }
    case 'exphistogram': {
      const b = new ExpHistogramBuilder();
      for (let i = 0; i < p.length; i++) if (keep === undefined || keep(i)) appendExpHistogram(b, p, i, attrs?.(i));
      return b.finish() as P;
    }
    case 'summary': {
      const b = new SummaryBuilder();
      for (let i = 0; i < p.length; i++) if (keep === undefined || keep(i)) appendSummary(b, p, i, attrs?.(i));
      return b.finish() as P;
    }
  }
}

export function clonePoints<P extends Points>(p: P): P {
  return selectPoints(p);
}

/**
 * Points [from, to) as views on the same buffers (no copy). The result
 * aliases the input: use it only where the input is handed on whole, for
 * example when splitting a batch that the caller gives up.
 */
export function slicePoints<P extends Points>(p: P, from: number, to: number): P {
  const common = {
    length: to - from,
    attributes: p.attributes.slice(from, to),
    startTimes: p.startTimes.subarray(2 * from, 2 * to),
    times: p.times.subarray(2 * from, 2 * to),
    flags: p.flags.subarray(from, to),
    exemplars: p.exemplars?.slice(from, to),
  };
  switch (p.kind) {
    case 'number':
      return { ...common, kind: 'number', values: p.values.subarray(from, to), isInt: p.isInt.subarray(from, to) } as P;
    case 'histogram':
      return {
        ...common,
        kind: 'histogram',
        counts: p.counts.subarray(from, to),
        sums: p.sums.subarray(from, to),
        mins: p.mins.subarray(from, to),
        maxs: p.maxs.subarray(from, to),
        has: p.has.subarray(from, to),
        bucketStart: p.bucketStart.subarray(from, to + 1),
        bucketCounts: p.bucketCounts,
        boundStart: p.boundStart.subarray(from, to + 1),
        bounds: p.bounds,
      } as P;
    case 'exphistogram':
      return {
        ...common,
        kind: 'exphistogram',
        counts: p.counts.subarray(from, to),
        sums: p.sums.subarray(from, to),
        mins: p.mins.subarray(from, to),
        maxs: p.maxs.subarray(from, to),
        has: p.has.subarray(from, to),
        scales: p.scales.subarray(from, to),
        zeroCounts: p.zeroCounts.subarray(from, to),
        zeroThresholds: p.zeroThresholds.subarray(from, to),
        posOffsets: p.posOffsets.subarray(from, to),
        posStart: p.posStart.subarray(from, to + 1),
        posCounts: p.posCounts,
        negOffsets: p.negOffsets.subarray(from, to),
        negStart: p.negStart.subarray(from, to + 1),
        negCounts: p.negCounts,
      } as P;
    case 'summary':
      return {
        ...common,
        kind: 'summary',
        counts: p.counts.subarray(from, to),
        sums: p.sums.subarray(from, to),
        quantileStart: p.quantileStart.subarray(from, to + 1),
        quantiles: p.quantiles,
        quantileValues: p.quantileValues,
      } as P;
  }
}

/** Column i of each kept point, packed. */
function pick<T extends Float64Array | Uint32Array | Int32Array | Uint8Array>(col: T, keep: Uint8Array, kept: number): T {
  const out = new (col.constructor as new (n: number) => T)(kept);
  for (let i = 0, j = 0; j < kept; i++) if (keep[i] === 1) out[j++] = col[i];
  return out;
}

/** A uint64 time column (two uint32 per point), packed. */
function pickPairs(col: Uint32Array, keep: Uint8Array, kept: number): Uint32Array {
  const out = new Uint32Array(2 * kept);
  for (let i = 0, j = 0; j < kept; i++) {
    if (keep[i] === 1) {
      out[2 * j] = col[2 * i];
      out[2 * j + 1] = col[2 * i + 1];
      j++;
    }
  }
  return out;
}

/** A variable-length column (`start` has one entry per point plus one), packed and rebased to 0. */
function pickRuns(start: Uint32Array, values: readonly Float64Array[], keep: Uint8Array, kept: number): { start: Uint32Array; values: Float64Array[] } {
  const outStart = new Uint32Array(kept + 1);
  let total = 0;
  for (let i = 0, j = 0; j < kept; i++) {
    if (keep[i] === 1) {
      outStart[j++] = total;
      total += start[i + 1] - start[i];
    }
  }
  outStart[kept] = total;
  const outValues = values.map(() => new Float64Array(total));
  for (let i = 0, j = 0; j < kept; i++) {
    if (keep[i] !== 1) continue;
    for (let v = 0; v < values.length; v++) outValues[v].set(values[v].subarray(start[i], start[i + 1]), outStart[j]);
    j++;
  }
  return { start: outStart, values: outValues };
}

/**
 * The points with keep[i] === 1 (`kept` of them), column by column into
 * arrays of the exact size: what filtering costs when most points stay,
 * without going point by point through a builder. Fresh arrays, as
 * selectPoints gives.
 */
export function keepPoints<P extends Points>(p: P, keep: Uint8Array, kept: number): P {
  const attributes: Attributes[] = [];
  for (let i = 0; i < p.length; i++) if (keep[i] === 1) attributes.push(p.attributes[i]);
  let exemplars: (readonly Exemplar[] | undefined)[] | undefined;
  if (p.exemplars !== undefined) {
    exemplars = [];
    for (let i = 0; i < p.length; i++) if (keep[i] === 1) exemplars.push(p.exemplars[i]);
    if (exemplars.every((e) => e === undefined)) exemplars = undefined;
  }
  const common = {
    length: kept,
    attributes,
    startTimes: pickPairs(p.startTimes, keep, kept),
    times: pickPairs(p.times, keep, kept),
    flags: pick(p.flags, keep, kept),
    exemplars,
  };
  switch (p.kind) {
    case 'number':
      return { ...common, kind: 'number', values: pick(p.values, keep, kept), isInt: pick(p.isInt, keep, kept) } as P;
    case 'histogram': {
      const buckets = pickRuns(p.bucketStart, [p.bucketCounts], keep, kept);
      const bounds = pickRuns(p.boundStart, [p.bounds], keep, kept);
      return {
        ...common,
        kind: 'histogram',
        counts: pick(p.counts, keep, kept),
        sums: pick(p.sums, keep, kept),
        mins: pick(p.mins, keep, kept),
        maxs: pick(p.maxs, keep, kept),
        has: pick(p.has, keep, kept),
        bucketStart: buckets.start,
        bucketCounts: buckets.values[0],
        boundStart: bounds.start,
        bounds: bounds.values[0],
      } as P;
    }
    case 'exphistogram': {
      const pos = pickRuns(p.posStart, [p.posCounts], keep, kept);
      const neg = pickRuns(p.negStart, [p.negCounts], keep, kept);
      return {
        ...common,
        kind: 'exphistogram',
        counts: pick(p.counts, keep, kept),
        sums: pick(p.sums, keep, kept),
        mins: pick(p.mins, keep, kept),
        maxs: pick(p.maxs, keep, kept),
        has: pick(p.has, keep, kept),
        scales: pick(p.scales, keep, kept),
        zeroCounts: pick(p.zeroCounts, keep, kept),
        zeroThresholds: pick(p.zeroThresholds, keep, kept),
        posOffsets: pick(p.posOffsets, keep, kept),
        posStart: pos.start,
        posCounts: pos.values[0],
        negOffsets: pick(p.negOffsets, keep, kept),
        negStart: neg.start,
        negCounts: neg.values[0],
      } as P;
    }
    case 'summary': {
      const q = pickRuns(p.quantileStart, [p.quantiles, p.quantileValues], keep, kept);
      return {
        ...common,
        kind: 'summary',
        counts: pick(p.counts, keep, kept),
        sums: pick(p.sums, keep, kept),
        quantileStart: q.start,
        quantiles: q.values[0],
        quantileValues: q.values[1],
      } as P;
    }
  }
}
