import { Attributes } from './attributes.js';
import type { Exemplar, ExpHistogramPoints, HistogramPoints, NumberPoints, SummaryPoints } from './metric.js';

/**
 * Builders append points into growable scratch columns, and `finish()` hands
 * out the points since the last finish as views on those columns (no copy,
 * no new buffer). The scratch is therefore never written twice: `reset()`
 * (at the start of each request) and a full scratch start new columns, and
 * what was handed out keeps the old ones. One request thus costs a few
 * buffers in all, not a few per metric (allocating an ArrayBuffer is what
 * dominated decoding before). Offsets in variable-length columns
 * (bucketStart...) are absolute indices into the shared value columns, as
 * the model allows. A point is written at index `n` and becomes part of the
 * result only when `commit()` is called, so an invalid point is dropped by
 * simply not committing it.
 */

/** Past this many points the scratch is left to what was handed out, and new columns start. */
const RENEW_AT = 1 << 16;

function growF64(a: Float64Array, need: number): Float64Array {
  if (need <= a.length) return a;
  const b = new Float64Array(Math.max(need, a.length * 2));
  b.set(a);
  return b;
}
function growU32(a: Uint32Array, need: number): Uint32Array {
  if (need <= a.length) return a;
  const b = new Uint32Array(Math.max(need, a.length * 2));
  b.set(a);
  return b;
}
function growI32(a: Int32Array, need: number): Int32Array {
  if (need <= a.length) return a;
  const b = new Int32Array(Math.max(need, a.length * 2));
  b.set(a);
  return b;
}
function growU8(a: Uint8Array, need: number): Uint8Array {
  if (need <= a.length) return a;
  const b = new Uint8Array(Math.max(need, a.length * 2));
  b.set(a);
  return b;
}

abstract class BaseBuilder {
  /** Next point index. */
  n = 0;
  /** First point of the metric being built. */
  protected start = 0;
  /** Largest n seen, to size the next scratch. */
  protected peak = 32;
  attributes: Attributes[] = [];
  startTimes: Uint32Array = new Uint32Array(64);
  times: Uint32Array = new Uint32Array(64);
  flags: Uint32Array = new Uint32Array(32);
  exemplars: (Exemplar[] | undefined)[] | undefined = undefined;
  protected cap = 32;

  /** Starts new scratch columns (what was handed out keeps the old ones). */
  reset(): void {
    this.peak = Math.min(RENEW_AT, Math.max(this.peak, this.n, 32));
    this.n = 0;
    this.start = 0;
    this.attributes = [];
    this.exemplars = undefined;
    this.cap = 0;
    this.renew(this.peak);
  }

  /** Fresh arrays of capacity `cap` (subclasses add theirs). */
  protected renew(cap: number): void {
    this.startTimes = new Uint32Array(2 * cap);
    this.times = new Uint32Array(2 * cap);
    this.flags = new Uint32Array(cap);
    this.cap = cap;
  }

  /** Makes room for point `n` and clears its fixed columns. */
  begin(): number {
    const i = this.n;
    if (i >= this.cap) this.growTo(Math.max(i + 1, this.cap * 2));
    this.startTimes[2 * i] = 0;
    this.startTimes[2 * i + 1] = 0;
    this.times[2 * i] = 0;
    this.times[2 * i + 1] = 0;
    this.flags[i] = 0;
    this.clearPoint(i);
    if (this.exemplars !== undefined) this.exemplars[i] = undefined;
    return i;
  }

  addExemplar(i: number, e: Exemplar): void {
    if (this.exemplars === undefined) this.exemplars = [];
    const list = this.exemplars[i];
    if (list === undefined) this.exemplars[i] = [e];
    else list.push(e);
  }

  commit(attrs: Attributes): void {
    this.attributes[this.n] = attrs;
    this.n++;
  }

  protected growTo(cap: number): void {
    this.startTimes = growU32(this.startTimes, 2 * cap);
    this.times = growU32(this.times, 2 * cap);
    this.flags = growU32(this.flags, cap);
    this.cap = cap;
  }

  protected abstract clearPoint(i: number): void;

  protected common(): {
    length: number;
    attributes: Attributes[];
    startTimes: Uint32Array;
    times: Uint32Array;
    flags: Uint32Array;
    exemplars: (Exemplar[] | undefined)[] | undefined;
  } {
    const n = this.n;
    const s = this.start;
    let exemplars: (Exemplar[] | undefined)[] | undefined;
    if (this.exemplars !== undefined) {
      exemplars = this.exemplars.slice(s, n);
      if (exemplars.every((e) => e === undefined)) exemplars = undefined;
      else exemplars.length = n - s;
    }
    return {
      length: n - s,
      attributes: this.attributes.slice(s, n),
      startTimes: this.startTimes.subarray(2 * s, 2 * n),
      times: this.times.subarray(2 * s, 2 * n),
      flags: this.flags.subarray(s, n),
      exemplars,
    };
  }

  /** Ends the metric: the next one starts after it; a full scratch starts over. */
  protected advance(): void {
    this.start = this.n;
    if (this.n >= RENEW_AT) this.reset();
  }
}

export class NumberBuilder extends BaseBuilder {
  values: Float64Array = new Float64Array(32);
  isInt: Uint8Array = new Uint8Array(32);

  protected override growTo(cap: number): void {
    super.growTo(cap);
    this.values = growF64(this.values, cap);
    this.isInt = growU8(this.isInt, cap);
  }

  protected clearPoint(i: number): void {
    this.values[i] = 0;
    this.isInt[i] = 0;
  }

  protected override renew(cap: number): void {
    super.renew(cap);
    this.values = new Float64Array(cap);
    this.isInt = new Uint8Array(cap);
  }

  finish(): NumberPoints {
    const n = this.n;
    const s = this.start;
    const p: NumberPoints = { kind: 'number', ...this.common(), values: this.values.subarray(s, n), isInt: this.isInt.subarray(s, n) };
    this.advance();
    return p;
  }
}

/** Shared by the two histogram builders: count, sum, min, max and the `has` bits. */
abstract class DistributionBuilder extends BaseBuilder {
  counts: Float64Array = new Float64Array(32);
  sums: Float64Array = new Float64Array(32);
  mins: Float64Array = new Float64Array(32);
  maxs: Float64Array = new Float64Array(32);
  has: Uint8Array = new Uint8Array(32);

  protected override growTo(cap: number): void {
    super.growTo(cap);
    this.counts = growF64(this.counts, cap);
    this.sums = growF64(this.sums, cap);
    this.mins = growF64(this.mins, cap);
    this.maxs = growF64(this.maxs, cap);
    this.has = growU8(this.has, cap);
  }

  protected clearPoint(i: number): void {
    this.counts[i] = 0;
    this.sums[i] = 0;
    this.mins[i] = 0;
    this.maxs[i] = 0;
    this.has[i] = 0;
  }

  protected override renew(cap: number): void {
    super.renew(cap);
    this.counts = new Float64Array(cap);
    this.sums = new Float64Array(cap);
    this.mins = new Float64Array(cap);
    this.maxs = new Float64Array(cap);
    this.has = new Uint8Array(cap);
  }

  protected distribution(): { counts: Float64Array; sums: Float64Array; mins: Float64Array; maxs: Float64Array; has: Uint8Array } {
    const n = this.n;
    const s = this.start;
    return { counts: this.counts.subarray(s, n), sums: this.sums.subarray(s, n), mins: this.mins.subarray(s, n), maxs: this.maxs.subarray(s, n), has: this.has.subarray(s, n) };
  }
}

export class HistogramBuilder extends DistributionBuilder {
  bucketStart: Uint32Array = new Uint32Array(33);
  bucketCounts: Float64Array = new Float64Array(256);
  boundStart: Uint32Array = new Uint32Array(33);
  bounds: Float64Array = new Float64Array(256);
  nBuckets = 0;
  nBounds = 0;

  override reset(): void {
    super.reset();
    this.nBuckets = 0;
    this.nBounds = 0;
  }

  protected override renew(cap: number): void {
    super.renew(cap);
    this.bucketStart = new Uint32Array(cap + 1);
    this.boundStart = new Uint32Array(cap + 1);
    this.bucketCounts = new Float64Array(Math.max(256, this.bucketCounts.length));
    this.bounds = new Float64Array(Math.max(256, this.bounds.length));
  }

  protected override growTo(cap: number): void {
    super.growTo(cap);
    this.bucketStart = growU32(this.bucketStart, cap + 1);
    this.boundStart = growU32(this.boundStart, cap + 1);
  }

  protected override clearPoint(i: number): void {
    super.clearPoint(i);
    // Point i's variable-length data is appended after all committed points'.
    this.bucketStart[i] = this.nBuckets;
    this.boundStart[i] = this.nBounds;
  }

  /** Rolls back the buckets and bounds appended for an uncommitted point. */
  rollback(i: number): void {
    this.nBuckets = this.bucketStart[i];
    this.nBounds = this.boundStart[i];
  }

  pushBucket(v: number): void {
    if (this.nBuckets >= this.bucketCounts.length) this.bucketCounts = growF64(this.bucketCounts, this.nBuckets + 1);
    this.bucketCounts[this.nBuckets++] = v;
  }

  pushBound(v: number): void {
    if (this.nBounds >= this.bounds.length) this.bounds = growF64(this.bounds, this.nBounds + 1);
    this.bounds[this.nBounds++] = v;
  }

  override commit(attrs: Attributes): void {
    super.commit(attrs);
    this.bucketStart[this.n] = this.nBuckets;
    this.boundStart[this.n] = this.nBounds;
  }

  finish(): HistogramPoints {
    const n = this.n;
    const s = this.start;
    this.bucketStart[n] = this.nBuckets;
    this.boundStart[n] = this.nBounds;
    const p: HistogramPoints = {
      kind: 'histogram',
      ...this.common(),
      ...this.distribution(),
      bucketStart: this.bucketStart.subarray(s, n + 1),
      bucketCounts: this.bucketCounts.subarray(0, this.nBuckets),
      boundStart: this.boundStart.subarray(s, n + 1),
      bounds: this.bounds.subarray(0, this.nBounds),
    };
    this.advance();
    return p;
  }
}

export class ExpHistogramBuilder extends DistributionBuilder {
  scales: Int32Array = new Int32Array(32);
  zeroCounts: Float64Array = new Float64Array(32);
  zeroThresholds: Float64Array = new Float64Array(32);
  posOffsets: Int32Array = new Int32Array(32);
  negOffsets: Int32Array = new Int32Array(32);
  posStart: Uint32Array = new Uint32Array(33);
  negStart: Uint32Array = new Uint32Array(33);
  posCounts: Float64Array = new Float64Array(256);
  negCounts: Float64Array = new Float64Array(256);
  nPos = 0;
  nNeg = 0;

  override reset(): void {
    super.reset();
    this.nPos = 0;
    this.nNeg = 0;
  }

  protected override renew(cap: number): void {
    super.renew(cap);
    this.scales = new Int32Array(cap);
    this.zeroCounts = new Float64Array(cap);
    this.zeroThresholds = new Float64Array(cap);
    this.posOffsets = new Int32Array(cap);
    this.negOffsets = new Int32Array(cap);
    this.posStart = new Uint32Array(cap + 1);
    this.negStart = new Uint32Array(cap + 1);
    this.posCounts = new Float64Array(Math.max(256, this.posCounts.length));
    this.negCounts = new Float64Array(Math.max(256, this.negCounts.length));
  }

  protected override growTo(cap: number): void {
    super.growTo(cap);
    this.scales = growI32(this.scales, cap);
    this.zeroCounts = growF64(this.zeroCounts, cap);
    this.zeroThresholds = growF64(this.zeroThresholds, cap);
    this.posOffsets = growI32(this.posOffsets, cap);
    this.negOffsets = growI32(this.negOffsets, cap);
    this.posStart = growU32(this.posStart, cap + 1);
    this.negStart = growU32(this.negStart, cap + 1);
  }

  protected override clearPoint(i: number): void {
    super.clearPoint(i);
    this.scales[i] = 0;
    this.zeroCounts[i] = 0;
    this.zeroThresholds[i] = 0;
    this.posOffsets[i] = 0;
    this.negOffsets[i] = 0;
    this.posStart[i] = this.nPos;
    this.negStart[i] = this.nNeg;
  }

  rollback(i: number): void {
    this.nPos = this.posStart[i];
    this.nNeg = this.negStart[i];
  }

  pushPositive(v: number): void {
    if (this.nPos >= this.posCounts.length) this.posCounts = growF64(this.posCounts, this.nPos + 1);
    this.posCounts[this.nPos++] = v;
  }

  pushNegative(v: number): void {
    if (this.nNeg >= this.negCounts.length) this.negCounts = growF64(this.negCounts, this.nNeg + 1);
    this.negCounts[this.nNeg++] = v;
  }

  override commit(attrs: Attributes): void {
    super.commit(attrs);
    this.posStart[this.n] = this.nPos;
    this.negStart[this.n] = this.nNeg;
  }

  finish(): ExpHistogramPoints {
    const n = this.n;
    const s = this.start;
    this.posStart[n] = this.nPos;
    this.negStart[n] = this.nNeg;
    const p: ExpHistogramPoints = {
      kind: 'exphistogram',
      ...this.common(),
      ...this.distribution(),
      scales: this.scales.subarray(s, n),
      zeroCounts: this.zeroCounts.subarray(s, n),
      zeroThresholds: this.zeroThresholds.subarray(s, n),
      posOffsets: this.posOffsets.subarray(s, n),
      posStart: this.posStart.subarray(s, n + 1),
      posCounts: this.posCounts.subarray(0, this.nPos),
      negOffsets: this.negOffsets.subarray(s, n),
      negStart: this.negStart.subarray(s, n + 1),
      negCounts: this.negCounts.subarray(0, this.nNeg),
    };
    this.advance();
    return p;
  }
}

export class SummaryBuilder extends BaseBuilder {
  counts: Float64Array = new Float64Array(32);
  sums: Float64Array = new Float64Array(32);
  quantileStart: Uint32Array = new Uint32Array(33);
  quantiles: Float64Array = new Float64Array(128);
  quantileValues: Float64Array = new Float64Array(128);
  nQ = 0;

  override reset(): void {
    super.reset();
    this.nQ = 0;
  }

  protected override renew(cap: number): void {
    super.renew(cap);
    this.counts = new Float64Array(cap);
    this.sums = new Float64Array(cap);
    this.quantileStart = new Uint32Array(cap + 1);
    this.quantiles = new Float64Array(Math.max(128, this.quantiles.length));
    this.quantileValues = new Float64Array(Math.max(128, this.quantileValues.length));
  }

  protected override growTo(cap: number): void {
    super.growTo(cap);
    this.counts = growF64(this.counts, cap);
    this.sums = growF64(this.sums, cap);
    this.quantileStart = growU32(this.quantileStart, cap + 1);
  }

  protected clearPoint(i: number): void {
    this.counts[i] = 0;
    this.sums[i] = 0;
    this.quantileStart[i] = this.nQ;
  }

  rollback(i: number): void {
    this.nQ = this.quantileStart[i];
  }

  pushQuantile(q: number, v: number): void {
    if (this.nQ >= this.quantiles.length) {
      this.quantiles = growF64(this.quantiles, this.nQ + 1);
      this.quantileValues = growF64(this.quantileValues, this.nQ + 1);
    }
    this.quantiles[this.nQ] = q;
    this.quantileValues[this.nQ++] = v;
  }

  override commit(attrs: Attributes): void {
    super.commit(attrs);
    this.quantileStart[this.n] = this.nQ;
  }

  finish(): SummaryPoints {
    const n = this.n;
    const s = this.start;
    this.quantileStart[n] = this.nQ;
    const p: SummaryPoints = {
      kind: 'summary',
      ...this.common(),
      counts: this.counts.subarray(s, n),
      sums: this.sums.subarray(s, n),
      quantileStart: this.quantileStart.subarray(s, n + 1),
      quantiles: this.quantiles.subarray(0, this.nQ),
      quantileValues: this.quantileValues.subarray(0, this.nQ),
    };
    this.advance();
    return p;
  }
}

/** One builder of each kind; a decoder owns one set and reuses it. */
export class PointBuilders {
  readonly number = new NumberBuilder();
  readonly histogram = new HistogramBuilder();
  readonly exphistogram = new ExpHistogramBuilder();
  readonly summary = new SummaryBuilder();

  /** Drops partial state, for example after a decode error. */
  reset(): void {
    this.number.reset();
    this.histogram.reset();
    this.exphistogram.reset();
    this.summary.reset();
  }
}

