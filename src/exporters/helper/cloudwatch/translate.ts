import { type AnyValue, anyValueToString } from '../../../model/any-value.js';
import type { Attributes } from '../../../model/attributes.js';
import { type ExpState, expStateOf } from '../../../model/exp-histogram.js';
import {
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
  type Points,
  type SummaryPoints,
  Temporality,
} from '../../../model/metric.js';
import { nsPairToMs } from '../../../model/time.js';
import { LIMITS, type StandardUnit } from '../../../receivers/putmetricdata/limits.js';
import {
  type InitialValue,
  type PointClock,
  type PriorExp,
  type PriorHistogram,
  type PriorSum,
  expDelta,
  histogramDecreased,
  histogramDelta,
  rememberHistogram,
  sendFirst,
  setClock,
  stepOf,
} from '../cumulative-to-delta.js';
import { type CostGuard, combinationKey } from './cost-guard.js';
import type { Declarations } from './declarations.js';
import { CwSeries, type DimensionSet, SeriesTable } from './series.js';
import { unitOf } from './units.js';
import { bucketCeiling, bucketFloor, distribution, estimateSum, jsonAsciiBytes, validDimension, validNamespace } from './values.js';

/**
 * The OpenTelemetry -> CloudWatch translation both exporters share. It
 * walks a batch and hands each sendable point to a sink as one of the three
 * shapes CloudWatch knows, with values already in the CloudWatch unit:
 *
 * - value: gauges; sums sent as they are (delta, or non-monotonic: a level);
 *   monotonic cumulative sums as the delta since the previous point.
 * - stats (SampleCount, Sum, Minimum, Maximum): histograms and summaries,
 *   cumulative ones as deltas. Min and max of a delta from cumulative points
 *   are bounded by the buckets that grew (cumulative-to-delta.ts).
 * - distribution (Values/Counts): exponential histograms, one value per
 *   non-empty bucket (its midpoint, kept within the point's min and max),
 *   downscaled until they fit `maxValues` (150 for PutMetricData, 100 for
 *   EMF).
 *
 * Points CloudWatch would refuse are dropped and counted by reason
 * (non-finite or out-of-range values, timestamps outside the accepted
 * window, invalid names), as are points held back on purpose (not declared,
 * the first cumulative point, an empty histogram). Labels a dimension
 * cannot carry (not ASCII, over 1024 characters, blank) are left out of
 * the dimensions and reported in a throttled log line.
 */

export interface MetricInfo {
  readonly name: string;
  readonly unit: StandardUnit;
  /** Values are multiplied by this to be in `unit` (see units.ts). */
  readonly scale: number;
  /** An upper bound of the JSON bytes of the name in a request body. */
  readonly nameBytes: number;
}

export interface SampleSink {
  value(s: CwSeries, m: MetricInfo, timeMs: number, v: number): void;
  stats(s: CwSeries, m: MetricInfo, timeMs: number, count: number, sum: number, min: number, max: number): void;
  dist(s: CwSeries, m: MetricInfo, timeMs: number, values: number[], counts: number[], count: number, sum: number, min: number, max: number): void;
}

export interface TranslatorOptions {
  /** Namespace for data without the namespace attribute; undefined: from service.namespace/service.name, else "default". */
  readonly namespace: string | undefined;
  /** Point (then resource) attribute naming the namespace; "" for none. */
  readonly namespaceAttribute: string;
  readonly resolution: 1 | 60;
  /** Point (then metric metadata, then resource) attribute giving 1 or 60; "" for none. */
  readonly resolutionAttribute: string;
  readonly resourceToTelemetry: boolean;
  readonly declarations: Declarations;
  readonly descriptors: ReadonlyMap<string, { unit: StandardUnit; overwrite: boolean }>;
  readonly initialValue: InitialValue;
  readonly maxSeries: number;
  /** Values per distribution (PutMetricData 150, EMF 100). */
  readonly maxValues: number;
  readonly guard: CostGuard | undefined;
  readonly now?: () => number;
  /** Dropped points by reason, once per batch and reason; `metric` is one example. */
  readonly onDrop: (reason: string, metric: string, points: number) => void;
  readonly onWarn: (key: string, fields: Record<string, unknown>, msg: string) => void;
}

/** The accepted timestamp window, with margins for the time data spends queued and retried. */
const MAX_AGE_MS = LIMITS.maxPastMs - 3_600_000;
const MAX_AHEAD_MS = LIMITS.maxFutureMs - 300_000;
const METADATA_UNIT = 'cloudwatch.unit';

export class CloudWatchTranslator {
  readonly series: SeriesTable;
  private readonly startedAt: number;
  private readonly now: () => number;
  private readonly metricInfos = new Map<string, MetricInfo | null>();
  private readonly resourceNamespaces = new Map<Attributes, string>();
  private drops = new Map<string, { n: number; metric: string }>();
  private nowMs = 0;

  constructor(private readonly o: TranslatorOptions) {
    this.now = o.now ?? Date.now;
    this.startedAt = this.now();
    this.series = new SeriesTable(o.maxSeries);
  }

  /** Walks the batch and feeds the sink. Synchronous: per-series state is updated in order. */
  translate(batch: MetricBatch, sink: SampleSink): void {
    this.nowMs = this.now();
    for (const rm of batch.resourceMetrics) {
      const res = rm.resource.attributes;
      for (const sm of rm.scopeMetrics) {
        for (const m of sm.metrics) {
          const info = this.metricInfo(m);
          if (info === undefined) {
            this.drop('invalid_metric_name', m.name, m.points.length);
            continue;
          }
          const table = this.series.metric(res, `${sm.scope.name}\u0000${m.name}\u0000${m.type}`);
          const ctx: Ctx = { sink, info, table, res, metric: m, scale: info.scale };
          switch (m.type) {
            case MetricType.Gauge:
              this.numbers(ctx, m.points, false);
              break;
            case MetricType.Sum:
              this.numbers(ctx, m.points, m.monotonic && m.temporality === Temporality.Cumulative);
              break;
            case MetricType.Histogram:
              this.histograms(ctx, m.points, m.temporality === Temporality.Cumulative);
              break;
            case MetricType.ExponentialHistogram:
              this.expHistograms(ctx, m.points, m.temporality === Temporality.Cumulative);
              break;
            case MetricType.Summary:
              this.summaries(ctx, m.points);
              break;
          }
        }
      }
    }
    this.o.guard?.flush();
    for (const [reason, d] of this.drops) this.o.onDrop(reason, d.metric, d.n);
    this.drops = new Map();
  }

  private drop(reason: string, metric: string, n = 1): void {
    const d = this.drops.get(reason);
    if (d === undefined) this.drops.set(reason, { n, metric });
    else d.n += n;
  }

  private metricInfo(m: Metric): MetricInfo | undefined {
    const unitMeta = m.metadata.get(METADATA_UNIT);
    const cacheKey = `${m.name}\u0000${m.unit}\u0000${typeof unitMeta === 'string' ? unitMeta : ''}`;
    let info = this.metricInfos.get(cacheKey);
    if (info === undefined) {
      const ok = m.name.length >= LIMITS.metricName.min && m.name.length <= LIMITS.metricName.max;
      const { unit, scale } = unitOf(m.unit, typeof unitMeta === 'string' ? unitMeta : undefined, this.o.descriptors.get(m.name));
      info = ok ? { name: m.name, unit, scale, nameBytes: Buffer.byteLength(JSON.stringify(m.name)) } : null;
      if (this.metricInfos.size > 100_000) this.metricInfos.clear();
      this.metricInfos.set(cacheKey, info);
    }
    return info ?? undefined;
  }

  /** The point's time in ms, or undefined (counted) when CloudWatch would refuse it. */
  private timeOf(times: Uint32Array, i: number, metric: string): number | undefined {
    const lo = times[2 * i];
    const hi = times[2 * i + 1];
    if (lo === 0 && hi === 0) return this.nowMs;
    const t = nsPairToMs(lo, hi);
    if (t < this.nowMs - MAX_AGE_MS || t > this.nowMs + MAX_AHEAD_MS) {
      this.drop('timestamp_out_of_range', metric);
      return undefined;
    }
    return t;
  }

  /** The series of point i, or undefined (counted) when the point is a staleness marker or its series is not sent. */
  private pointSeries(c: Ctx, p: Points, i: number): CwSeries | undefined {
    if ((p.flags[i] & FLAG_NO_RECORDED_VALUE) !== 0) {
      this.drop('no_recorded_value', c.info.name);
      return undefined;
    }
    return this.seriesOf(c, p.attributes[i]);
  }

  private seriesOf(c: Ctx, attrs: Attributes): CwSeries | undefined {
    let s = c.table.get(attrs);
    if (s === undefined) s = this.series.add(c.table, attrs, this.newSeries(c, attrs));
    s.lastUse = this.nowMs;
    if (s.skip !== undefined) {
      this.drop(s.skip, c.info.name);
      return undefined;
    }
    return s;
  }

  private newSeries(c: Ctx, attrs: Attributes): CwSeries {
    const res = c.res;
    const nsAttr = this.o.namespaceAttribute;
    const resAttr = this.o.resolutionAttribute;
    const labels = new Map<string, string>();
    const invalid: string[] = [];
    const addAll = (a: Attributes): void => {
      for (let k = 0; k < a.keys.length; k++) {
        const name = a.keys[k];
        if (name === nsAttr || name === resAttr) continue;
        const value = anyValueToString(a.values[k]);
        if (validDimension(name, value)) labels.set(name, value);
        else {
          labels.delete(name);
          invalid.push(name);
        }
      }
    };
    if (this.o.resourceToTelemetry) addAll(res);
    addAll(attrs);
    if (invalid.length > 0) {
      this.o.onWarn(`invalid-dimension:${c.info.name}`, { metric: c.info.name, attributes: invalid }, 'attributes left out of the CloudWatch dimensions: names must be 1-255 and values 1-1024 printable ASCII characters, not blank');
    }
    const namespace = this.namespaceOf(attrs, res);
    const resolution = resolutionOf(attrs.get(resAttr) ?? c.metric.metadata.get(resAttr) ?? res.get(resAttr), this.o.resolution);
    const sorted = [...labels].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    const labelsKey = sorted.map(([k, v]) => `${k}\u0001${v}`).join('\u0000');
    if (!validNamespace(namespace)) return new CwSeries(res, namespace, undefined, sorted, labelsKey, [], 'invalid_namespace', resolution);
    const selection = this.o.declarations.select(c.info.name, labels);
    if ('skip' in selection) return new CwSeries(res, namespace, undefined, sorted, labelsKey, [], selection.skip, resolution);
    const sets: DimensionSet[] = selection.sets.map((names) => {
      const dimensions = names.map((n) => ({ Name: n, Value: labels.get(n)! }));
      let bytes = 0;
      for (const d of dimensions) bytes += 24 + jsonAsciiBytes(d.Name) + jsonAsciiBytes(d.Value);
      return { names, dimensions, key: combinationKey(namespace, c.info.name, dimensions), bytes };
    });
    return new CwSeries(res, namespace, this.o.guard?.namespace(namespace), sorted, labelsKey, sets, undefined, resolution);
  }

  private namespaceOf(attrs: Attributes, res: Attributes): string {
    const name = this.o.namespaceAttribute;
    if (name !== '') {
      const v = attrs.get(name) ?? res.get(name);
      if (typeof v === 'string' && v !== '') return v;
    }
    if (this.o.namespace !== undefined) return this.o.namespace;
    let ns = this.resourceNamespaces.get(res);
    if (ns === undefined) {
      // As the Collector's awsemf exporter: service.namespace/service.name, else service.name, else "default".
      const svc = res.get('service.name');
      const svcNs = res.get('service.namespace');
      ns = typeof svc === 'string' && svc !== '' ? (typeof svcNs === 'string' && svcNs !== '' ? `${svcNs}/${svc}` : svc) : 'default';
      if (this.resourceNamespaces.size > 10_000) this.resourceNamespaces.clear();
      this.resourceNamespaces.set(res, ns);
    }
    return ns;
  }

  private numbers(c: Ctx, p: NumberPoints, toDelta: boolean): void {
    for (let i = 0; i < p.length; i++) {
      const s = this.pointSeries(c, p, i);
      if (s === undefined) continue;
      let v = p.values[i];
      if (!Number.isFinite(v)) {
        this.drop('non_finite', c.info.name);
        continue;
      }
      if (toDelta) {
        const d = this.sumDelta(s, p, i, v, c.info.name);
        if (d === undefined) continue;
        v = d;
      }
      const t = this.timeOf(p.times, i, c.info.name);
      if (t === undefined) continue;
      v *= c.scale;
      if (Math.abs(v) > LIMITS.maxAbsValue) {
        this.drop('value_out_of_range', c.info.name);
        continue;
      }
      c.sink.value(s, c.info, t, v);
    }
  }

  /** The increase since the previous point, or undefined when nothing is to be sent (counted). */
  private sumDelta(s: CwSeries, p: NumberPoints, i: number, v: number, metric: string): number | undefined {
    const prior = s.prior as PriorSum | undefined;
    const st = p.startTimes;
    const step = stepOf(prior, st[2 * i], st[2 * i + 1], p.times[2 * i], p.times[2 * i + 1], prior !== undefined && v < prior.value);
    if (step === 'stale') {
      this.drop('out_of_order', metric);
      return undefined;
    }
    const clock = (prior ?? { value: 0 }) as PriorSum;
    setClock(clock, st[2 * i], st[2 * i + 1], p.times[2 * i], p.times[2 * i + 1]);
    const before = prior?.value ?? 0;
    clock.value = v;
    s.prior = clock;
    if (step === 'first') {
      if (sendFirst(this.o.initialValue, st[2 * i], st[2 * i + 1], this.startedAt)) return v;
      this.drop('cumulative_first_point', metric);
      return undefined;
    }
    return step === 'reset' ? v : v - before;
  }

  private histograms(c: Ctx, p: HistogramPoints, toDelta: boolean): void {
    for (let i = 0; i < p.length; i++) {
      const s = this.pointSeries(c, p, i);
      if (s === undefined) continue;
      const bounds = p.bounds.subarray(p.boundStart[i], p.boundStart[i + 1]);
      const counts = p.bucketCounts.subarray(p.bucketStart[i], p.bucketStart[i + 1]);
      let count = p.counts[i];
      let sum = (p.has[i] & HAS_SUM) !== 0 ? p.sums[i] : estimateSum(bounds, counts);
      let min = (p.has[i] & HAS_MIN) !== 0 ? p.mins[i] : Infinity;
      let max = (p.has[i] & HAS_MAX) !== 0 ? p.maxs[i] : -Infinity;
      if (!Number.isFinite(sum) || Number.isNaN(min) || Number.isNaN(max)) {
        this.drop('non_finite', c.info.name);
        continue;
      }
      let growth: ArrayLike<number> = counts;
      if (toDelta) {
        const prior = s.prior as PriorHistogram | undefined;
        const step = this.cumulativeStep(s, p, i, prior !== undefined && histogramDecreased(prior, count, bounds, counts), c.info.name);
        if (step === undefined) continue;
        const cur = s.prior as PriorHistogram;
        if (step === 'next') {
          const d = histogramDelta(prior!, count, sum, bounds, counts, min, max);
          ({ count, sum, min, max } = d);
          growth = d.counts;
        }
        rememberHistogram(cur, p.counts[i], (p.has[i] & HAS_SUM) !== 0 ? p.sums[i] : sum, bounds, counts, (p.has[i] & HAS_MIN) !== 0 ? p.mins[i] : Infinity, (p.has[i] & HAS_MAX) !== 0 ? p.maxs[i] : -Infinity);
        if (step === 'first' && !this.keepFirst(p, i, c.info.name)) continue;
      }
      if (!Number.isFinite(min)) min = bucketFloor(bounds, growth);
      if (!Number.isFinite(max)) max = bucketCeiling(bounds, growth);
      this.emitStats(c, s, p.times, i, count, sum, min, max);
    }
  }

  /**
   * The step of cumulative point i, with the series' clock moved on (a new
   * prior is created for a first point); undefined for a stale point.
   */
  private cumulativeStep(s: CwSeries, p: HistogramPoints | ExpHistogramPoints | SummaryPoints, i: number, decreased: boolean, metric: string): 'first' | 'next' | 'reset' | undefined {
    const st = p.startTimes;
    const step = stepOf(s.prior, st[2 * i], st[2 * i + 1], p.times[2 * i], p.times[2 * i + 1], decreased);
    if (step === 'stale') {
      this.drop('out_of_order', metric);
      return undefined;
    }
    if (s.prior === undefined) s.prior = { startLo: 0, startHi: 0, timeLo: 0, timeHi: 0, count: 0, sum: 0, bounds: [], counts: [], min: Infinity, max: -Infinity } as PriorHistogram;
    setClock(s.prior as PointClock, st[2 * i], st[2 * i + 1], p.times[2 * i], p.times[2 * i + 1]);
    return step;
  }

  private keepFirst(p: HistogramPoints | ExpHistogramPoints | SummaryPoints, i: number, metric: string): boolean {
    if (sendFirst(this.o.initialValue, p.startTimes[2 * i], p.startTimes[2 * i + 1], this.startedAt)) return true;
    this.drop('cumulative_first_point', metric);
    return false;
  }

  private emitStats(c: Ctx, s: CwSeries, times: Uint32Array, i: number, count: number, sum: number, min: number, max: number): void {
    if (!(count > 0)) {
      this.drop('empty_histogram', c.info.name);
      return;
    }
    const t = this.timeOf(times, i, c.info.name);
    if (t === undefined) return;
    const avg = sum / count;
    if (!Number.isFinite(min) || min > avg) min = Number.isFinite(min) ? Math.min(min, avg) : avg;
    if (!Number.isFinite(max) || max < avg) max = Number.isFinite(max) ? Math.max(max, avg) : avg;
    const k = c.scale;
    if (Math.abs(sum * k) > LIMITS.maxAbsValue || Math.abs(min * k) > LIMITS.maxAbsValue || Math.abs(max * k) > LIMITS.maxAbsValue) {
      this.drop('value_out_of_range', c.info.name);
      return;
    }
    c.sink.stats(s, c.info, t, count, sum * k, min * k, max * k);
  }

  private expHistograms(c: Ctx, p: ExpHistogramPoints, toDelta: boolean): void {
    for (let i = 0; i < p.length; i++) {
      const s = this.pointSeries(c, p, i);
      if (s === undefined) continue;
      let state: ExpState = expStateOf(p, i);
      if ((p.has[i] & HAS_SUM) === 0) state.sum = NaN;
      let min = (p.has[i] & HAS_MIN) !== 0 ? p.mins[i] : -Infinity;
      let max = (p.has[i] & HAS_MAX) !== 0 ? p.maxs[i] : Infinity;
      if (Number.isNaN(min) || Number.isNaN(max) || state.sum === Infinity || state.sum === -Infinity) {
        this.drop('non_finite', c.info.name);
        continue;
      }
      if (toDelta) {
        const prior = s.prior as PriorExp | undefined;
        const delta = prior?.exp === undefined ? undefined : expDelta(prior.exp, state);
        const step = this.cumulativeStep(s, p, i, prior?.exp !== undefined && delta === undefined, c.info.name);
        if (step === undefined) continue;
        const cur = s.prior as PriorExp;
        const lifeMin = min;
        const lifeMax = max;
        if (step === 'next') {
          // Lifetime extremes are exact for the interval only where they moved in it.
          min = prior!.min !== undefined && min < prior!.min ? min : -Infinity;
          max = prior!.max !== undefined && max > prior!.max ? max : Infinity;
          state = delta!;
        }
        cur.exp = expStateOf(p, i);
        cur.min = lifeMin;
        cur.max = lifeMax;
        if (step === 'first' && !this.keepFirst(p, i, c.info.name)) continue;
      }
      if (!(state.count > 0)) {
        this.drop('empty_histogram', c.info.name);
        continue;
      }
      const t = this.timeOf(p.times, i, c.info.name);
      if (t === undefined) continue;
      const d = distribution(state, min, max, this.o.maxValues);
      const k = c.scale;
      const sum = Number.isNaN(state.sum) ? d.sum : state.sum;
      if (Math.abs(sum * k) > LIMITS.maxAbsValue || Math.abs(d.min * k) > LIMITS.maxAbsValue || Math.abs(d.max * k) > LIMITS.maxAbsValue) {
        this.drop('value_out_of_range', c.info.name);
        continue;
      }
      if (k !== 1) for (let j = 0; j < d.values.length; j++) d.values[j] *= k;
      c.sink.dist(s, c.info, t, d.values, d.counts, state.count, sum * k, d.min * k, d.max * k);
    }
  }

  private summaries(c: Ctx, p: SummaryPoints): void {
    for (let i = 0; i < p.length; i++) {
      const s = this.pointSeries(c, p, i);
      if (s === undefined) continue;
      let count = p.counts[i];
      let sum = p.sums[i];
      let min = Infinity;
      let max = -Infinity;
      for (let k = p.quantileStart[i]; k < p.quantileStart[i + 1]; k++) {
        if (p.quantiles[k] === 0) min = p.quantileValues[k];
        if (p.quantiles[k] === 1) max = p.quantileValues[k];
      }
      if (!Number.isFinite(sum) || Number.isNaN(min) || Number.isNaN(max)) {
        this.drop('non_finite', c.info.name);
        continue;
      }
      // A summary with a start time is cumulative (Prometheus, the OpenTelemetry data model); one without
      // (as the putmetricdata receiver makes them from StatisticValues) already covers its own period.
      if (p.startTimes[2 * i] !== 0 || p.startTimes[2 * i + 1] !== 0) {
        const prior = s.prior as PriorHistogram | undefined;
        const step = this.cumulativeStep(s, p, i, prior !== undefined && count < prior.count, c.info.name);
        if (step === undefined) continue;
        const cur = s.prior as PriorHistogram;
        const before = { count: cur.count, sum: cur.sum };
        cur.count = count;
        cur.sum = sum;
        if (step === 'first' && !this.keepFirst(p, i, c.info.name)) continue;
        if (step === 'next') {
          count -= before.count;
          sum -= before.sum;
        }
      }
      this.emitStats(c, s, p.times, i, count, sum, min, max);
    }
  }
}

interface Ctx {
  readonly sink: SampleSink;
  readonly info: MetricInfo;
  readonly table: Map<Attributes, CwSeries>;
  readonly res: Attributes;
  readonly metric: Metric;
  readonly scale: number;
}

function resolutionOf(v: AnyValue | undefined, fallback: 1 | 60): 1 | 60 {
  if (v === undefined || v === null) return fallback;
  const n = typeof v === 'string' ? Number(v) : typeof v === 'number' ? v : typeof v === 'bigint' ? Number(v) : NaN;
  return n === 1 ? 1 : n === 60 ? 60 : fallback;
}
