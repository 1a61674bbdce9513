import type { Attributes } from '../../model/attributes.js';
import { type ExpState, expStateOf, toClassic } from '../../model/exp-histogram.js';
import {
  type Exemplar,
  type ExpHistogramPoints,
  FLAG_NO_RECORDED_VALUE,
  HAS_MAX,
  HAS_MIN,
  HAS_SUM,
  type HistogramPoints,
  type Metric,
  type MetricBatch,
  MetricType,
  type NumberPoints,
  type Scope,
  type SummaryPoints,
  Temporality,
  temporalityOf,
} from '../../model/metric.js';
import { type MetricNamer, formatLabelFloat, promKind, unitTokens } from '../../model/prom/naming.js';
import { type Label, buildLabels, jobInstance, targetInfoLabels } from '../../model/prom/series-labels.js';
import { nsPairToMs } from '../../model/time.js';
import { addExp, addHistogram, advance, newClock } from '../../model/temporality/delta.js';
import { MIN_SCHEMA, writeNativeHistogram } from './native-histogram.js';
import { type ExemplarOut, MetadataType, encodeLabels } from './prompb.js';
import { type MetricContext, type ResourceContext, Series, type SeriesRegistry } from './series.js';
import { ShardWriter } from './shard-writer.js';

/**
 * The model -> remote write translation, per the OpenTelemetry
 * specification's Prometheus compatibility rules, straight into per-shard
 * request bytes. Every series goes to the shard its labels hash to, so its
 * samples are always sent by the same consumer, in order. Delta points are
 * added up into cumulative ones per series; nothing is dropped silently:
 * what cannot be translated is reported through `onDrop`.
 */

export interface TranslateOptions {
  readonly namer: MetricNamer;
  readonly external: readonly Label[];
  readonly resourceToTelemetry: boolean;
  readonly excludeServiceAttributes: boolean;
  readonly targetInfo: boolean;
  readonly nativeHistograms: boolean;
  readonly sendMetadata: boolean;
  readonly shards: number;
  readonly maxRequestBytes: number;
  readonly registry: SeriesRegistry;
  readonly onDrop: (reason: string, metric: string, points: number) => void;
}

export interface Translated {
  /** Per shard, snappy-compressed WriteRequest bodies with their sample/histogram counts. */
  readonly requests: { body: Buffer; items: number }[][];
  /** Data points of the batch that were translated (for sent/failed counters). */
  readonly points: number;
  /** Puts back the per-series "last sent" timestamps, when the requests could not be queued. */
  undo(): void;
}

const SERVICE_KEYS = ['service.name', 'service.namespace', 'service.instance.id'];

export class PrwTranslator {
  private readonly writers: ShardWriter[];
  private touched: Series[] = [];
  private previousTs: number[] = [];
  private now = 0;

  constructor(private readonly o: TranslateOptions) {
    this.writers = Array.from({ length: o.shards }, () => new ShardWriter(o.maxRequestBytes));
  }

  translate(batch: MetricBatch, nowMs = Date.now()): Translated {
    this.now = nowMs;
    this.touched = [];
    this.previousTs = [];
    let points = 0;
    for (const rm of batch.resourceMetrics) {
      const res = rm.resource.attributes;
      const rctx = this.o.registry.resource(res, () => this.resourceContext(res));
      let latest = 0;
      for (const sm of rm.scopeMetrics) {
        const scopeKey = `${sm.scope.name}\u0000${sm.scope.version}`;
        for (const m of sm.metrics) {
          points += m.points.length;
          latest = Math.max(latest, this.metric(m, sm.scope, scopeKey, rctx, res));
        }
      }
      if (rctx.targetInfo !== undefined && latest > 0) this.targetInfo(rctx.targetInfo, latest);
    }
    const requests = this.writers.map((w) => w.take());
    const touched = this.touched;
    const previous = this.previousTs;
    return {
      requests,
      points,
      undo: () => {
        for (let k = touched.length - 1; k >= 0; k--) touched[k].lastTs = previous[k];
      },
    };
  }

  private resourceContext(res: Attributes): ResourceContext {
    const ji = jobInstance(res);
    let targetInfo: Series | undefined;
    if (this.o.targetInfo) {
      const labels = targetInfoLabels(res, this.o.external);
      const name = this.o.namer.options.namespace === '' ? 'target_info' : `${this.o.namer.options.namespace}_target_info`;
      if (labels !== undefined) targetInfo = new Series(labels, name);
    }
    return { jobInstance: ji, metrics: new Map(), targetInfo };
  }

  /** True (and remembered for undo) if `ts` is newer than what the series last sent. */
  private accept(s: Series, ts: number, metric: string): boolean {
    if (ts <= s.lastTs) {
      this.o.onDrop(ts === s.lastTs ? 'duplicate_timestamp' : 'out_of_order', metric, 1);
      return false;
    }
    this.touched.push(s);
    this.previousTs.push(s.lastTs);
    s.lastTs = ts;
    return true;
  }

  private targetInfo(s: Series, ts: number): void {
    if (ts <= s.lastTs) return; // already sent for this time
    this.touched.push(s);
    this.previousTs.push(s.lastTs);
    s.lastTs = ts;
    this.writer(s).single(s.plain, 1, ts, false);
  }

  private writer(s: Series): ShardWriter {
    return this.writers[s.shardHash % this.writers.length];
  }

  /**
   * The series of point k with these attributes. Senders keep series in the
   * same order from one request to the next, so the series at position k
   * last time is checked first (an identity check on the interned set)
   * before the map lookup.
   */
  private seriesOf(mctx: MetricContext, rctx: ResourceContext, res: Attributes, scope: Scope, attrs: Attributes, k: number): Series {
    const order = mctx.order;
    const hint = order[k] as Series | undefined;
    let s: Series;
    if (hint !== undefined && hint.attrs === attrs) s = hint;
    else {
      s = mctx.series.get(attrs) ?? this.o.registry.add(mctx, attrs, this.newSeries(mctx, rctx, res, scope, attrs));
      if (k < 100_000) order[k] = s;
    }
    s.lastUse = this.now;
    return s;
  }

  private newSeries(mctx: MetricContext, rctx: ResourceContext, res: Attributes, scope: Scope, attrs: Attributes): Series {
    let resourceAttributes: Attributes | undefined;
    if (this.o.resourceToTelemetry) {
      resourceAttributes = res;
      if (this.o.excludeServiceAttributes) for (const k of SERVICE_KEYS) resourceAttributes = resourceAttributes.without(k);
    }
    const base = buildLabels({ attributes: attrs, resourceAttributes, scope, jobInstance: rctx.jobInstance, external: this.o.external });
    return new Series(base, mctx.family, attrs);
  }

  /** Translates one metric; returns its latest point time (ms) for target_info. */
  private metric(m: Metric, scope: Scope, scopeKey: string, rctx: ResourceContext, res: Attributes): number {
    const family = this.o.namer.name(m);
    const mctx = this.o.registry.metric(rctx, `${scopeKey}\u0000${family}`, family);
    const delta = temporalityOf(m) === Temporality.Delta;
    switch (m.type) {
      case MetricType.Gauge:
      case MetricType.Sum:
        return this.numbers(m, m.points, delta, mctx, rctx, res, scope);
      case MetricType.Histogram:
        return this.histograms(m, m.points, delta, mctx, rctx, res, scope);
      case MetricType.ExponentialHistogram:
        return this.expHistograms(m, m.points, delta, mctx, rctx, res, scope);
      case MetricType.Summary:
        return this.summaries(m, m.points, mctx, rctx, res, scope);
    }
  }

  private note(w: ShardWriter, m: Metric, family: string): void {
    if (!this.o.sendMetadata) return;
    const kind = promKind(m);
    const type = kind === 'counter' ? MetadataType.COUNTER : kind === 'gauge' ? MetadataType.GAUGE : kind === 'histogram' ? MetadataType.HISTOGRAM : MetadataType.SUMMARY;
    w.noteFamily(family, type, m.description, unitTokens(m.unit).join('_'));
  }

  private numbers(m: Metric, p: NumberPoints, delta: boolean, mctx: MetricContext, rctx: ResourceContext, res: Attributes, scope: Scope): number {
    let latest = 0;
    const n = p.length;
    let i = 0;
    while (i < n) {
      const attrs = p.attributes[i];
      const s = this.seriesOf(mctx, rctx, res, scope, attrs, i);
      const w = this.writer(s);
      const ts = nsPairToMs(p.times[2 * i], p.times[2 * i + 1]);
      if (ts > latest) latest = ts;
      const stale = (p.flags[i] & FLAG_NO_RECORDED_VALUE) !== 0;
      if (!delta && !stale) {
        // A run of points of the same series in time order becomes one TimeSeries.
        let j = i + 1;
        let prev = ts;
        while (j < n && p.attributes[j] === attrs && (p.flags[j] & FLAG_NO_RECORDED_VALUE) === 0) {
          const t = nsPairToMs(p.times[2 * j], p.times[2 * j + 1]);
          if (t <= prev) break;
          prev = t;
          j++;
        }
        if (j - i > 1) {
          const times = new Float64Array(j - i);
          for (let k = i; k < j; k++) times[k - i] = nsPairToMs(p.times[2 * k], p.times[2 * k + 1]);
          if (!this.accept(s, times[0], m.name)) {
            i++;
            continue;
          }
          s.lastTs = times[j - i - 1];
          if (prev > latest) latest = prev;
          this.note(w, m, mctx.family);
          w.many(s.plain, p.values.subarray(i, j), times, 0, j - i, this.exemplarsOf(p.exemplars, i, j));
          i = j;
          continue;
        }
      }
      let value = p.values[i];
      if (delta && !stale) {
        const st = p.startTimes;
        if (s.sum === undefined) s.sum = { ...newClock(st[2 * i], st[2 * i + 1], p.times[2 * i], p.times[2 * i + 1]), value: 0 };
        else if (advance(s.sum, st[2 * i], st[2 * i + 1], p.times[2 * i], p.times[2 * i + 1]) === 'overlap') {
          this.o.onDrop('delta_overlap', m.name, 1);
          i++;
          continue;
        }
        s.sum.value += value;
        value = s.sum.value;
      }
      if (this.accept(s, ts, m.name)) {
        this.note(w, m, mctx.family);
        w.single(s.plain, value, ts, stale, this.exemplarsOf(p.exemplars, i, i + 1));
      }
      i++;
    }
    return latest;
  }

  private histograms(m: Metric, p: HistogramPoints, delta: boolean, mctx: MetricContext, rctx: ResourceContext, res: Attributes, scope: Scope): number {
    let latest = 0;
    for (let i = 0; i < p.length; i++) {
      const s = this.seriesOf(mctx, rctx, res, scope, p.attributes[i], i);
      const ts = nsPairToMs(p.times[2 * i], p.times[2 * i + 1]);
      if (ts > latest) latest = ts;
      const stale = (p.flags[i] & FLAG_NO_RECORDED_VALUE) !== 0;
      let bounds: ArrayLike<number> = p.bounds.subarray(p.boundStart[i], p.boundStart[i + 1]);
      let counts: ArrayLike<number> = p.bucketCounts.subarray(p.bucketStart[i], p.bucketStart[i + 1]);
      let sum = p.sums[i];
      let count = p.counts[i];
      if (delta && !stale) {
        const st = p.startTimes;
        const [min, max] = minMax(p, i);
        if (s.histogram === undefined) {
          s.histogram = { ...newClock(st[2 * i], st[2 * i + 1], p.times[2 * i], p.times[2 * i + 1]), bounds: [], counts: [], sum: 0, count: 0, min: Infinity, max: -Infinity };
        } else if (advance(s.histogram, st[2 * i], st[2 * i + 1], p.times[2 * i], p.times[2 * i + 1]) === 'overlap') {
          this.o.onDrop('delta_overlap', m.name, 1);
          continue;
        }
        addHistogram(s.histogram, bounds, counts, sum, count, min, max);
        ({ bounds, counts, sum, count } = s.histogram);
      }
      if (!this.accept(s, ts, m.name)) continue;
      const hasSum = delta || (p.has[i] & HAS_SUM) !== 0;
      this.classic(s, m, mctx, bounds, counts, sum, hasSum, count, ts, stale, p.exemplars?.[i]);
    }
    return latest;
  }

  /** _bucket{le} (cumulative, ending with +Inf = count), _sum, _count. */
  private classic(
    s: Series,
    m: Metric,
    mctx: MetricContext,
    bounds: ArrayLike<number>,
    counts: ArrayLike<number>,
    sum: number,
    hasSum: boolean,
    count: number,
    ts: number,
    stale: boolean,
    exemplars: readonly Exemplar[] | undefined,
  ): void {
    const w = this.writer(s);
    this.note(w, m, mctx.family);
    // Each exemplar goes with the first bucket whose bound holds its value.
    const exAt = new Map<number, ExemplarOut[]>();
    if (exemplars !== undefined && !stale) {
      for (const e of exemplars) {
        let k = 0;
        while (k < bounds.length && e.value > bounds[k]) k++;
        const list = exAt.get(k) ?? [];
        list.push(exemplarOut(e));
        exAt.set(k, list);
      }
    }
    let cum = 0;
    for (let k = 0; k < bounds.length; k++) {
      cum += counts[k] ?? 0;
      w.single(s.labels('_bucket', 'le', formatLabelFloat(bounds[k])), cum, ts, stale, exAt.get(k));
    }
    w.single(s.labels('_bucket', 'le', '+Inf'), count, ts, stale, exAt.get(bounds.length));
    if (hasSum) w.single(s.labels('_sum'), sum, ts, stale);
    w.single(s.labels('_count'), count, ts, stale);
  }

  private expHistograms(m: Metric, p: ExpHistogramPoints, delta: boolean, mctx: MetricContext, rctx: ResourceContext, res: Attributes, scope: Scope): number {
    let latest = 0;
    for (let i = 0; i < p.length; i++) {
      const s = this.seriesOf(mctx, rctx, res, scope, p.attributes[i], i);
      const ts = nsPairToMs(p.times[2 * i], p.times[2 * i + 1]);
      if (ts > latest) latest = ts;
      const stale = (p.flags[i] & FLAG_NO_RECORDED_VALUE) !== 0;
      let state: ExpState = expStateOf(p, i);
      if (delta && !stale) {
        const st = p.startTimes;
        const [min, max] = minMax(p, i);
        if (s.exp === undefined) {
          s.exp = { ...newClock(st[2 * i], st[2 * i + 1], p.times[2 * i], p.times[2 * i + 1]), exp: state, min, max };
        } else if (advance(s.exp, st[2 * i], st[2 * i + 1], p.times[2 * i], p.times[2 * i + 1]) === 'overlap') {
          this.o.onDrop('delta_overlap', m.name, 1);
          continue;
        } else addExp(s.exp, state, min, max);
        state = s.exp.exp;
      }
      if (this.o.nativeHistograms && state.scale < MIN_SCHEMA) {
        this.o.onDrop('exponential_histogram_scale_below_-4', m.name, 1);
        continue;
      }
      if (!this.accept(s, ts, m.name)) continue;
      if (this.o.nativeHistograms) {
        const w = this.writer(s);
        this.note(w, m, mctx.family);
        const labels = s.plain.bytes;
        const out = w.room(labels.length + 64 + 10 * (state.pos.length + state.neg.length));
        out.tag(1, 2).fork();
        out.raw(labels);
        writeNativeHistogram(out, state, ts, stale);
        out.join();
        w.counted(1);
      } else {
        const c = toClassic(state);
        this.classic(s, m, mctx, c.bounds, c.counts, state.sum, true, state.count, ts, stale, p.exemplars?.[i]);
      }
    }
    return latest;
  }

  private summaries(m: Metric, p: SummaryPoints, mctx: MetricContext, rctx: ResourceContext, res: Attributes, scope: Scope): number {
    let latest = 0;
    for (let i = 0; i < p.length; i++) {
      const s = this.seriesOf(mctx, rctx, res, scope, p.attributes[i], i);
      const ts = nsPairToMs(p.times[2 * i], p.times[2 * i + 1]);
      if (ts > latest) latest = ts;
      if (!this.accept(s, ts, m.name)) continue;
      const stale = (p.flags[i] & FLAG_NO_RECORDED_VALUE) !== 0;
      const w = this.writer(s);
      this.note(w, m, mctx.family);
      for (let k = p.quantileStart[i]; k < p.quantileStart[i + 1]; k++) {
        w.single(s.labels('', 'quantile', formatLabelFloat(p.quantiles[k])), p.quantileValues[k], ts, stale);
      }
      w.single(s.labels('_sum'), p.sums[i], ts, stale);
      w.single(s.labels('_count'), p.counts[i], ts, stale);
    }
    return latest;
  }

  private exemplarsOf(ex: NumberPoints['exemplars'], from: number, to: number): ExemplarOut[] | undefined {
    if (ex === undefined) return undefined;
    let out: ExemplarOut[] | undefined;
    for (let k = from; k < to; k++) {
      const list = ex[k];
      if (list === undefined) continue;
      out ??= [];
      for (const e of list) out.push(exemplarOut(e));
    }
    return out;
  }
}

/** A histogram point's min and max, or +/-Infinity where unset (neutral for min()/max()). */
function minMax(p: HistogramPoints | ExpHistogramPoints, i: number): [number, number] {
  return [(p.has[i] & HAS_MIN) !== 0 ? p.mins[i] : Infinity, (p.has[i] & HAS_MAX) !== 0 ? p.maxs[i] : -Infinity];
}

/**
 * An exemplar's labels: trace_id and span_id (hex), plus the filtered
 * attributes when all of them fit in OpenMetrics' 128-character budget.
 */
function exemplarOut(e: Exemplar): ExemplarOut {
  const labels: Label[] = [];
  if (e.traceId.length > 0) labels.push(['trace_id', Buffer.from(e.traceId).toString('hex')]);
  if (e.spanId.length > 0) labels.push(['span_id', Buffer.from(e.spanId).toString('hex')]);
  let runes = labels.reduce((a, [k, v]) => a + k.length + v.length, 0);
  const extra: Label[] = [];
  for (let k = 0; k < e.filteredAttributes.keys.length; k++) {
    const v = e.filteredAttributes.values[k];
    const sv = typeof v === 'string' ? v : String(v);
    runes += e.filteredAttributes.keys[k].length + sv.length;
    extra.push([e.filteredAttributes.keys[k], sv]);
  }
  if (runes <= 128) labels.push(...extra);
  labels.sort((x, y) => (x[0] < y[0] ? -1 : x[0] > y[0] ? 1 : 0));
  return { labels: encodeLabels(labels), value: e.value, ts: Number(e.timeUnixNano / 1_000_000n) };
}
