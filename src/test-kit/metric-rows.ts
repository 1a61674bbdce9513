import { anyValueToString } from '../model/any-value.js';
import type { Attributes } from '../model/attributes.js';
import { type Exemplar, HAS_SUM, type MetricBatch, MetricType } from '../model/metric.js';
import { timeString } from '../model/time.js';

/**
 * Every point of a batch as one plain row (resource, scope, metric and
 * point fields together), for table-driven assertions with toEqual /
 * toMatchObject.
 */
export interface MetricRow {
  readonly resource: Record<string, string>;
  readonly scope: string;
  readonly name: string;
  readonly type: 'gauge' | 'sum' | 'histogram' | 'exphistogram' | 'summary';
  readonly monotonic?: boolean;
  readonly unit: string;
  readonly description: string;
  readonly promType: string | undefined;
  readonly attrs: Record<string, string>;
  /** Nanoseconds as a decimal string. */
  readonly time: string;
  readonly start: string;
  readonly flags: number;
  readonly value?: number;
  readonly count?: number;
  readonly sum?: number;
  readonly bounds?: number[];
  readonly buckets?: number[];
  readonly scale?: number;
  readonly zeroCount?: number;
  readonly zeroThreshold?: number;
  readonly positive?: { offset: number; counts: number[] };
  readonly negative?: { offset: number; counts: number[] };
  readonly quantiles?: [number, number][];
  readonly exemplars?: ExemplarRow[];
}

export interface ExemplarRow {
  readonly value: number;
  readonly timeMs: number;
  readonly traceId: string;
  readonly spanId: string;
  readonly attrs: Record<string, string>;
}

export function attrsOf(a: Attributes): Record<string, string> {
  const o: Record<string, string> = {};
  for (let i = 0; i < a.keys.length; i++) o[a.keys[i]] = anyValueToString(a.values[i]);
  return o;
}

function exemplarRows(list: readonly Exemplar[] | undefined): ExemplarRow[] | undefined {
  return list?.map((e) => ({
    value: e.value,
    timeMs: Number(e.timeUnixNano / 1_000_000n),
    traceId: Buffer.from(e.traceId).toString('hex'),
    spanId: Buffer.from(e.spanId).toString('hex'),
    attrs: attrsOf(e.filteredAttributes),
  }));
}

export function metricRows(batch: MetricBatch): MetricRow[] {
  const rows: MetricRow[] = [];
  for (const rm of batch.resourceMetrics) {
    const resource = attrsOf(rm.resource.attributes);
    for (const sm of rm.scopeMetrics) {
      const scope = sm.scope.version === '' ? sm.scope.name : `${sm.scope.name}@${sm.scope.version}`;
      for (const m of sm.metrics) {
        const p = m.points;
        const promType = m.metadata.get('prometheus.type') as string | undefined;
        for (let i = 0; i < p.length; i++) {
          const base = {
            resource,
            scope,
            name: m.name,
            unit: m.unit,
            description: m.description,
            promType,
            attrs: attrsOf(p.attributes[i]),
            time: timeString(p.times, i),
            start: timeString(p.startTimes, i),
            flags: p.flags[i],
            exemplars: exemplarRows(p.exemplars?.[i]),
          };
          switch (m.type) {
            case MetricType.Gauge:
              rows.push({ ...base, type: 'gauge', value: m.points.values[i] });
              break;
            case MetricType.Sum:
              rows.push({ ...base, type: 'sum', monotonic: m.monotonic, value: m.points.values[i] });
              break;
            case MetricType.Histogram: {
              const h = m.points;
              rows.push({
                ...base,
                type: 'histogram',
                count: h.counts[i],
                sum: (h.has[i] & HAS_SUM) !== 0 ? h.sums[i] : undefined,
                bounds: Array.from(h.bounds.subarray(h.boundStart[i], h.boundStart[i + 1])),
                buckets: Array.from(h.bucketCounts.subarray(h.bucketStart[i], h.bucketStart[i + 1])),
              });
              break;
            }
            case MetricType.ExponentialHistogram: {
              const h = m.points;
              rows.push({
                ...base,
                type: 'exphistogram',
                count: h.counts[i],
                sum: (h.has[i] & HAS_SUM) !== 0 ? h.sums[i] : undefined,
                scale: h.scales[i],
                zeroCount: h.zeroCounts[i],
                zeroThreshold: h.zeroThresholds[i],
                positive: { offset: h.posOffsets[i], counts: Array.from(h.posCounts.subarray(h.posStart[i], h.posStart[i + 1])) },
                negative: { offset: h.negOffsets[i], counts: Array.from(h.negCounts.subarray(h.negStart[i], h.negStart[i + 1])) },
              });
              break;
            }
            case MetricType.Summary: {
              const s = m.points;
              const quantiles: [number, number][] = [];
              for (let k = s.quantileStart[i]; k < s.quantileStart[i + 1]; k++) quantiles.push([s.quantiles[k], s.quantileValues[k]]);
              rows.push({ ...base, type: 'summary', count: s.counts[i], sum: s.sums[i], quantiles });
              break;
            }
          }
        }
      }
    }
  }
  return rows;
}
