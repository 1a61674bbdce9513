import type { Consumer, CreateSettings } from '../../component/component.js';
import {
  type ExpHistogramMetric,
  type ExpHistogramPoints,
  FLAG_NO_RECORDED_VALUE,
  type HistogramMetric,
  type HistogramPoints,
  type Metric,
  MetricType,
  type NumberPoints,
  type Points,
  type SumMetric,
  Temporality,
} from '../../model/metric.js';
import { ExpHistogramBuilder, HistogramBuilder, NumberBuilder } from '../../model/points-builder.js';
import { appendExpHistogram, appendHistogram, appendNumber, copyCommon } from '../../model/points.js';
import { StreamProcessor } from '../helper/stream-processor.js';
import type { DeltaToCumulativeConfig } from './config.js';
import { DeltaState, KIND_EXP, KIND_HISTOGRAM, KIND_SUM } from './state.js';

/**
 * The deltatocumulative processor (the Collector's, same keys): delta sums,
 * histograms and exponential histograms become cumulative, one running
 * total per stream; everything else passes unchanged. A converted point
 * keeps its time, attributes, flags and exemplars; its start becomes the
 * stream's start and its value the total so far.
 *
 * Dropped, and counted by reason in tributary_dropped_metric_points_total:
 * points of new streams while max_streams are held (stream_limit), points
 * ending at or before what the total holds (out_of_order), points starting
 * before it (delta_overlap), NaN sums (nan_value), and histograms whose
 * bucket counts do not match their bounds (invalid_buckets). Stale markers
 * (no recorded value) pass through with the stream's start.
 */
export class DeltaToCumulativeProcessor extends StreamProcessor {
  private readonly state: DeltaState;
  private readonly nb = new NumberBuilder();
  private readonly hb = new HistogramBuilder();
  private readonly eb = new ExpHistogramBuilder();

  constructor(set: CreateSettings, config: DeltaToCumulativeConfig, next: Consumer) {
    super(set, next, { maxStreams: config.max_streams, staleMs: config.max_stale, staleKey: 'max_stale' });
    this.state = new DeltaState({ maxStreams: config.max_streams, maxStaleMs: config.max_stale, onFull: (now) => this.sweep(now) });
  }

  get streams(): number {
    return this.state.size;
  }

  stateBytes(): number {
    return this.state.bytes();
  }

  /**
   * Output columns start anew per batch, sized by the largest batch seen:
   * left to run, they would be kept until 65,536 points went through them,
   * a fixed tens of MB for histograms however few the streams.
   */
  protected override beginBatch(): void {
    this.nb.reset();
    this.hb.reset();
    this.eb.reset();
  }

  protected evictStale(nowMs: number): number {
    return this.state.sweep(nowMs);
  }

  protected metric(m: Metric): boolean {
    if (m.type !== MetricType.Sum && m.type !== MetricType.Histogram && m.type !== MetricType.ExponentialHistogram) return true;
    if (m.temporality !== Temporality.Delta) return true;
    this.keys.metric(m);
    if (m.type === MetricType.Sum) m.points = this.sums(m);
    else if (m.type === MetricType.Histogram) m.points = this.histograms(m);
    else m.points = this.expHistograms(m);
    m.temporality = Temporality.Cumulative;
    return m.points.length > 0;
  }

  /** Admits point i of p: its slot, or -1 if it was dropped (counted). */
  private admit(p: Points, i: number, kind: number): number {
    this.keys.point(p.attributes[i]);
    const st = p.startTimes;
    const t = p.times;
    const s = this.state.admit(this.keys.lo, this.keys.hi, kind, st[2 * i], st[2 * i + 1], t[2 * i], t[2 * i + 1], this.now);
    if (typeof s === 'string') {
      this.drops.add(s);
      return -1;
    }
    return s;
  }

  /** Sets point j's start to the start of slot s (or leaves the point's own when s < 0). */
  private startFrom(b: NumberBuilder | HistogramBuilder | ExpHistogramBuilder, j: number, s: number): void {
    if (s < 0) return;
    b.startTimes[2 * j] = this.state.times[4 * s];
    b.startTimes[2 * j + 1] = this.state.times[4 * s + 1];
  }

  /** A stale marker: passed on with the stream's start, the total unchanged. */
  private passStale<B extends NumberBuilder | HistogramBuilder | ExpHistogramBuilder, P extends Points>(b: B, p: P, i: number, append: (b: B, p: P, i: number) => void): void {
    this.keys.point(p.attributes[i]);
    const s = this.state.table.find(this.keys.lo, this.keys.hi);
    append(b, p, i);
    this.startFrom(b, b.n - 1, s);
  }

  private sums(m: SumMetric): NumberPoints {
    const p = m.points;
    const b = this.nb;
    for (let i = 0; i < p.length; i++) {
      if ((p.flags[i] & FLAG_NO_RECORDED_VALUE) !== 0) {
        this.passStale(b, p, i, appendNumber);
        continue;
      }
      if (Number.isNaN(p.values[i])) {
        this.drops.add('nan_value');
        continue;
      }
      const s = this.admit(p, i, KIND_SUM);
      if (s < 0) continue;
      const total = this.state.addSum(s, p.values[i]);
      appendNumber(b, p, i);
      b.values[b.n - 1] = total;
      this.startFrom(b, b.n - 1, s);
    }
    return b.finish();
  }

  private histograms(m: HistogramMetric): HistogramPoints {
    const p = m.points;
    const b = this.hb;
    const st = this.state;
    for (let i = 0; i < p.length; i++) {
      if ((p.flags[i] & FLAG_NO_RECORDED_VALUE) !== 0) {
        this.passStale(b, p, i, appendHistogram);
        continue;
      }
      const width = p.bucketStart[i + 1] - p.bucketStart[i];
      if (width !== 0 && width !== p.boundStart[i + 1] - p.boundStart[i] + 1) {
        this.drops.add('invalid_buckets');
        continue;
      }
      const s = this.admit(p, i, KIND_HISTOGRAM);
      if (s < 0) continue;
      const r = st.addHistogram(s, p, i);
      appendHistogram(b, p, i);
      const j = b.n - 1;
      const h = st.hist;
      const d = h.data(r);
      const at = h.offset(r);
      const to = b.bucketStart[j];
      for (let k = 0; k < width; k++) b.bucketCounts[to + k] = d[at + k];
      b.counts[j] = h.count[r];
      b.sums[j] = h.sum[r];
      b.mins[j] = h.min[r];
      b.maxs[j] = h.max[r];
      b.has[j] = h.has[r];
      this.startFrom(b, j, s);
    }
    return b.finish();
  }

  private expHistograms(m: ExpHistogramMetric): ExpHistogramPoints {
    const p = m.points;
    const b = this.eb;
    for (let i = 0; i < p.length; i++) {
      if ((p.flags[i] & FLAG_NO_RECORDED_VALUE) !== 0) {
        this.passStale(b, p, i, appendExpHistogram);
        continue;
      }
      const s = this.admit(p, i, KIND_EXP);
      if (s < 0) continue;
      const r = this.state.addExp(s, p, i);
      const j = b.begin();
      copyCommon(b, p, i, j);
      this.state.exp.writeTo(r, b, j);
      this.startFrom(b, j, s);
      b.commit(p.attributes[i]);
    }
    return b.finish();
  }
}
