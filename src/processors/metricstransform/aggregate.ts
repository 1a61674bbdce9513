import type { AnyValue } from '../../model/any-value.js';
import type { Attributes } from '../../model/attributes.js';
import { type ExpHistogramPoints, type HistogramPoints, type Metric, type NumberPoints, type Points, Temporality, temporalityOf } from '../../model/metric.js';
import { ExpHistogramBuilder, HistogramBuilder, NumberBuilder } from '../../model/points-builder.js';
import { appendExpHistogram, appendHistogram, appendNumber } from '../../model/points.js';
import { compareTimes } from '../../model/time.js';
import type { AggregationType } from './config.js';

/**
 * Merges the points of one metric that end up with the same attributes, as
 * the Collector's aggregate_labels does: points are grouped by their new
 * attribute set and timestamp (and start time for delta metrics; bounds or
 * scale and bucket layout for histograms). Numbers combine by sum, mean, min
 * or max (ints stay ints, the mean of ints is truncated); histograms always
 * add up. The merged point takes the earliest start time. Summaries cannot be
 * merged and are left as they are (returns undefined).
 */
export function aggregatePoints(m: Metric, agg: AggregationType, relabel: (a: Attributes) => Attributes): Points | undefined {
  const p = m.points;
  if (p.kind === 'summary') return undefined;
  const byStart = temporalityOf(m) === Temporality.Delta;
  // New attribute set -> small id, by content (equal content is one group even if interning handed out two objects).
  const idOf = new Map<Attributes, number>();
  const idByContent = new Map<string, number>();
  // Group keys are built from small numbers in nested maps: no string per point.
  const times = new PairIndex();
  const starts = new PairIndex();
  const withStart = new PairIndex();
  const withShape = new PairIndex();
  const groupOf = new PairIndex();
  const groups: number[][] = [];
  const attrsOf: Attributes[] = new Array(p.length);
  const shapes = p.kind === 'number' ? undefined : new ShapeKeys(p);
  for (let i = 0; i < p.length; i++) {
    const a = relabel(p.attributes[i]);
    attrsOf[i] = a;
    let id = idOf.get(a);
    if (id === undefined) {
      const content = contentKey(a);
      id = idByContent.get(content) ?? idByContent.size;
      idByContent.set(content, id);
      idOf.set(a, id);
    }
    let k = times.of(p.times[2 * i + 1], p.times[2 * i]);
    if (byStart) k = withStart.of(k, starts.of(p.startTimes[2 * i + 1], p.startTimes[2 * i]));
    if (shapes !== undefined) k = withShape.of(k, shapes.of(i));
    const g = groupOf.of(id, k);
    if (g === groups.length) groups.push([i]);
    else groups[g].push(i);
  }
  switch (p.kind) {
    case 'number':
      return mergeNumbers(p, groups, attrsOf, agg);
    case 'histogram':
      return mergeHistograms(p, groups, attrsOf);
    case 'exphistogram':
      return mergeExpHistograms(p, groups, attrsOf);
  }
}

/** Dense indices for pairs of numbers, in order of first appearance. */
class PairIndex {
  private readonly byFirst = new Map<number, Map<number, number>>();
  private n = 0;

  of(a: number, b: number): number {
    let m = this.byFirst.get(a);
    if (m === undefined) this.byFirst.set(a, (m = new Map()));
    let i = m.get(b);
    if (i === undefined) m.set(b, (i = this.n++));
    return i;
  }
}

/** A string equal for equal attribute content (types included), independent of interning. */
function contentKey(a: Attributes): string {
  let s = '';
  for (let i = 0; i < a.keys.length; i++) s += `${a.keys[i]}\u0000${valueKey(a.values[i])}\u0001`;
  return s;
}

function valueKey(v: AnyValue): string {
  if (typeof v === 'string') return `s${v}`;
  if (typeof v === 'bigint') return `i${v}`;
  if (typeof v === 'number') return `d${v}`;
  if (typeof v === 'boolean') return `b${v}`;
  return `j${JSON.stringify(v, (_k, x: unknown) => (typeof x === 'bigint' ? `${x}n` : x instanceof Uint8Array ? Array.from(x) : x))}`;
}

/**
 * What must also be equal for distribution points to merge: which of min and
 * max they have, flags, and the bucket layout (explicit bounds, or scale,
 * offsets and bucket counts). Points of one metric nearly always share a
 * layout, so the string of the previous point is reused when it matches.
 */
class ShapeKeys {
  private prev = -1;
  private prevIndex = 0;
  private readonly index = new Map<string, number>();

  constructor(private readonly p: HistogramPoints | ExpHistogramPoints) {}

  /** A small number, equal for points of the same shape. */
  of(i: number): number {
    if (this.prev < 0 || !this.sameShape(this.prev, i)) {
      const key = this.build(i);
      let n = this.index.get(key);
      if (n === undefined) this.index.set(key, (n = this.index.size));
      this.prevIndex = n;
      this.prev = i;
    }
    return this.prevIndex;
  }

  private build(i: number): string {
    const p = this.p;
    const head = `|${p.has[i] & 6},${p.flags[i]}`;
    if (p.kind === 'histogram') return `${head}|${Array.from(p.bounds.subarray(p.boundStart[i], p.boundStart[i + 1])).join(',')}`;
    return `${head}|${p.scales[i]},${p.posOffsets[i]},${p.posStart[i + 1] - p.posStart[i]},${p.negOffsets[i]},${p.negStart[i + 1] - p.negStart[i]}`;
  }

  private sameShape(j: number, i: number): boolean {
    const p = this.p;
    if ((p.has[i] & 6) !== (p.has[j] & 6) || p.flags[i] !== p.flags[j]) return false;
    if (p.kind === 'exphistogram') {
      return (
        p.scales[i] === p.scales[j] &&
        p.posOffsets[i] === p.posOffsets[j] &&
        p.negOffsets[i] === p.negOffsets[j] &&
        p.posStart[i + 1] - p.posStart[i] === p.posStart[j + 1] - p.posStart[j] &&
        p.negStart[i + 1] - p.negStart[i] === p.negStart[j + 1] - p.negStart[j]
      );
    }
    const n = p.boundStart[i + 1] - p.boundStart[i];
    if (n !== p.boundStart[j + 1] - p.boundStart[j]) return false;
    for (let k = 0; k < n; k++) if (p.bounds[p.boundStart[i] + k] !== p.bounds[p.boundStart[j] + k]) return false;
    return true;
  }
}

function earliestStart(into: Uint32Array, j: number, from: Uint32Array, i: number): void {
  if (compareTimes(from, i, into, j) < 0) {
    into[2 * j] = from[2 * i];
    into[2 * j + 1] = from[2 * i + 1];
  }
}

function mergeNumbers(p: NumberPoints, groups: readonly number[][], attrsOf: Attributes[], agg: AggregationType): NumberPoints {
  const b = new NumberBuilder();
  for (const idx of groups) {
    const first = idx[0];
    appendNumber(b, p, first, attrsOf[first]);
    const j = b.n - 1;
    const asInt = p.isInt[first] === 1;
    let v = p.values[first];
    for (let k = 1; k < idx.length; k++) {
      const i = idx[k];
      const x = asInt ? Math.trunc(p.values[i]) : p.values[i];
      if (agg === 'sum' || agg === 'mean') v += x;
      else if (agg === 'min') v = Math.min(v, x);
      else v = Math.max(v, x);
      earliestStart(b.startTimes, j, p.startTimes, i);
    }
    if (agg === 'mean') v = asInt ? Math.trunc(v / idx.length) : v / idx.length;
    b.values[j] = v;
  }
  return b.finish();
}

function mergeHistograms(p: HistogramPoints, groups: readonly number[][], attrsOf: Attributes[]): HistogramPoints {
  const b = new HistogramBuilder();
  for (const idx of groups) {
    const first = idx[0];
    appendHistogram(b, p, first, attrsOf[first]);
    const j = b.n - 1;
    const bucket0 = b.bucketStart[j];
    for (let k = 1; k < idx.length; k++) {
      const i = idx[k];
      if (p.counts[i] === 0) continue;
      addDistribution(b, j, p, i);
      for (let x = p.bucketStart[i], y = bucket0; x < p.bucketStart[i + 1]; x++, y++) b.bucketCounts[y] += p.bucketCounts[x];
      for (const e of p.exemplars?.[i] ?? []) b.addExemplar(j, e);
      earliestStart(b.startTimes, j, p.startTimes, i);
    }
  }
  return b.finish();
}

function mergeExpHistograms(p: ExpHistogramPoints, groups: readonly number[][], attrsOf: Attributes[]): ExpHistogramPoints {
  const b = new ExpHistogramBuilder();
  for (const idx of groups) {
    const first = idx[0];
    appendExpHistogram(b, p, first, attrsOf[first]);
    const j = b.n - 1;
    const pos0 = b.posStart[j];
    const neg0 = b.negStart[j];
    for (let k = 1; k < idx.length; k++) {
      const i = idx[k];
      if (p.counts[i] === 0) continue;
      addDistribution(b, j, p, i);
      b.zeroCounts[j] += p.zeroCounts[i];
      for (let x = p.posStart[i], y = pos0; x < p.posStart[i + 1]; x++, y++) b.posCounts[y] += p.posCounts[x];
      for (let x = p.negStart[i], y = neg0; x < p.negStart[i + 1]; x++, y++) b.negCounts[y] += p.negCounts[x];
      for (const e of p.exemplars?.[i] ?? []) b.addExemplar(j, e);
      earliestStart(b.startTimes, j, p.startTimes, i);
    }
  }
  return b.finish();
}

/** count, sum, min, max of point i of p into point j of b (min and max only where the first point has them). */
function addDistribution(b: HistogramBuilder | ExpHistogramBuilder, j: number, p: HistogramPoints | ExpHistogramPoints, i: number): void {
  b.counts[j] += p.counts[i];
  b.sums[j] += p.sums[i];
  if (b.has[j] & 2) b.mins[j] = Math.min(b.mins[j], p.mins[i]);
  if (b.has[j] & 4) b.maxs[j] = Math.max(b.maxs[j], p.maxs[i]);
}
