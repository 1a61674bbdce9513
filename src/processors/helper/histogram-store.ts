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

class BucketPool {
  data: Float64Array;
  readonly rows = new Rows();
  constructor(readonly width: number) {
    this.data = new Float64Array(Math.max(1, width) * 64);
  }
  alloc(): number {
    const r = this.rows.alloc();
    this.data = grown(this.data, (r + 1) * this.width);
    return r;
  }
}

export class HistogramStore {
  private readonly rows = new Rows();
  count = new Float64Array(64);
  sum = new Float64Array(64);
  min = new Float64Array(64);
  max = new Float64Array(64);
  has = new Uint8Array(64);
  private boundsId = new Int32Array(64);
  private width = new Int32Array(64);
  private bucketRow = new Int32Array(64);
  private readonly boundLists: Float64Array[] = [];
  private readonly boundIds = new Map<string, number>();
  private readonly pools: BucketPool[] = [];
  private lastBoundId = -1;

  /** A new row, with no buckets until set(). */
  alloc(): number {
    const r = this.rows.alloc();
    if (r >= this.count.length) {
      const cap = this.count.length * 2;
      this.count = grown(this.count, cap);
      this.sum = grown(this.sum, cap);
      this.min = grown(this.min, cap);
      this.max = grown(this.max, cap);
      this.has = grown(this.has, cap);
      this.boundsId = grown(this.boundsId, cap);
      this.width = grown(this.width, cap);
      this.bucketRow = grown(this.bucketRow, cap);
    }
    this.bucketRow[r] = -1;
    return r;
  }

  release(r: number): void {
    this.releaseBuckets(r);
    this.rows.release(r);
  }

  /** Whether row r holds buckets for exactly these bounds (and this many counts). */
  sameLayout(r: number, bounds: Float64Array, width: number): boolean {
    return this.bucketRow[r] >= 0 && this.width[r] === width && sameList(this.boundLists[this.boundsId[r]], bounds);
  }

  /** Sets row r to a point: its layout, bucket counts and fields. */
  set(r: number, bounds: Float64Array, counts: Float64Array, count: number, sum: number, min: number, max: number, has: number): void {
    const width = counts.length;
    if (!this.sameLayout(r, bounds, width)) {
      if (this.bucketRow[r] < 0 || this.width[r] !== width) {
        this.releaseBuckets(r);
        this.bucketRow[r] = this.pool(width).alloc();
        this.width[r] = width;
      }
      this.boundsId[r] = this.boundId(bounds);
    }
    this.pools[width].data.set(counts, this.bucketRow[r] * width);
    this.count[r] = count;
    this.sum[r] = sum;
    this.min[r] = min;
    this.max[r] = max;
    this.has[r] = has;
  }

  /** Bucket counts of row r: a view, valid until the next alloc() or set(). */
  buckets(r: number): Float64Array {
    const w = this.width[r];
    const at = this.bucketRow[r] * w;
    return this.pools[w].data.subarray(at, at + w);
  }

  bytes(): number {
    let b = this.count.byteLength * 4 + this.has.byteLength + this.boundsId.byteLength + this.width.byteLength + this.bucketRow.byteLength;
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
      p = new BucketPool(width);
      this.pools[width] = p;
    }
    return p;
  }

  /** Interns a bound list (there are few: one per instrument configuration). */
  private boundId(bounds: Float64Array): number {
    // New streams of one metric come together and share bounds: try the last list first.
    if (this.lastBoundId >= 0 && sameList(this.boundLists[this.lastBoundId], bounds)) return this.lastBoundId;
    const key = bounds.join(',');
    let id = this.boundIds.get(key);
    if (id === undefined) {
      id = this.boundLists.length;
      this.boundLists.push(Float64Array.from(bounds));
      this.boundIds.set(key, id);
    }
    this.lastBoundId = id;
    return id;
  }
}

function sameList(a: Float64Array, b: Float64Array): boolean {
  if (a.length !== b.length) return false;
  for (let k = 0; k < a.length; k++) if (a[k] !== b[k]) return false;
  return true;
}
