import type { Attributes } from './attributes.js';

/**
 * The internal metric model: the OTLP metrics data model, laid out for
 * throughput. Resources, scopes and metrics are objects; data points are
 * columns (typed arrays) so that a request with many points costs a few
 * allocations per metric, not several per point. Attribute sets are interned.
 */

export const MetricType = {
  Gauge: 1,
  Sum: 2,
  Histogram: 3,
  ExponentialHistogram: 4,
  Summary: 5,
} as const;
export type MetricType = (typeof MetricType)[keyof typeof MetricType];

export const Temporality = {
  Unspecified: 0,
  Delta: 1,
  Cumulative: 2,
} as const;
export type Temporality = (typeof Temporality)[keyof typeof Temporality];

/** DataPointFlags.NO_RECORDED_VALUE: the point marks the series as stale (no value). */
export const FLAG_NO_RECORDED_VALUE = 1;

/** Bits of `has` on histogram-like points: which optional fields are set. */
export const HAS_SUM = 1;
export const HAS_MIN = 2;
export const HAS_MAX = 4;

export interface Exemplar {
  readonly filteredAttributes: Attributes;
  /** uint64 nanoseconds */
  readonly timeUnixNano: bigint;
  readonly value: number;
  readonly isInt: boolean;
  /** 8 bytes, or empty */
  readonly spanId: Uint8Array;
  /** 16 bytes, or empty */
  readonly traceId: Uint8Array;
}

/**
 * Columns shared by every kind of point. `length` points; times are uint64
 * nanosecond pairs (see time.ts). Offsets in the variable-length columns of
 * the subtypes are absolute indices into their value arrays, so a slice of
 * the columns (subarray) stays valid without rebasing.
 */
export interface PointColumns {
  readonly length: number;
  readonly attributes: Attributes[];
  readonly startTimes: Uint32Array;
  readonly times: Uint32Array;
  readonly flags: Uint32Array;
  /** Sparse: undefined when no point has exemplars. */
  readonly exemplars: (readonly Exemplar[] | undefined)[] | undefined;
}

export interface NumberPoints extends PointColumns {
  readonly kind: 'number';
  readonly values: Float64Array;
  /** 1 where the point was an int (as_int), 0 for a double. */
  readonly isInt: Uint8Array;
}

export interface HistogramPoints extends PointColumns {
  readonly kind: 'histogram';
  readonly counts: Float64Array;
  readonly sums: Float64Array;
  readonly mins: Float64Array;
  readonly maxs: Float64Array;
  /** HAS_SUM | HAS_MIN | HAS_MAX */
  readonly has: Uint8Array;
  /** length + 1 entries: bucket counts of point i are bucketCounts[bucketStart[i] .. bucketStart[i+1]) */
  readonly bucketStart: Uint32Array;
  readonly bucketCounts: Float64Array;
  /** length + 1 entries, likewise into bounds */
  readonly boundStart: Uint32Array;
  readonly bounds: Float64Array;
}

export interface ExpHistogramPoints extends PointColumns {
  readonly kind: 'exphistogram';
  readonly counts: Float64Array;
  readonly sums: Float64Array;
  readonly mins: Float64Array;
  readonly maxs: Float64Array;
  readonly has: Uint8Array;
  readonly scales: Int32Array;
  readonly zeroCounts: Float64Array;
  readonly zeroThresholds: Float64Array;
  readonly posOffsets: Int32Array;
  readonly posStart: Uint32Array;
  readonly posCounts: Float64Array;
  readonly negOffsets: Int32Array;
  readonly negStart: Uint32Array;
  readonly negCounts: Float64Array;
}

export interface SummaryPoints extends PointColumns {
  readonly kind: 'summary';
  readonly counts: Float64Array;
  readonly sums: Float64Array;
  readonly quantileStart: Uint32Array;
  readonly quantiles: Float64Array;
  readonly quantileValues: Float64Array;
}

export type Points = NumberPoints | HistogramPoints | ExpHistogramPoints | SummaryPoints;

interface MetricBase {
  name: string;
  description: string;
  unit: string;
  metadata: Attributes;
}

export interface GaugeMetric extends MetricBase {
  type: typeof MetricType.Gauge;
  points: NumberPoints;
}

export interface SumMetric extends MetricBase {
  type: typeof MetricType.Sum;
  temporality: Temporality;
  monotonic: boolean;
  points: NumberPoints;
}

export interface HistogramMetric extends MetricBase {
  type: typeof MetricType.Histogram;
  temporality: Temporality;
  points: HistogramPoints;
}

export interface ExpHistogramMetric extends MetricBase {
  type: typeof MetricType.ExponentialHistogram;
  temporality: Temporality;
  points: ExpHistogramPoints;
}

export interface SummaryMetric extends MetricBase {
  type: typeof MetricType.Summary;
  points: SummaryPoints;
}

export type Metric = GaugeMetric | SumMetric | HistogramMetric | ExpHistogramMetric | SummaryMetric;

export interface Resource {
  attributes: Attributes;
  droppedAttributesCount: number;
}

export interface Scope {
  name: string;
  version: string;
  attributes: Attributes;
  droppedAttributesCount: number;
}

export interface ScopeMetrics {
  scope: Scope;
  schemaUrl: string;
  metrics: Metric[];
}

export interface ResourceMetrics {
  resource: Resource;
  schemaUrl: string;
  scopeMetrics: ScopeMetrics[];
}

/**
 * A batch of metrics as it flows through a pipeline. Whoever holds it owns it:
 * after handing it to a consumer the caller must not read or change it.
 */
export interface MetricBatch {
  resourceMetrics: ResourceMetrics[];
}

export function temporalityOf(m: Metric): Temporality {
  return m.type === MetricType.Gauge || m.type === MetricType.Summary ? Temporality.Unspecified : m.temporality;
}

export function countPoints(batch: MetricBatch): number {
  let n = 0;
  for (const rm of batch.resourceMetrics) {
    for (const sm of rm.scopeMetrics) {
      for (const m of sm.metrics) n += m.points.length;
    }
  }
  return n;
}

export function countMetrics(batch: MetricBatch): number {
  let n = 0;
  for (const rm of batch.resourceMetrics) for (const sm of rm.scopeMetrics) n += sm.metrics.length;
  return n;
}

export function emptyBatch(): MetricBatch {
  return { resourceMetrics: [] };
}
