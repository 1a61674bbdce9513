import type { ExpHistogramPoints, HistogramPoints } from '../../model/metric.js';
import { deltaOverlaps, timeBefore } from '../../model/temporality/delta.js';
import { ExpHistogramStore } from '../helper/exp-histogram-store.js';
import { HistogramStore } from '../helper/histogram-store.js';
import { StreamTable, grown } from '../helper/stream-table.js';

/**
 * The running totals of the deltatocumulative processor, laid out as
 * columns indexed by the stream's slot in a StreamTable (struct of arrays;
 * no object per stream for sums and explicit histograms):
 *
 * - every stream: key and last-seen second (in the table), start and end
 *   time (4 x u32), kind (u8), total (f64, for sums) and row (i32: its row
 *   in the histogram or exponential store);
 * - explicit histograms: a row in a HistogramStore (count, sum, min, max,
 *   bounds, and buckets in a pool of rows as wide as the bucket count);
 * - exponential histograms: a row in an ExpHistogramStore (count, sum, min,
 *   max, zero bucket, scale, and each side's bucket window in pools of rows
 *   by capacity class).
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

export interface DeltaStateOptions {
  /** 0: no limit. */
  readonly maxStreams: number;
  readonly maxStaleMs: number;
  /** Called (at most once a second) when a new stream finds max_streams held, to forget stale ones. */
  readonly onFull: (nowMs: number) => void;
}

export class DeltaState {
  readonly table: StreamTable;
  /** start lo, start hi, end lo, end hi per slot. */
  times = new Uint32Array(0);
  kind = new Uint8Array(0);
  total = new Float64Array(0);
  row = new Int32Array(0);

  /** Explicit histograms, by row[slot]. */
  readonly hist = new HistogramStore();

  /** Exponential histograms, by row[slot]. */
  readonly exp = new ExpHistogramStore();

  /** Set by admit(): whether the stream was created by this point. */
  isNew = false;

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
    const times = this.times;
    let s = t.find(lo, hi);
    if (s >= 0) {
      if (!timeBefore(times[4 * s + 2], times[4 * s + 3], endLo, endHi)) return 'out_of_order';
      if (deltaOverlaps(startLo, startHi, times[4 * s + 2], times[4 * s + 3])) return 'delta_overlap';
      t.touch(s, nowMs);
      times[4 * s + 2] = endLo;
      times[4 * s + 3] = endHi;
      this.isNew = false;
      return s;
    }
    s = t.acquire(lo, hi, nowMs, this.o.maxStreams, this.o.onFull);
    if (s < 0) return 'stream_limit';
    this.isNew = true;
    this.kind[s] = kind;
    this.row[s] = -1;
    this.setStart(s, startLo, startHi, endLo, endHi);
    return s;
  }

  addSum(s: number, v: number): number {
    this.total[s] = this.isNew ? v : this.total[s] + v;
    return this.total[s];
  }

  /**
   * Adds point i, an explicit-bucket histogram, to slot s's total; returns
   * its row in `hist`. Changed bounds cannot be merged: the total restarts
   * from this point, with its start time.
   */
  addHistogram(s: number, p: HistogramPoints, i: number): number {
    const h = this.hist;
    let r = this.row[s];
    if (r < 0) {
      r = h.alloc();
      this.row[s] = r;
      h.set(r, p, i);
    } else if (!h.sameLayout(r, p, i)) {
      const t = this.times;
      this.setStart(s, p.startTimes[2 * i], p.startTimes[2 * i + 1], t[4 * s + 2], t[4 * s + 3]);
      h.set(r, p, i);
    } else h.add(r, p, i);
    return r;
  }

  /** Adds point i, an exponential histogram, to slot s's total; returns its row in `exp`. */
  addExp(s: number, p: ExpHistogramPoints, i: number): number {
    let r = this.row[s];
    if (r < 0) {
      r = this.exp.alloc();
      this.row[s] = r;
      this.exp.set(r, p, i);
    } else this.exp.add(r, p, i);
    return r;
  }

  /** Forgets streams not touched for max_stale; returns how many. */
  sweep(nowMs: number): number {
    return this.table.sweep(nowMs, this.o.maxStaleMs, (s) => this.release(s));
  }

  /** Bytes held: every typed array. */
  bytes(): number {
    return this.table.bytes() + this.times.byteLength + this.kind.byteLength + this.total.byteLength + this.row.byteLength + this.hist.bytes() + this.exp.bytes();
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
    if (this.kind[s] === KIND_HISTOGRAM) this.hist.release(r);
    else if (this.kind[s] === KIND_EXP) this.exp.release(r);
    this.row[s] = -1;
  }

  private growSlots(cap: number): void {
    this.times = grown(this.times, 4 * cap);
    this.kind = grown(this.kind, cap);
    this.total = grown(this.total, cap);
    this.row = grown(this.row, cap);
  }
}
