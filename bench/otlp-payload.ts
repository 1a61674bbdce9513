import { otlpType } from '../src/model/otlp/schema.js';

/**
 * The benchmark payload named in the Core issue: 1,000 series x 10 points,
 * 8 attributes per series, with histograms among them. 100 metrics of 10
 * series each: 60 sums, 10 gauges, 20 explicit histograms (11 buckets),
 * 10 exponential histograms (20 + 5 buckets).
 */
export interface PayloadShape {
  readonly metrics: number;
  readonly seriesPerMetric: number;
  readonly pointsPerSeries: number;
  readonly attributesPerSeries: number;
}

export const CORE_PAYLOAD: PayloadShape = { metrics: 100, seriesPerMetric: 10, pointsPerSeries: 10, attributesPerSeries: 8 };

const T0 = 1_700_000_000_000_000_000n;

export function otlpRequestObject(shape: PayloadShape = CORE_PAYLOAD, runId = 'bench'): object {
  const metrics: object[] = [];
  for (let m = 0; m < shape.metrics; m++) {
    const kind = m < 60 ? 'sum' : m < 70 ? 'gauge' : m < 90 ? 'histogram' : 'exponentialHistogram';
    const dataPoints: object[] = [];
    for (let s = 0; s < shape.seriesPerMetric; s++) {
      const attributes = [];
      for (let a = 0; a < shape.attributesPerSeries; a++) {
        attributes.push({ key: `attr_${a}`, value: { stringValue: a === 0 ? `series-${s}` : `value-${a}-${s % 3}` } });
      }
      for (let p = 0; p < shape.pointsPerSeries; p++) {
        const timeUnixNano = (T0 + BigInt(p) * 10_000_000_000n).toString();
        const startTimeUnixNano = T0.toString();
        const v = (m + 1) * (s + 1) * (p + 1);
        if (kind === 'histogram') {
          dataPoints.push({
            attributes, startTimeUnixNano, timeUnixNano, count: v * 11, sum: v * 42.5, min: 0.1, max: 900,
            bucketCounts: Array.from({ length: 11 }, () => v),
            explicitBounds: [5, 10, 25, 50, 75, 100, 250, 500, 750, 1000],
          });
        } else if (kind === 'exponentialHistogram') {
          dataPoints.push({
            attributes, startTimeUnixNano, timeUnixNano, count: v * 25, sum: v * 3.5, scale: 3, zeroCount: 0,
            positive: { offset: 4, bucketCounts: Array.from({ length: 20 }, () => v) },
            negative: { offset: 1, bucketCounts: Array.from({ length: 5 }, () => v) },
          });
        } else {
          dataPoints.push({ attributes, startTimeUnixNano, timeUnixNano, asDouble: v + 0.25 });
        }
      }
    }
    const name = `${runId}_metric_${m}`;
    if (kind === 'sum') metrics.push({ name, unit: 'By', sum: { dataPoints, aggregationTemporality: 2, isMonotonic: true } });
    else if (kind === 'gauge') metrics.push({ name, unit: '1', gauge: { dataPoints } });
    else if (kind === 'histogram') metrics.push({ name, unit: 'ms', histogram: { dataPoints, aggregationTemporality: 2 } });
    else metrics.push({ name, unit: 'ms', exponentialHistogram: { dataPoints, aggregationTemporality: 2 } });
  }
  const resourceAttributes = Object.entries({
    'service.name': 'bench', 'service.namespace': 'tributary', 'service.instance.id': 'bench-1',
    'cloud.provider': 'aws', 'cloud.region': 'eu-west-1', 'cloud.account.id': '123456789012',
    'host.name': 'ip-10-0-0-1', 'deployment.environment': 'prod',
  }).map(([key, v]) => ({ key, value: { stringValue: v } }));
  return {
    resourceMetrics: [
      { resource: { attributes: resourceAttributes }, scopeMetrics: [{ scope: { name: 'bench', version: '1.0.0' }, metrics }] },
    ],
  };
}

export function otlpRequestBytes(shape: PayloadShape = CORE_PAYLOAD, runId = 'bench'): Buffer {
  const Req = otlpType('ExportMetricsServiceRequest');
  return Buffer.from(Req.encode(Req.fromObject(otlpRequestObject(shape, runId))).finish());
}

export function pointCount(shape: PayloadShape = CORE_PAYLOAD): number {
  return shape.metrics * shape.seriesPerMetric * shape.pointsPerSeries;
}
