import { Attributes } from '../model/attributes.js';
import { HAS_MAX, HAS_MIN, HAS_SUM, type Metric, MetricType, Temporality } from '../model/metric.js';
import { ExpHistogramBuilder, HistogramBuilder, SummaryBuilder } from '../model/points-builder.js';
import { setTimeMs } from '../model/time.js';

/** Hand-made histogram, exponential histogram and summary metrics for unit tests (times in ms). */

interface Common {
  readonly attrs?: Record<string, string>;
  readonly timeMs: number;
  /** Start time (ms); 0 for none. */
  readonly startMs?: number;
}

export interface HistogramPointSpec extends Common {
  readonly bounds: readonly number[];
  readonly counts: readonly number[];
  readonly sum?: number;
  readonly min?: number;
  readonly max?: number;
}

function common(b: HistogramBuilder | ExpHistogramBuilder | SummaryBuilder, i: number, p: Common): void {
  setTimeMs(b.times, i, p.timeMs);
  if (p.startMs !== undefined && p.startMs > 0) setTimeMs(b.startTimes, i, p.startMs);
}

function minMax(b: HistogramBuilder | ExpHistogramBuilder, i: number, p: { min?: number; max?: number }): void {
  if (p.min !== undefined) {
    b.mins[i] = p.min;
    b.has[i] |= HAS_MIN;
  }
  if (p.max !== undefined) {
    b.maxs[i] = p.max;
    b.has[i] |= HAS_MAX;
  }
}

export function histogramMetric(name: string, unit: string, temporality: 'delta' | 'cumulative', points: readonly HistogramPointSpec[]): Metric {
  const b = new HistogramBuilder();
  for (const p of points) {
    const i = b.begin();
    common(b, i, p);
    b.counts[i] = p.counts.reduce((a, c) => a + c, 0);
    if (p.sum !== undefined) {
      b.sums[i] = p.sum;
      b.has[i] |= HAS_SUM;
    }
    minMax(b, i, p);
    for (const c of p.counts) b.pushBucket(c);
    for (const x of p.bounds) b.pushBound(x);
    b.commit(Attributes.fromObject(p.attrs ?? {}));
  }
  const t = temporality === 'delta' ? Temporality.Delta : Temporality.Cumulative;
  return { name, description: '', unit, metadata: Attributes.EMPTY, type: MetricType.Histogram, temporality: t, points: b.finish() };
}

export interface ExpPointSpec extends Common {
  readonly scale: number;
  readonly zeroCount?: number;
  readonly posOffset?: number;
  readonly pos?: readonly number[];
  readonly negOffset?: number;
  readonly neg?: readonly number[];
  readonly sum: number;
  readonly min?: number;
  readonly max?: number;
}

export function expHistogramMetric(name: string, unit: string, temporality: 'delta' | 'cumulative', points: readonly ExpPointSpec[]): Metric {
  const b = new ExpHistogramBuilder();
  for (const p of points) {
    const i = b.begin();
    common(b, i, p);
    const pos = p.pos ?? [];
    const neg = p.neg ?? [];
    b.counts[i] = (p.zeroCount ?? 0) + pos.reduce((a, c) => a + c, 0) + neg.reduce((a, c) => a + c, 0);
    b.sums[i] = p.sum;
    b.has[i] = HAS_SUM;
    minMax(b, i, p);
    b.scales[i] = p.scale;
    b.zeroCounts[i] = p.zeroCount ?? 0;
    b.posOffsets[i] = p.posOffset ?? 0;
    b.negOffsets[i] = p.negOffset ?? 0;
    for (const c of pos) b.pushPositive(c);
    for (const c of neg) b.pushNegative(c);
    b.commit(Attributes.fromObject(p.attrs ?? {}));
  }
  const t = temporality === 'delta' ? Temporality.Delta : Temporality.Cumulative;
  return { name, description: '', unit, metadata: Attributes.EMPTY, type: MetricType.ExponentialHistogram, temporality: t, points: b.finish() };
}

export interface SummaryPointSpec extends Common {
  readonly count: number;
  readonly sum: number;
  readonly quantiles?: readonly (readonly [number, number])[];
}

export function summaryMetric(name: string, unit: string, points: readonly SummaryPointSpec[]): Metric {
  const b = new SummaryBuilder();
  for (const p of points) {
    const i = b.begin();
    common(b, i, p);
    b.counts[i] = p.count;
    b.sums[i] = p.sum;
    for (const [q, v] of p.quantiles ?? []) b.pushQuantile(q, v);
    b.commit(Attributes.fromObject(p.attrs ?? {}));
  }
  return { name, description: '', unit, metadata: Attributes.EMPTY, type: MetricType.Summary, points: b.finish() };
}
