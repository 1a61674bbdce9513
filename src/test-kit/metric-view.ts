import { anyValueToString } from '../model/any-value.js';
import { Attributes } from '../model/attributes.js';
import { type Metric, type MetricBatch, MetricType, Temporality } from '../model/metric.js';
import { HistogramBuilder } from '../model/points-builder.js';
import { setTimeMs } from '../model/time.js';

/**
 * Processor tests: a histogram metric to put beside test-kit/batches.ts's
 * number metrics, and a compact, comparable view of a batch's content.
 */

export interface HistogramSpec {
  readonly name: string;
  readonly bounds: readonly number[];
  readonly points: readonly { buckets: readonly number[]; sum: number; attrs?: Record<string, string>; timeMs?: number; min?: number; max?: number }[];
  readonly temporality?: 'delta' | 'cumulative';
}

export function histogramMetric(s: HistogramSpec): Metric {
  const b = new HistogramBuilder();
  for (const p of s.points) {
    const i = b.begin();
    setTimeMs(b.times, i, p.timeMs ?? 1_700_000_000_000);
    setTimeMs(b.startTimes, i, 1_699_999_000_000);
    b.counts[i] = p.buckets.reduce((x, y) => x + y, 0);
    b.sums[i] = p.sum;
    b.has[i] = 1 | (p.min !== undefined ? 2 : 0) | (p.max !== undefined ? 4 : 0);
    b.mins[i] = p.min ?? 0;
    b.maxs[i] = p.max ?? 0;
    for (const c of p.buckets) b.pushBucket(c);
    for (const x of s.bounds) b.pushBound(x);
    b.commit(Attributes.fromObject(p.attrs ?? {}));
  }
  return {
    name: s.name,
    description: '',
    unit: '',
    metadata: Attributes.EMPTY,
    type: MetricType.Histogram,
    temporality: s.temporality === 'delta' ? Temporality.Delta : Temporality.Cumulative,
    points: b.finish(),
  };
}

/** One point as `k=v,k=v value` (attributes sorted; value, or count/sum for distributions). */
export function pointLine(m: Metric, i: number): string {
  const a = m.points.attributes[i];
  const labels = a.keys.map((k, j) => `${k}=${anyValueToString(a.values[j])}`).join(',');
  const p = m.points;
  const v = p.kind === 'number' ? String(p.values[i]) : `count=${p.counts[i]} sum=${p.sums[i]}`;
  return labels === '' ? v : `${labels} ${v}`;
}

/** `{"<resource attribute key's value>/<metric name>": [point lines]}`, in batch order. */
export function viewBatch(b: MetricBatch, resourceKey = 'service.name'): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const rm of b.resourceMetrics) {
    const r = rm.resource.attributes.get(resourceKey);
    for (const sm of rm.scopeMetrics) {
      for (const m of sm.metrics) {
        const key = `${r === undefined ? '' : anyValueToString(r)}/${m.name}`;
        (out[key] ??= []).push(...Array.from({ length: m.points.length }, (_, i) => pointLine(m, i)));
      }
    }
  }
  return out;
}
