import { ValueType } from '@opentelemetry/api';
import type { Resource } from '@opentelemetry/resources';
import { AggregationTemporality, DataPointType, type MetricData, type ResourceMetrics } from '@opentelemetry/sdk-metrics';
import type { MetricObjectWithValues, MetricValue, Registry } from 'prom-client';

/**
 * Converts the self-metrics registry (prom-client) into the OpenTelemetry
 * SDK's ResourceMetrics, so the SDK's OTLP exporter can push them. Counters
 * become cumulative monotonic sums, gauges stay gauges, histograms keep their
 * buckets. Names stay as the /metrics page has them, `_total` included: a
 * prometheusremotewrite exporter then writes the same names as a scrape of
 * that page gives, with `add_metric_suffixes` on (it does not double
 * `_total`) or off (names pass unchanged), so one dashboard serves both the
 * scraped and the self-pushed metrics (docs/grafana.md).
 */
export async function registryToResourceMetrics(registry: Registry, resource: Resource, startMs: number): Promise<ResourceMetrics> {
  const now = hr(Date.now());
  const start = hr(startMs);
  const metrics: MetricData[] = [];
  for (const m of (await registry.getMetricsAsJSON()) as MetricObjectWithValues<MetricValue<string>>[]) {
    const type = String(m.type);
    if (type === 'counter') {
      metrics.push({
        descriptor: { name: m.name, description: m.help, unit: '', valueType: ValueType.DOUBLE },
        aggregationTemporality: AggregationTemporality.CUMULATIVE,
        dataPointType: DataPointType.SUM,
        isMonotonic: true,
        dataPoints: m.values.map((v) => ({ startTime: start, endTime: now, attributes: labels(v.labels), value: v.value })),
      });
    } else if (type === 'gauge') {
      metrics.push({
        descriptor: { name: m.name, description: m.help, unit: '', valueType: ValueType.DOUBLE },
        aggregationTemporality: AggregationTemporality.CUMULATIVE,
        dataPointType: DataPointType.GAUGE,
        dataPoints: m.values.map((v) => ({ startTime: start, endTime: now, attributes: labels(v.labels), value: v.value })),
      });
    } else if (type === 'histogram') {
      metrics.push(histogram(m, start, now));
    }
  }
  return { resource, scopeMetrics: [{ scope: { name: 'tributary' }, metrics }] };
}

function histogram(m: MetricObjectWithValues<MetricValue<string>>, start: [number, number], now: [number, number]): MetricData {
  // prom-client lists _bucket (cumulative, with le), _sum and _count values per label set.
  const series = new Map<string, { attrs: Record<string, string>; les: [number, number][]; sum: number; count: number }>();
  for (const v of m.values) {
    const { le, ...rest } = v.labels as Record<string, string | number>;
    const attrs = labels(rest);
    const key = JSON.stringify(attrs);
    let s = series.get(key);
    if (s === undefined) series.set(key, (s = { attrs, les: [], sum: 0, count: 0 }));
    const metricName = (v as { metricName?: string }).metricName ?? '';
    if (metricName.endsWith('_bucket')) s.les.push([le === '+Inf' ? Infinity : Number(le), v.value]);
    else if (metricName.endsWith('_sum')) s.sum = v.value;
    else if (metricName.endsWith('_count')) s.count = v.value;
  }
  return {
    descriptor: { name: m.name, description: m.help, unit: '', valueType: ValueType.DOUBLE },
    aggregationTemporality: AggregationTemporality.CUMULATIVE,
    dataPointType: DataPointType.HISTOGRAM,
    dataPoints: [...series.values()].map((s) => {
      s.les.sort((a, b) => a[0] - b[0]);
      const boundaries = s.les.filter(([le]) => le !== Infinity).map(([le]) => le);
      const counts = s.les.map(([, c], i) => c - (i > 0 ? s.les[i - 1][1] : 0));
      return { startTime: start, endTime: now, attributes: s.attrs, value: { buckets: { boundaries, counts }, sum: s.sum, count: s.count } };
    }),
  };
}

function labels(l: Partial<Record<string, string | number>>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(l)) if (v !== undefined) out[k] = String(v);
  return out;
}

function hr(ms: number): [number, number] {
  return [Math.floor(ms / 1000), (ms % 1000) * 1e6];
}
