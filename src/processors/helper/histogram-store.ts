import type { HistogramPoints } from '../../model/metric.js';
import { grown } from './stream-table.js';

/**
 * Explicit-bucket histograms kept per stream by the temporality processors,
 * as columns by row: count, sum, min, max (f64), which of sum/min/max are
 * known (u8), the bound list (an id into the few distinct lists, i32), the
 * bucket count (i32) and the row of the buckets (i32) in a pool of rows as
 * wide as the bucket count. Rows of every pool are reused once released, so
 * the store never fragments and holds no object per histogram.
 */

/** Rows handed out densely, with released rows reused first. */
export class Rows {
  next = 0;
  private readonly free: number[] = [];
  alloc(): number {
    return this.free.length > 0 ? this.free.pop()! : this.next++;
  }
  release(r: number): void {
    this.free.push(r);
  }
}

/** Rows of `width` counts each, in one typed array grown as rows are handed out. */
export class BucketPool<T extends Float64Array | Uint32Array = Float64Array> {
  readonly rows = new Rows();
  constructor(
    readonly width: number,
    public data: T,
  ) {}
  alloc(): number {
    const r = this.rows.alloc();
    this.data = grown(this.data, (r + 1) * this.width);
    return r;
  }
}

/**
 * The columns every kept histogram has, by row: count, sum, min, max (f64)
 * and which of sum/min/max are known (u8). Subclasses add their own columns
 * and grow them in grow().
 */
export abstract class DistributionRows {
  private readonly rows = new Rows();
  count = new Float64Array(64);
  sum = new Float64Array(64);
  min = new Float64Array(64);
  max = new Float64Array(64);
  has = new Uint8Array(64);

  /** A row; every column is grown to hold it. */
  protected allocRow(): number {
    const r = this.rows.alloc();
    if (r >= this.count.length) {
      const cap = this.count.length * 2;
      this.count = grown(this.count, cap);
      this.sum = grown(this.sum, cap);
      this.min = grown(this.min, cap);
      this.max = grown(this.max, cap);
      this.has = grown(this.has, cap);
      this.grow(cap);
    }
    return r;
  }

  protected releaseRow(r: number): void {
    this.rows.release(r);
  }

  /** Bytes of the shared columns. */
  protected rowBytes(): number {
    return this.count.byteLength * 4 + this.has.byteLength;
  }

  /** Grows the subclass's columns to `cap` rows. */
  protected abstract grow(cap: number): void;
}

export class HistogramStore extends DistributionRows {
  private boundsId = new Int32Array(64);
  private width = new Int32Array(64);
  private bucketRow = new Int32Array(64);
  private readonly boundLists: Float64Array[] = [];
  private readonly boundIds = new Map<string, number>();
  private readonly pools: BucketPool[] = [];
  private lastBoundId = -1;

  /** A new row, with no buckets until set(). */
  alloc(): number {
    const r = this.allocRow();
    this.bucketRow[r] = -1;
    return r;
  }

  release(r: number): void {
    this.releaseBuckets(r);
    this.releaseRow(r);
  }

  protected grow(cap: number): void {
    this.boundsId = grown(this.boundsId, cap);
    this.width = grown(this.width, cap);
    this.bucketRow = grown(this.bucketRow, cap);
  }

  /** Whether row r holds buckets laid out as point i's (same bounds, as many counts). */
  sameLayout(r: number, p: HistogramPoints, i: number): boolean {
    const width = p.bucketStart[i + 1] - p.bucketStart[i];
    return this.bucketRow[r] >= 0 && this.width[r] === width && sameBounds(this.boundLists[this.boundsId[r]], p, i);
  }

  /** Sets row r to point i: its layout, bucket counts and fields. */
  set(r: number, p: HistogramPoints, i: number): void {
    const width = p.bucketStart[i + 1] - p.bucketStart[i];
    if (!this.sameLayout(r, p, i)) {
      if (this.bucketRow[r] < 0 || this.width[r] !== width) {
        this.releaseBuckets(r);
        this.bucketRow[r] = this.pool(width).alloc();
        this.width[r] = width;
      }
      this.boundsId[r] = this.boundId(p, i);
    }
    const d = this.pools[width].data;
    const at = this.bucketRow[r] * width;
    const from = p.bucketStart[i];
    for (let k = 0; k < width; k++) d[at + k] = p.bucketCounts[from + k];
    this.count[r] = p.counts[i];
    this.sum[r] = p.sums[i];
    this.min[r] = p.mins[i];
    this.max[r] = p.maxs[i];
    this.has[r] = p.has[i];
  }

  /** Adds point i (of the same layout) into row r: counts, sum, min and max; known fields only while both know them. */
  add(r: number, p: HistogramPoints, i: number): void {
    const width = this.width[r];
    const d = this.pools[width].data;
    const at = this.bucketRow[r] * width;
    const from = p.bucketStart[i];
    for (let k = 0; k < width; k++) d[at + k] += p.bucketCounts[from + k];
    this.count[r] += p.counts[i];
    this.sum[r] += p.sums[i];
    this.has[r] &= p.has[i];
    if (p.mins[i] < this.min[r]) this.min[r] = p.mins[i];
    if (p.maxs[i] > this.max[r]) this.max[r] = p.maxs[i];
  }

  /** Row r's bucket counts are data(r)[offset(r) .. offset(r) + widthOf(r)): no view is made per point. */
  data(r: number): Float64Array {
    return this.pools[this.width[r]].data;
  }

  offset(r: number): number {
    return this.bucketRow[r] * this.width[r];
  }

  widthOf(r: number): number {
    return this.width[r];
  }

  bytes(): number {
    let b = this.rowBytes() + this.boundsId.byteLength + this.width.byteLength + this.bucketRow.byteLength;
    for (const p of this.pools) if (p !== undefined) b += p.data.byteLength;
    for (const l of this.boundLists) b += l.byteLength + 64;
    return b;
  }

  private releaseBuckets(r: number): void {
    if (this.bucketRow[r] >= 0) this.pools[this.width[r]].rows.release(this.bucketRow[r]);
    this.bucketRow[r] = -1;
  }

  private pool(width: number): BucketPool {
    let p = this.pools[width];
    if (p === undefined) {
      p = new BucketPool(width, new Float64Array(Math.max(1, width) * 64));
      this.pools[width] = p;
    }
    return p;
  }

  /** Interns point i's bound list (there are few: one per instrument configuration). */
  private boundId(p: HistogramPoints, i: number): number {
    // New streams of one metric come together and share bounds: try the last list first.
    if (this.lastBoundId >= 0 && sameBounds(this.boundLists[this.lastBoundId], p, i)) return this.lastBoundId;
    const bounds = p.bounds.slice(p.boundStart[i], p.boundStart[i + 1]);
    const key = bounds.join(',');
    let id = this.boundIds.get(key);
    if (id === undefined) {
      id = this.boundLists.length;
      this.boundLists.push(bounds);
      this.boundIds.set(key, id);
    }
    this.lastBoundId = id;
    return id;
  }
}

function sameBounds(a: Float64Array, p: HistogramPoints, i: number): boolean {
  const from = p.boundStart[i];
  if (a.length !== p.boundStart[i + 1] - from) return false;
  for (let k = 0; k < a.length; k++) if (a[k] !== p.bounds[from + k]) return false;
  return true;
}
