import { type ExpState, mergeExp } from '../../model/exp-histogram.js';
import { HAS_MAX, HAS_MIN } from '../../model/metric.js';
import { deltaOverlaps, timeBefore } from '../../model/temporality/delta.js';
import { StreamTable, grown } from '../helper/stream-table.js';

/**
 * The running totals of the deltatocumulative processor, laid out as
 * columns indexed by the stream's slot in a StreamTable (struct of arrays;
 * no object per stream for sums and explicit histograms):
 *
 * - every stream: key and last-seen second (in the table), start and end
 *   time (4 x u32), kind (u8), total (f64: the sum, or the histogram's
 *   count), row (i32: its row in the histogram or exponential store);
 * - explicit histograms: sum, min, max (f64), which of them are known (u8),
 *   bounds (i32, an id into interned bound lists) and bucket row (i32) in a
 *   pool of rows as wide as the bucket count, so rows are reused and never
 *   fragment;
 * - exponential histograms: one small object each (their buckets move and
 *   change scale as they merge).
 *
 * The accumulation rules are the ones in model/temporality/delta.ts: the
 * total starts with a stream's first delta, a point ending at or before the
 * end of what was added is out of order, a point starting before that end
 * overlaps it; both are refused, so the total never counts a delta twice.
 */

export const KIND_SUM = 1;
export const KIND_HISTOGRAM = 2;
export const KIND_EXP = 3;

/** Why admit() refused a point. */
export type Refusal = 'stream_limit' | 'out_of_order' | 'delta_overlap';

interface ExpAcc {
  exp: ExpState;
  min: number;
  max: number;
  has: number;
}

/** Rows handed out densely, with released rows reused first. */
class Rows {
  next = 0;
  private readonly free: number[] = [];
  alloc(): number {
    return this.free.length > 0 ? this.free.pop()! : this.next++;
  }
  release(r: number): void {
    this.free.push(r);
  }
  get live(): number {
    return this.next - this.free.length;
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

export interface DeltaStateOptions {
  /** 0: no limit. */
  readonly maxStreams: number;
  readonly maxStaleMs: number;
  readonly onEvict?: (n: number) => void;
}

export class DeltaState {
  readonly table: StreamTable;
  /** start lo, start hi, end lo, end hi per slot. */
  times = new Uint32Array(0);
  kind = new Uint8Array(0);
  total = new Float64Array(0);
  row = new Int32Array(0);

  // Explicit histograms, by row.
  private readonly hRows = new Rows();
  hSum = new Float64Array(64);
  hMin = new Float64Array(64);
  hMax = new Float64Array(64);
  hHas = new Uint8Array(64);
  private hBounds = new Int32Array(64);
  private hWidth = new Int32Array(64);
  private hBucketRow = new Int32Array(64);
  private readonly boundLists: Float64Array[] = [];
  private readonly boundIds = new Map<string, number>();
  private readonly pools: BucketPool[] = [];
  private lastBoundId = -1;

  // Exponential histograms, by row.
  private readonly eRows = new Rows();
  private readonly exps: (ExpAcc | undefined)[] = [];

  /** Set by admit(): whether the stream was created by this point. */
  isNew = false;
  private lastSweep = 0;

  constructor(private readonly o: DeltaStateOptions) {
    this.table = new StreamTable((cap) => this.growSlots(cap));
  }

  get size(): number {
    return this.table.size;
  }

  /**
   * Finds or creates the stream of a delta point ending at (endLo, endHi)
   * and moves its clock on; returns its slot, or why the point is refused.
   * A new stream starts at the point's start (its end when the start is unset).
   */
  admit(lo: number, hi: number, kind: number, startLo: number, startHi: number, endLo: number, endHi: number, nowMs: number): number | Refusal {
    const t = this.table;
    let s = t.find(lo, hi);
    if (s < 0) {
      if (this.o.maxStreams > 0 && t.size >= this.o.maxStreams) {
        // Only stale streams make room, and a sweep at most once a second.
        if (nowMs - this.lastSweep < 1000) return 'stream_limit';
        this.sweep(nowMs);
        if (t.size >= this.o.maxStreams) return 'stream_limit';
      }
      s = t.insert(lo, hi, nowMs);
      this.kind[s] = kind;
      this.setStart(s, startLo, startHi, endLo, endHi);
      this.isNew = true;
      this.row[s] = -1;
      return s;
    }
    const times = this.times;
    if (!timeBefore(times[4 * s + 2], times[4 * s + 3], endLo, endHi)) return 'out_of_order';
    if (deltaOverlaps(startLo, startHi, times[4 * s + 2], times[4 * s + 3])) return 'delta_overlap';
    times[4 * s + 2] = endLo;
    times[4 * s + 3] = endHi;
    t.touch(s, nowMs);
    this.isNew = false;
    return s;
  }

  addSum(s: number, v: number): number {
    this.total[s] = this.isNew ? v : this.total[s] + v;
    return this.total[s];
  }

  /**
   * Adds an explicit-bucket histogram; returns the bucket counts of the total
   * (a view, valid until the next call). Changed bounds cannot be merged:
   * the total restarts from this point, with its start time.
   */
  addHistogram(
    s: number,
    bounds: Float64Array,
    counts: Float64Array,
    count: number,
    sum: number,
    min: number,
    max: number,
    has: number,
    startLo: number,
    startHi: number,
  ): Float64Array {
    const width = counts.length;
    let r = this.row[s];
    let restart = r < 0;
    if (r < 0) {
      r = this.hRows.alloc();
      this.growHistRows(r + 1);
      this.row[s] = r;
      this.hBucketRow[r] = -1;
    } else if (this.hWidth[r] !== width || !sameList(this.boundLists[this.hBounds[r]], bounds)) {
      const t = this.times;
      this.setStart(s, startLo, startHi, t[4 * s + 2], t[4 * s + 3]);
      restart = true;
    }
    if (restart) {
      if (this.hBucketRow[r] >= 0 && this.hWidth[r] !== width) {
        this.pools[this.hWidth[r]].rows.release(this.hBucketRow[r]);
        this.hBucketRow[r] = -1;
      }
      if (this.hBucketRow[r] < 0) this.hBucketRow[r] = this.pool(width).alloc();
      this.hWidth[r] = width;
      this.hBounds[r] = this.boundId(bounds);
      this.pools[width].data.set(counts, this.hBucketRow[r] * width);
      this.total[s] = count;
      this.hSum[r] = sum;
      this.hMin[r] = min;
      this.hMax[r] = max;
      this.hHas[r] = has;
    } else {
      const d = this.pools[width].data;
      const at = this.hBucketRow[r] * width;
      for (let k = 0; k < width; k++) d[at + k] += counts[k];
      this.total[s] += count;
      this.hSum[r] += sum;
      this.hHas[r] &= has;
      if (min < this.hMin[r]) this.hMin[r] = min;
      if (max > this.hMax[r]) this.hMax[r] = max;
    }
    const at = this.hBucketRow[r] * width;
    return this.pools[width].data.subarray(at, at + width);
  }

  /** Row of slot s in the histogram columns (hSum, hMin, hMax, hHas). */
  histRow(s: number): number {
    return this.row[s];
  }

  /** Adds an exponential histogram (its state is taken over); returns the total. */
  addExp(s: number, d: ExpState, min: number, max: number, has: number): ExpAcc {
    let r = this.row[s];
    if (r < 0) {
      r = this.eRows.alloc();
      this.row[s] = r;
      const acc = { exp: d, min, max, has };
      this.exps[r] = acc;
      return acc;
    }
    const acc = this.exps[r]!;
    acc.exp = mergeExp(acc.exp, d);
    acc.has &= has;
    if ((has & HAS_MIN) !== 0 && min < acc.min) acc.min = min;
    if ((has & HAS_MAX) !== 0 && max > acc.max) acc.max = max;
    return acc;
  }

  /** Forgets streams not touched for max_stale; returns how many. */
  sweep(nowMs: number): number {
    this.lastSweep = nowMs;
    const n = this.table.sweep(nowMs, this.o.maxStaleMs, (s) => this.release(s));
    if (n > 0) this.o.onEvict?.(n);
    return n;
  }

  /** Bytes held: every typed array, plus an estimate for exponential histogram objects. */
  bytes(): number {
    let b = this.table.bytes() + this.times.byteLength + this.kind.byteLength + this.total.byteLength + this.row.byteLength;
    b += this.hSum.byteLength + this.hMin.byteLength + this.hMax.byteLength + this.hHas.byteLength;
    b += this.hBounds.byteLength + this.hWidth.byteLength + this.hBucketRow.byteLength;
    for (const p of this.pools) if (p !== undefined) b += p.data.byteLength;
    for (const l of this.boundLists) b += l.byteLength + 64;
    // An exponential histogram object: ~200 bytes of fields and arrays, plus 8 per bucket.
    for (const e of this.exps) if (e !== undefined) b += 200 + 8 * (e.exp.pos.length + e.exp.neg.length);
    return b;
  }

  private setStart(s: number, startLo: number, startHi: number, endLo: number, endHi: number): void {
    const unset = startLo === 0 && startHi === 0;
    const t = this.times;
    t[4 * s] = unset ? endLo : startLo;
    t[4 * s + 1] = unset ? endHi : startHi;
    t[4 * s + 2] = endLo;
    t[4 * s + 3] = endHi;
  }

  private release(s: number): void {
    const r = this.row[s];
    if (r < 0) return;
    if (this.kind[s] === KIND_HISTOGRAM) {
      this.releaseBuckets(r);
      this.hRows.release(r);
    } else if (this.kind[s] === KIND_EXP) {
      this.exps[r] = undefined;
      this.eRows.release(r);
    }
    this.row[s] = -1;
  }

  private releaseBuckets(r: number): void {
    const br = this.hBucketRow[r];
    if (br >= 0) this.pools[this.hWidth[r]].rows.release(br);
    this.hBucketRow[r] = -1;
  }

  private pool(width: number): BucketPool {
    let p = this.pools[width];
    if (p === undefined) {
      p = new BucketPool(width);
      this.pools[width] = p;
    }
    return p;
  }

  /** Interns a bound list (few distinct lists exist: one per instrument configuration). */
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

  private growSlots(cap: number): void {
    this.times = grown(this.times, 4 * cap);
    this.kind = grown(this.kind, cap);
    this.total = grown(this.total, cap);
    this.row = grown(this.row, cap);
  }

  private growHistRows(n: number): void {
    if (n <= this.hSum.length) return;
    const cap = Math.max(n, this.hSum.length * 2);
    this.hSum = grown(this.hSum, cap);
    this.hMin = grown(this.hMin, cap);
    this.hMax = grown(this.hMax, cap);
    this.hHas = grown(this.hHas, cap);
    this.hBounds = grown(this.hBounds, cap);
    this.hWidth = grown(this.hWidth, cap);
    this.hBucketRow = grown(this.hBucketRow, cap);
  }
}

function sameList(a: Float64Array, b: Float64Array): boolean {
  if (a.length !== b.length) return false;
  for (let k = 0; k < a.length; k++) if (a[k] !== b[k]) return false;
  return true;
}
