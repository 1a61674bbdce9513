import { Attributes } from '../model/attributes.js';
import { type Metric, type MetricBatch, MetricType, Temporality } from '../model/metric.js';
import { NumberBuilder } from '../model/points-builder.js';
import { setTimeMs } from '../model/time.js';

/** Small hand-made batches for unit tests. */
export interface GaugeSpec {
  readonly name: string;
  readonly points: readonly { value: number; attrs?: Record<string, string>; timeMs?: number }[];
  readonly type?: 'gauge' | 'sum';
  readonly temporality?: 'delta' | 'cumulative';
  readonly monotonic?: boolean;
  readonly unit?: string;
}

export function numberMetric(s: GaugeSpec): Metric {
  const b = new NumberBuilder();
  for (const p of s.points) {
    const i = b.begin();
    setTimeMs(b.times, i, p.timeMs ?? 1_700_000_000_000);
    if (s.type === 'sum') setTimeMs(b.startTimes, i, 1_699_999_000_000);
    b.values[i] = p.value;
    b.commit(Attributes.fromObject(p.attrs ?? {}));
  }
  const base = { name: s.name, description: '', unit: s.unit ?? '', metadata: Attributes.EMPTY, points: b.finish() };
  if (s.type === 'sum') {
    return { ...base, type: MetricType.Sum, temporality: s.temporality === 'delta' ? Temporality.Delta : Temporality.Cumulative, monotonic: s.monotonic ?? true };
  }
  return { ...base, type: MetricType.Gauge };
}

export function batchOf(metrics: Metric[], resource: Record<string, string> = { 'service.name': 'test' }): MetricBatch {
  return {
    resourceMetrics: [
      {
        resource: { attributes: Attributes.fromObject(resource), droppedAttributesCount: 0 },
        schemaUrl: '',
        scopeMetrics: [{ scope: { name: 'test', version: '', attributes: Attributes.EMPTY, droppedAttributesCount: 0 }, schemaUrl: '', metrics }],
      },
    ],
  };
}

/** A batch of one gauge with `n` points named `name`. */
export function gaugeBatch(name: string, n: number, value = 1): MetricBatch {
  return batchOf([numberMetric({ name, points: Array.from({ length: n }, (_, i) => ({ value: value + i, attrs: { i: String(i) } })) })]);
}
