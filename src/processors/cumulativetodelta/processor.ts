import type { Consumer, CreateSettings } from '../../component/component.js';
import {
  FLAG_NO_RECORDED_VALUE,
  HAS_MAX,
  HAS_MIN,
  type HistogramMetric,
  type HistogramPoints,
  type Metric,
  MetricType,
  type NumberPoints,
  type Points,
  type SumMetric,
  Temporality,
} from '../../model/metric.js';
import { HistogramBuilder, NumberBuilder } from '../../model/points-builder.js';
import { appendHistogram, appendNumber } from '../../model/points.js';
import { timeBefore } from '../../model/temporality/delta.js';
import { setTimeMs } from '../../model/time.js';
import { HistogramStore } from '../helper/histogram-store.js';
import { StreamProcessor } from '../helper/stream-processor.js';
import { StreamTable, grown } from '../helper/stream-table.js';
import type { CumulativeToDeltaConfig, MatchConfig } from './config.js';

/**
 * The cumulativetodelta processor (the Collector's keys and rules):
 * cumulative monotonic sums and cumulative histograms of the selected
 * metrics become deltas against the previous point of their stream. A
 * converted point starts where the previous one ended; non-monotonic sums,
 * exponential histograms, gauges and summaries pass unchanged.
 *
 * A stream is identified as in deltatocumulative; a point with another
 * start time than the stream's began a new series at the source (a
 * restart), so it is handled as the stream's first point. First points
 * follow initial_value. Dropped and counted by reason: first points that
 * initial_value holds back (initial_value), a sum lower than the previous
 * one without a new start (counter_reset; the Collector does the same),
 * histograms whose buckets changed (buckets_changed), points not later than
 * the previous one (out_of_order), stale markers (no_recorded_value) and
 * new streams past max_streams (stream_limit). A histogram whose count went
 * down is sent whole, as the delta since its reset (as the Collector does);
 * converted histograms lose min and max, which a delta cannot know.
 */
export class CumulativeToDeltaProcessor extends StreamProcessor {
  private readonly table: StreamTable;
  /** Per slot: start lo, start hi, previous time lo, previous time hi. */
  private times = new Uint32Array(0);
  /** Per slot: the previous value of a sum. */
  private prev = new Float64Array(0);
  /** Per slot: row in `hist`, or -1. */
  private row = new Int32Array(0);
  private readonly hist = new HistogramStore();
  private readonly nb = new NumberBuilder();
  private readonly hb = new HistogramBuilder();
  private readonly include: (m: Metric) => boolean;
  private readonly exclude: (m: Metric) => boolean;
  /** When this processor was created, as a uint64 ns pair, for initial_value auto. */
  private readonly startedAt = new Uint32Array(2);
  /** The time of the stream's previous point, kept by record(). */
  private readonly prevTime = new Uint32Array(2);
  /** Set by slot(). */
  private first = false;

  constructor(
    set: CreateSettings,
    private readonly config: CumulativeToDeltaConfig,
    next: Consumer,
  ) {
    super(set, next, { maxStreams: config.max_streams, staleMs: config.max_staleness, staleKey: 'max_staleness' });
    this.table = new StreamTable((cap) => {
      this.times = grown(this.times, 4 * cap);
      this.prev = grown(this.prev, cap);
      this.row = grown(this.row, cap);
    });
    this.include = matcher(config.include, true);
    this.exclude = matcher(config.exclude, false);
    setTimeMs(this.startedAt, 0, Date.now());
  }

  get streams(): number {
    return this.table.size;
  }

  stateBytes(): number {
    return this.table.bytes() + this.times.byteLength + this.prev.byteLength + this.row.byteLength + this.hist.bytes();
  }

  protected evictStale(nowMs: number): number {
    return this.table.sweep(nowMs, this.config.max_staleness, (s) => {
      if (this.row[s] >= 0) this.hist.release(this.row[s]);
    });
  }

  protected metric(m: Metric): boolean {
    if (m.type === MetricType.Sum) {
      if (m.temporality !== Temporality.Cumulative || !m.monotonic) return true;
    } else if (m.type !== MetricType.Histogram || m.temporality !== Temporality.Cumulative) return true;
    if (!this.include(m) || this.exclude(m)) return true;
    this.keys.metric(m);
    if (m.type === MetricType.Sum) m.points = this.sums(m);
    else m.points = this.histograms(m);
    m.temporality = Temporality.Delta;
    return m.points.length > 0;
  }

  /**
   * The slot of point i's stream, and in `first` whether this is its first
   * point (new, or restarted with another start time); -1 when the point is
   * dropped (counted).
   */
  private slot(p: Points, i: number): number {
    this.keys.point(p.attributes[i]);
    const st = p.startTimes;
    const s = this.table.acquire(this.keys.lo, this.keys.hi, this.now, this.config.max_streams, (now) => this.sweep(now));
    if (s < 0) {
      this.drops.add('stream_limit');
      return -1;
    }
    const t = this.times;
    this.first = this.table.created;
    if (this.first) this.row[s] = -1;
    else if (t[4 * s] !== st[2 * i] || t[4 * s + 1] !== st[2 * i + 1]) this.first = true;
    else if (!timeBefore(t[4 * s + 2], t[4 * s + 3], p.times[2 * i], p.times[2 * i + 1])) {
      this.drops.add('out_of_order');
      return -1;
    }
    return s;
  }

  /** Records point i as the stream's latest, keeping the time of the one before in `prevTime`. */
  private record(p: Points, i: number, s: number): void {
    const t = this.times;
    this.prevTime[0] = t[4 * s + 2];
    this.prevTime[1] = t[4 * s + 3];
    t[4 * s] = p.startTimes[2 * i];
    t[4 * s + 1] = p.startTimes[2 * i + 1];
    t[4 * s + 2] = p.times[2 * i];
    t[4 * s + 3] = p.times[2 * i + 1];
  }

  /** Whether a first point is sent, by initial_value. */
  private sendFirst(p: Points, i: number): boolean {
    const v = this.config.initial_value;
    if (v === 'keep') return true;
    if (v === 'auto') {
      const st = p.startTimes;
      const set = st[2 * i] !== 0 || st[2 * i + 1] !== 0;
      const sameAsTime = st[2 * i] === p.times[2 * i] && st[2 * i + 1] === p.times[2 * i + 1];
      if (set && !timeBefore(st[2 * i], st[2 * i + 1], this.startedAt[0], this.startedAt[1]) && !sameAsTime) return true;
    }
    this.drops.add('initial_value');
    return false;
  }

  private sums(m: SumMetric): NumberPoints {
    const p = m.points;
    const b = this.nb;
    for (let i = 0; i < p.length; i++) {
      if ((p.flags[i] & FLAG_NO_RECORDED_VALUE) !== 0) {
        this.drops.add('no_recorded_value');
        continue;
      }
      const v = p.values[i];
      if (Number.isNaN(v)) {
        // Not converted, as in the Collector: a NaN carries no amount to subtract.
        appendNumber(b, p, i);
        continue;
      }
      const s = this.slot(p, i);
      if (s < 0) continue;
      const first = this.first;
      const before = this.prev[s];
      this.record(p, i, s);
      this.prev[s] = v;
      if (first) {
        if (this.sendFirst(p, i)) appendNumber(b, p, i);
        continue;
      }
      if (v < before) {
        this.drops.add('counter_reset');
        continue;
      }
      appendNumber(b, p, i);
      const j = b.n - 1;
      b.values[j] = v - before;
      b.startTimes[2 * j] = this.prevTime[0];
      b.startTimes[2 * j + 1] = this.prevTime[1];
    }
    return b.finish();
  }

  private histograms(m: HistogramMetric): HistogramPoints {
    const p = m.points;
    const b = this.hb;
    const h = this.hist;
    for (let i = 0; i < p.length; i++) {
      if ((p.flags[i] & FLAG_NO_RECORDED_VALUE) !== 0) {
        this.drops.add('no_recorded_value');
        continue;
      }
      const s = this.slot(p, i);
      if (s < 0) continue;
      const first = this.first;
      this.record(p, i, s);
      let r = this.row[s];
      if (r < 0) {
        r = h.alloc();
        this.row[s] = r;
      }
      const changed = !first && !h.sameLayout(r, p, i);
      const reset = !first && !changed && p.counts[i] < h.count[r];
      if (first || changed || reset) {
        if (changed) this.drops.add('buckets_changed');
        else if (reset || this.sendFirst(p, i)) {
          appendHistogram(b, p, i);
          if (reset) this.deltaStart(b, b.n - 1);
        }
        h.set(r, p, i);
        continue;
      }
      appendHistogram(b, p, i);
      const j = b.n - 1;
      const d = h.data(r);
      const at = h.offset(r);
      const from = b.bucketStart[j];
      const width = h.widthOf(r);
      for (let k = 0; k < width; k++) b.bucketCounts[from + k] -= d[at + k];
      b.counts[j] -= h.count[r];
      b.sums[j] -= h.sum[r];
      b.has[j] &= ~(HAS_MIN | HAS_MAX);
      this.deltaStart(b, j);
      h.set(r, p, i);
    }
    return b.finish();
  }

  /** A delta starts where the stream's previous point ended. */
  private deltaStart(b: HistogramBuilder, j: number): void {
    b.startTimes[2 * j] = this.prevTime[0];
    b.startTimes[2 * j + 1] = this.prevTime[1];
  }
}

/** include/exclude as a predicate; an absent or empty section matches all (include) or nothing (exclude). */
function matcher(c: MatchConfig | undefined, whenEmpty: boolean): (m: Metric) => boolean {
  if (c === undefined || (c.metrics.length === 0 && c.metric_types.length === 0)) return () => whenEmpty;
  const types = new Set<number>(c.metric_types.map((t) => (t === 'sum' ? MetricType.Sum : MetricType.Histogram)));
  let name: (n: string) => boolean = () => true;
  if (c.metrics.length > 0) {
    if (c.match_type === 'regexp') {
      const res = c.metrics.map((p) => new RegExp(p));
      name = (n) => res.some((re) => re.test(n));
    } else {
      const names = new Set(c.metrics);
      name = (n) => names.has(n);
    }
  }
  return (m) => (types.size === 0 || types.has(m.type)) && name(m.name);
}
