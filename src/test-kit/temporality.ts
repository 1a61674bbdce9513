import { Attributes } from '../model/attributes.js';
import {
  FLAG_NO_RECORDED_VALUE,
  HAS_MAX,
  HAS_MIN,
  HAS_SUM,
  type Metric,
  type MetricBatch,
  MetricType,
  Temporality,
} from '../model/metric.js';
import { ExpHistogramBuilder, HistogramBuilder, NumberBuilder } from '../model/points-builder.js';
import { setTimeMs, timeMs } from '../model/time.js';
import type { SelfMetrics } from '../telemetry/self-metrics.js';
import { batchOf } from './batches.js';

/**
 * Hand-made sums and histograms with explicit start and end times (in
 * seconds), and a plain reading of what comes out, for table-driven tests
 * of the temporality processors.
 */

export interface SumIn {
  readonly attrs?: Record<string, string>;
  /** Seconds; omit for an unset start time. */
  readonly start?: number;
  readonly time: number;
  readonly value: number;
  readonly stale?: boolean;
  readonly int?: boolean;
}

export interface HistIn {
  readonly attrs?: Record<string, string>;
  readonly start?: number;
  readonly time: number;
  readonly bounds: number[];
  readonly counts: number[];
  readonly sum?: number;
  readonly min?: number;
  readonly max?: number;
  readonly stale?: boolean;
}

export interface ExpIn {
  readonly attrs?: Record<string, string>;
  readonly start?: number;
  readonly time: number;
  readonly scale: number;
  readonly zeroCount?: number;
  readonly posOffset: number;
  readonly pos: number[];
  readonly sum: number;
}

type Temp = 'delta' | 'cumulative';

const T = (t: Temp) => (t === 'delta' ? Temporality.Delta : Temporality.Cumulative);
const SEC = 1000;

export function sumMetric(name: string, temporality: Temp, points: readonly SumIn[], monotonic = true): Metric {
  const b = new NumberBuilder();
  for (const p of points) {
    const i = b.begin();
    if (p.start !== undefined) setTimeMs(b.startTimes, i, p.start * SEC);
    setTimeMs(b.times, i, p.time * SEC);
    b.values[i] = p.value;
    b.isInt[i] = p.int ? 1 : 0;
    if (p.stale) b.flags[i] = FLAG_NO_RECORDED_VALUE;
    b.commit(Attributes.fromObject(p.attrs ?? {}));
  }
  return { name, description: '', unit: '', metadata: Attributes.EMPTY, type: MetricType.Sum, temporality: T(temporality), monotonic, points: b.finish() };
}

export function histogramMetric(name: string, temporality: Temp, points: readonly HistIn[]): Metric {
  const b = new HistogramBuilder();
  for (const p of points) {
    const i = b.begin();
    if (p.start !== undefined) setTimeMs(b.startTimes, i, p.start * SEC);
    setTimeMs(b.times, i, p.time * SEC);
    b.counts[i] = p.counts.reduce((a, c) => a + c, 0);
    b.sums[i] = p.sum ?? 0;
    b.mins[i] = p.min ?? 0;
    b.maxs[i] = p.max ?? 0;
    b.has[i] = (p.sum !== undefined ? HAS_SUM : 0) | (p.min !== undefined ? HAS_MIN : 0) | (p.max !== undefined ? HAS_MAX : 0);
    if (p.stale) b.flags[i] = FLAG_NO_RECORDED_VALUE;
    for (const c of p.counts) b.pushBucket(c);
    for (const x of p.bounds) b.pushBound(x);
    b.commit(Attributes.fromObject(p.attrs ?? {}));
  }
  return { name, description: '', unit: 'ms', metadata: Attributes.EMPTY, type: MetricType.Histogram, temporality: T(temporality), points: b.finish() };
}

export function expHistogramMetric(name: string, temporality: Temp, points: readonly ExpIn[]): Metric {
  const b = new ExpHistogramBuilder();
  for (const p of points) {
    const i = b.begin();
    if (p.start !== undefined) setTimeMs(b.startTimes, i, p.start * SEC);
    setTimeMs(b.times, i, p.time * SEC);
    b.counts[i] = p.pos.reduce((a, c) => a + c, p.zeroCount ?? 0);
    b.sums[i] = p.sum;
    b.has[i] = HAS_SUM;
    b.scales[i] = p.scale;
    b.zeroCounts[i] = p.zeroCount ?? 0;
    b.posOffsets[i] = p.posOffset;
    for (const c of p.pos) b.pushPositive(c);
    b.commit(Attributes.fromObject(p.attrs ?? {}));
  }
  return { name, description: '', unit: 'By', metadata: Attributes.EMPTY, type: MetricType.ExponentialHistogram, temporality: T(temporality), points: b.finish() };
}

export { batchOf };

/** A point as read back: times in seconds, the value or the histogram's fields. */
export interface PointOut {
  readonly metric: string;
  readonly temporality: Temp | 'none';
  readonly attrs: Record<string, unknown>;
  readonly start: number;
  readonly time: number;
  readonly value?: number;
  readonly int?: boolean;
  readonly stale?: boolean;
  readonly count?: number;
  readonly sum?: number;
  readonly min?: number;
  readonly max?: number;
  readonly bounds?: number[];
  readonly counts?: number[];
  readonly scale?: number;
  readonly posOffset?: number;
}

export function readPoints(batch: MetricBatch): PointOut[] {
  const out: PointOut[] = [];
  for (const rm of batch.resourceMetrics) {
    for (const sm of rm.scopeMetrics) {
      for (const m of sm.metrics) {
        const temporality = m.type === MetricType.Gauge || m.type === MetricType.Summary ? 'none' : m.temporality === Temporality.Delta ? 'delta' : 'cumulative';
        const p = m.points;
        for (let i = 0; i < p.length; i++) {
          const base = {
            metric: m.name,
            temporality,
            attrs: p.attributes[i].toObject(),
            start: timeMs(p.startTimes, i) / SEC,
            time: timeMs(p.times, i) / SEC,
            ...((p.flags[i] & FLAG_NO_RECORDED_VALUE) !== 0 ? { stale: true } : {}),
          } as const;
          if (p.kind === 'number') out.push({ ...base, value: p.values[i], ...(p.isInt[i] ? { int: true } : {}) });
          else if (p.kind === 'histogram') {
            out.push({
              ...base,
              count: p.counts[i],
              ...((p.has[i] & HAS_SUM) !== 0 ? { sum: p.sums[i] } : {}),
              ...((p.has[i] & HAS_MIN) !== 0 ? { min: p.mins[i] } : {}),
              ...((p.has[i] & HAS_MAX) !== 0 ? { max: p.maxs[i] } : {}),
              bounds: Array.from(p.bounds.subarray(p.boundStart[i], p.boundStart[i + 1])),
              counts: Array.from(p.bucketCounts.subarray(p.bucketStart[i], p.bucketStart[i + 1])),
            });
          } else if (p.kind === 'exphistogram') {
            out.push({
              ...base,
              count: p.counts[i],
              sum: p.sums[i],
              scale: p.scales[i],
              posOffset: p.posOffsets[i],
              counts: Array.from(p.posCounts.subarray(p.posStart[i], p.posStart[i + 1])),
            });
          } else out.push({ ...base, count: p.counts[i], sum: p.sums[i] });
        }
      }
    }
  }
  return out;
}

/** tributary_dropped_metric_points_total by reason (non-zero ones). */
export async function droppedByReason(metrics: SelfMetrics): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const v of (await metrics.droppedPoints.get()).values) if (v.value > 0) out[String(v.labels.reason)] = v.value;
  return out;
}
