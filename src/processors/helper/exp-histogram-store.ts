import type { ExpHistogramPoints } from '../../model/metric.js';
import { HAS_MAX, HAS_MIN } from '../../model/metric.js';
import type { ExpHistogramBuilder } from '../../model/points-builder.js';
import { BucketPool, DistributionRows } from './histogram-store.js';
import { grown } from './stream-table.js';

/**
 * Exponential histograms kept per stream by the temporality processors, as
 * columns by row (no object per histogram):
 *
 * - per row: count, sum, min, max, zero count, zero threshold (f64), scale
 *   (i8) and which of sum/min/max are known (u8);
 * - per side (positive and negative buckets; side 2r + 0 and 2r + 1): the
 *   bucket window's offset and length, and where its counts live: a pool
 *   (u8) and a row in that pool (i32).
 *
 * Bucket counts live in pools of rows by capacity class (4 .. 160 buckets,
 * about a quarter wider each class, so a row wastes little), as u32 while every count fits one
 * and as f64 (exact up to 2^53) once one does not. When the window grows
 * past its class, or a count past u32, the side is re-homed to a row of the
 * wider class or of the f64 pool. Cells past a side's length are kept zero,
 * as are free rows, so a window grows to the right without clearing.
 *
 * Merging follows the OTLP data model (the same rules as model/exp-histogram.ts
 * mergeExp): the sum is kept at the smaller of the two scales, buckets are
 * downscaled in place (bucket i goes to i >> by), zero counts add and the
 * zero threshold is the larger one.
 */

/** Bucket row widths by class; extended on demand. */
const WIDTHS: number[] = [4, 8, 12, 16, 20, 24, 32, 40, 48, 64, 80, 96, 128, 160];

function classWidth(c: number): number {
  while (WIDTHS.length <= c) WIDTHS.push(Math.ceil((WIDTHS[WIDTHS.length - 1] * 1.25) / 8) * 8);
  return WIDTHS[c];
}

/** The narrowest class holding n buckets. */
export function bucketClass(n: number): number {
  let c = 0;
  while (classWidth(c) < n) c++;
  return c;
}

/** A pool id: its class, and whether it holds f64 counts (odd) or u32 (even). */
function poolId(cls: number, wide: boolean): number {
  return 2 * cls + (wide ? 1 : 0);
}

type CountPool = BucketPool<Uint32Array | Float64Array>;

export class ExpHistogramStore extends DistributionRows {
  zeroCount = new Float64Array(64);
  zeroThreshold = new Float64Array(64);
  /** OTLP scales lie in [-10, 20] (the decoders refuse others). */
  scale = new Int8Array(64);
  /** By side (2r: positive, 2r + 1: negative): the first bucket's index and how many. */
  offset = new Int32Array(128);
  length = new Int32Array(128);
  private pool = new Uint8Array(128);
  private bucketRow = new Int32Array(128);
  private readonly pools: (CountPool | undefined)[] = [];

  /** A new row with no buckets; set() gives it its first point. */
  alloc(): number {
    const r = this.allocRow();
    this.length[2 * r] = this.length[2 * r + 1] = 0;
    this.bucketRow[2 * r] = this.bucketRow[2 * r + 1] = -1;
    return r;
  }

  release(r: number): void {
    this.clearSide(2 * r);
    this.clearSide(2 * r + 1);
    this.releaseRow(r);
  }

  protected grow(cap: number): void {
    this.zeroCount = grown(this.zeroCount, cap);
    this.zeroThreshold = grown(this.zeroThreshold, cap);
    this.scale = grown(this.scale, cap);
    this.offset = grown(this.offset, 2 * cap);
    this.length = grown(this.length, 2 * cap);
    this.pool = grown(this.pool, 2 * cap);
    this.bucketRow = grown(this.bucketRow, 2 * cap);
  }

  /** Sets row r to point i of p. */
  set(r: number, p: ExpHistogramPoints, i: number): void {
    this.clearSide(2 * r);
    this.clearSide(2 * r + 1);
    this.scale[r] = p.scales[i];
    this.offset[2 * r] = p.posOffsets[i];
    this.offset[2 * r + 1] = p.negOffsets[i];
    this.addSide(2 * r, 0, p.posOffsets[i], p.posCounts, p.posStart[i], p.posStart[i + 1]);
    this.addSide(2 * r + 1, 0, p.negOffsets[i], p.negCounts, p.negStart[i], p.negStart[i + 1]);
    this.count[r] = p.counts[i];
    this.sum[r] = p.sums[i];
    this.min[r] = p.mins[i];
    this.max[r] = p.maxs[i];
    this.has[r] = p.has[i];
    this.zeroCount[r] = p.zeroCounts[i];
    this.zeroThreshold[r] = p.zeroThresholds[i];
  }

  /** Adds point i of p (a delta of the same stream) into row r, at the smaller of the two scales. */
  add(r: number, p: ExpHistogramPoints, i: number): void {
    const scale = Math.min(this.scale[r], p.scales[i]);
    const by = this.scale[r] - scale;
    if (by > 0) {
      this.downscaleSide(2 * r, by);
      this.downscaleSide(2 * r + 1, by);
      this.scale[r] = scale;
    }
    const pointBy = p.scales[i] - scale;
    this.addSide(2 * r, pointBy, p.posOffsets[i], p.posCounts, p.posStart[i], p.posStart[i + 1]);
    this.addSide(2 * r + 1, pointBy, p.negOffsets[i], p.negCounts, p.negStart[i], p.negStart[i + 1]);
    this.count[r] += p.counts[i];
    this.sum[r] += p.sums[i];
    this.zeroCount[r] += p.zeroCounts[i];
    if (p.zeroThresholds[i] > this.zeroThreshold[r]) this.zeroThreshold[r] = p.zeroThresholds[i];
    const has = p.has[i];
    this.has[r] &= has;
    if ((has & HAS_MIN) !== 0 && p.mins[i] < this.min[r]) this.min[r] = p.mins[i];
    if ((has & HAS_MAX) !== 0 && p.maxs[i] > this.max[r]) this.max[r] = p.maxs[i];
  }

  /** Writes row r into point j of b (which has begun and not yet been committed). */
  writeTo(r: number, b: ExpHistogramBuilder, j: number): void {
    b.counts[j] = this.count[r];
    b.sums[j] = this.sum[r];
    b.mins[j] = this.min[r];
    b.maxs[j] = this.max[r];
    b.has[j] = this.has[r];
    b.scales[j] = this.scale[r];
    b.zeroCounts[j] = this.zeroCount[r];
    b.zeroThresholds[j] = this.zeroThreshold[r];
    b.posOffsets[j] = this.offset[2 * r];
    b.negOffsets[j] = this.offset[2 * r + 1];
    for (let x = 2 * r; x <= 2 * r + 1; x++) {
      const n = this.length[x];
      if (n === 0) continue;
      const pool = this.pools[this.pool[x]]!;
      const d = pool.data;
      const at = this.bucketRow[x] * pool.width;
      if (x === 2 * r) for (let k = 0; k < n; k++) b.pushPositive(d[at + k]);
      else for (let k = 0; k < n; k++) b.pushNegative(d[at + k]);
    }
  }

  /** The capacity class and count width of side x (for tests): [bucket capacity, bytes per count], or undefined without buckets. */
  layout(x: number): [number, number] | undefined {
    if (this.bucketRow[x] < 0) return undefined;
    const pool = this.pools[this.pool[x]]!;
    return [pool.width, pool.data.BYTES_PER_ELEMENT];
  }

  bytes(): number {
    let b = this.rowBytes() + this.zeroCount.byteLength * 2 + this.scale.byteLength;
    b += this.offset.byteLength + this.length.byteLength + this.pool.byteLength + this.bucketRow.byteLength;
    for (const p of this.pools) if (p !== undefined) b += p.data.byteLength;
    return b;
  }

  /** Gives side x's bucket row back (zeroed) and leaves it empty. */
  private clearSide(x: number): void {
    const row = this.bucketRow[x];
    if (row >= 0) {
      const pool = this.pools[this.pool[x]]!;
      const at = row * pool.width;
      pool.data.fill(0, at, at + this.length[x]);
      pool.rows.release(row);
    }
    this.bucketRow[x] = -1;
    this.length[x] = 0;
  }

  /** Merges side x's buckets in place so the scale drops by `by`: bucket i goes to i >> by. */
  private downscaleSide(x: number, by: number): void {
    const n = this.length[x];
    if (n === 0) return;
    let pool = this.pools[this.pool[x]]!;
    let at = this.bucketRow[x] * pool.width;
    const off = this.offset[x];
    const first = off >> by;
    // Bucket k goes to cell ((off + k) >> by) - first <= k: moving forwards, each
    // target cell has already given its own count away (and been cleared) or keeps it.
    for (let k = 0; k < n; k++) {
      const to = ((off + k) >> by) - first;
      if (to === k) continue;
      const d = pool.data;
      const v = d[at + to] + d[at + k];
      if (d instanceof Uint32Array && v >>> 0 !== v) {
        // The merged count outgrows u32: carry on (from this bucket) in f64 counts.
        this.rehome(x, this.pool[x] | 1, 0);
        pool = this.pools[this.pool[x]]!;
        at = this.bucketRow[x] * pool.width;
        k--;
        continue;
      }
      d[at + to] = v;
      d[at + k] = 0;
    }
    this.offset[x] = first;
    this.length[x] = ((off + n - 1) >> by) - first + 1;
  }

  /**
   * Adds counts c[from..to), buckets from index `off` at a scale `by` above
   * the row's, into side x: the window widens to cover them, re-homing the
   * side to a wider class when it outgrows its own, or to f64 counts when a
   * count outgrows u32.
   */
  private addSide(x: number, by: number, off: number, c: Float64Array, from: number, to: number): void {
    if (to === from) return;
    const first = off >> by;
    const end = ((off + (to - from) - 1) >> by) + 1;
    const n = this.length[x];
    const lo = n === 0 ? first : Math.min(this.offset[x], first);
    const hi = n === 0 ? end : Math.max(this.offset[x] + n, end);
    const need = hi - lo;
    if (this.bucketRow[x] < 0) this.home(x, poolId(bucketClass(need), false));
    else {
      const pool = this.pools[this.pool[x]]!;
      const shift = this.offset[x] - lo;
      if (need > pool.width) this.rehome(x, poolId(bucketClass(need), (this.pool[x] & 1) === 1), shift);
      else if (shift > 0) {
        const at = this.bucketRow[x] * pool.width;
        pool.data.copyWithin(at + shift, at, at + n);
        pool.data.fill(0, at, at + Math.min(shift, n));
      }
    }
    this.offset[x] = lo;
    this.length[x] = need;
    for (let k = from; k < to; ) {
      k = this.addCounts(x, by, off - from, c, k, to);
      // A count outgrew u32: the rest goes into f64 counts.
      if (k < to) this.rehome(x, this.pool[x] | 1, 0);
    }
  }

  /** Adds c[k..to) into side x (bucket index of c[k]: (base + k) >> by); returns where it stopped, `to` or the first count that no longer fits u32. */
  private addCounts(x: number, by: number, base: number, c: Float64Array, k: number, to: number): number {
    const pool = this.pools[this.pool[x]]!;
    const d = pool.data;
    const at = this.bucketRow[x] * pool.width - this.offset[x];
    if (d instanceof Float64Array) {
      for (; k < to; k++) d[at + ((base + k) >> by)] += c[k];
      return to;
    }
    for (; k < to; k++) {
      const j = at + ((base + k) >> by);
      const v = d[j] + c[k];
      // Not a u32 (too large, negative or fractional): store it as f64.
      if (v >>> 0 !== v) return k;
      d[j] = v;
    }
    return to;
  }

  /** Gives side x a fresh (zeroed) row in pool `id`. */
  private home(x: number, id: number): void {
    let pool = this.pools[id];
    if (pool === undefined) {
      const width = classWidth(id >> 1);
      pool = new BucketPool<Uint32Array | Float64Array>(width, (id & 1) === 1 ? new Float64Array(width * 16) : new Uint32Array(width * 16));
      this.pools[id] = pool;
    }
    this.pool[x] = id;
    this.bucketRow[x] = pool.alloc();
  }

  /** Moves side x's counts to a fresh row in pool `id`, `shift` cells to the right. */
  private rehome(x: number, id: number, shift: number): void {
    const old = this.pools[this.pool[x]]!;
    const oldRow = this.bucketRow[x];
    const n = this.length[x];
    this.home(x, id);
    const pool = this.pools[id]!;
    const from = oldRow * old.width;
    const to = this.bucketRow[x] * pool.width + shift;
    for (let k = 0; k < n; k++) pool.data[to + k] = old.data[from + k];
    old.data.fill(0, from, from + n);
    old.rows.release(oldRow);
  }
}
