import { describe, expect, it } from 'vitest';
import type { GaugeMetric, Metric, MetricBatch, SummaryMetric } from '../../model/metric.js';
import { MetricType } from '../../model/metric.js';
import { timeString } from '../../model/time.js';
import { OTEL_UNIT, STANDARD_UNITS } from './limits.js';
import { NAMESPACE_ATTRIBUTE, PutMetricDataMapper } from './map.js';
import { readPutMetricData } from './request.js';

const NOW = Date.parse('2026-03-01T12:00:00Z');

function map(input: Record<string, unknown>, stamp: Record<string, string> = { site: 'paris', account: '123456789012' }): MetricBatch {
  const r = readPutMetricData(input, NOW);
  if (!r.ok) throw r.error;
  return new PutMetricDataMapper().map(r.request, stamp, NOW);
}

const metrics = (b: MetricBatch): Metric[] => b.resourceMetrics.flatMap((rm) => rm.scopeMetrics.flatMap((sm) => sm.metrics));

/** Point i of a summary as plain data. */
function summaryPoint(m: SummaryMetric, i = 0) {
  const p = m.points;
  const qs: [number, number][] = [];
  for (let k = p.quantileStart[i]; k < p.quantileStart[i + 1]; k++) qs.push([p.quantiles[k], p.quantileValues[k]]);
  return { count: p.counts[i], sum: p.sums[i], quantiles: qs, attributes: p.attributes[i].toObject(), time: timeString(p.times, i) };
}

describe('PutMetricData -> model', () => {
  it('maps Value to a gauge point with dimensions, namespace and the key\'s attributes', () => {
    const b = map({ Namespace: 'Site/App', MetricData: [{ MetricName: 'cpu', Value: 42.5, Unit: 'Percent', Timestamp: 1772366340.312, Dimensions: [{ Name: 'Host', Value: 'h1' }] }] });
    const [m] = metrics(b) as GaugeMetric[];
    expect(m).toMatchObject({ name: 'cpu', unit: '%', type: MetricType.Gauge });
    expect(m.metadata.toObject()).toEqual({ 'cloudwatch.storage_resolution': 60n, 'cloudwatch.unit': 'Percent' });
    expect(m.points.values[0]).toBe(42.5);
    expect(m.points.attributes[0].toObject()).toEqual({ Host: 'h1', [NAMESPACE_ATTRIBUTE]: 'Site/App', site: 'paris', account: '123456789012' });
    expect(timeString(m.points.times, 0)).toBe('1772366340312000000');
    expect(b.resourceMetrics[0].scopeMetrics[0].scope.name).toBe('tributary/receiver/putmetricdata');
  });

  it('lets the key\'s attributes win over dimensions and the namespace attribute of the same name', () => {
    const [m] = metrics(map({ Namespace: 'N', MetricData: [{ MetricName: 'x', Value: 1, Dimensions: [{ Name: 'site', Value: 'forged' }, { Name: NAMESPACE_ATTRIBUTE, Value: 'other' }] }] }));
    expect(m.points.attributes[0].toObject()).toEqual({ site: 'paris', account: '123456789012', [NAMESPACE_ATTRIBUTE]: 'N' });
  });

  it('gives a datum without Timestamp the receive time', () => {
    const [m] = metrics(map({ Namespace: 'N', MetricData: [{ MetricName: 'x', Value: 1 }] }));
    expect(timeString(m.points.times, 0)).toBe(`${NOW}000000`);
  });

  it('maps StatisticValues to a summary: count, sum, quantile 0 = Minimum, quantile 1 = Maximum', () => {
    const [m] = metrics(map({ Namespace: 'N', MetricData: [{ MetricName: 'lat', Unit: 'Milliseconds', StatisticValues: { SampleCount: 10, Sum: 123, Minimum: 2, Maximum: 40 } }] })) as SummaryMetric[];
    expect(m).toMatchObject({ type: MetricType.Summary, unit: 'ms' });
    expect(summaryPoint(m)).toMatchObject({ count: 10, sum: 123, quantiles: [[0, 2], [1, 40]] });
  });

  it('maps Values/Counts to a summary with count, sum, min, max and the exact 0.5/0.9/0.99 quantiles', () => {
    const values = Array.from({ length: 100 }, (_, i) => 100 - i); // 100..1, unsorted on purpose
    const [m] = metrics(map({ Namespace: 'N', MetricData: [{ MetricName: 'lat', Values: values }] })) as SummaryMetric[];
    expect(summaryPoint(m)).toMatchObject({ count: 100, sum: 5050, quantiles: [[0, 1], [0.5, 50], [0.9, 90], [0.99, 99], [1, 100]] });

    const [w] = metrics(map({ Namespace: 'N', MetricData: [{ MetricName: 'w', Values: [7, 1, 5, 3], Counts: [0, 1, 2, 3] }] })) as SummaryMetric[];
    // 1 once, 3 three times, 5 twice; the 7 was never seen and takes no part.
    expect(summaryPoint(w)).toMatchObject({ count: 6, sum: 20, quantiles: [[0, 1], [0.5, 3], [0.9, 5], [0.99, 5], [1, 5]] });

    const [z] = metrics(map({ Namespace: 'N', MetricData: [{ MetricName: 'z', Values: [1, 2], Counts: [0, 0] }] })) as SummaryMetric[];
    expect(summaryPoint(z)).toMatchObject({ count: 0, sum: 0, quantiles: [] });
  });

  it('groups data by name, kind, unit and resolution, keeping request order', () => {
    const ms = metrics(
      map({
        Namespace: 'N',
        MetricData: [
          { MetricName: 'a', Value: 1, Dimensions: [{ Name: 'h', Value: '1' }] },
          { MetricName: 'b', Value: 2 },
          { MetricName: 'a', Value: 3, Dimensions: [{ Name: 'h', Value: '2' }] },
          { MetricName: 'a', Value: 4, StorageResolution: 1 },
          { MetricName: 'a', Value: 5, Unit: 'Seconds' },
          { MetricName: 'a', Values: [1] },
        ],
      }),
    );
    expect(ms.map((m) => [m.name, m.type, m.unit, m.points.length, m.metadata.get('cloudwatch.storage_resolution')])).toEqual([
      ['a', MetricType.Gauge, '', 2, 60n],
      ['b', MetricType.Gauge, '', 1, 60n],
      ['a', MetricType.Gauge, '', 1, 1n],
      ['a', MetricType.Gauge, 's', 1, 60n],
      ['a', MetricType.Summary, '', 1, 60n],
    ]);
    const a = ms[0] as GaugeMetric;
    expect([a.points.values[0], a.points.values[1]]).toEqual([1, 3]);
  });

  it('puts EntityMetricData under a resource with the entity\'s attributes', () => {
    const b = map({
      Namespace: 'N',
      MetricData: [{ MetricName: 'plain', Value: 1 }],
      EntityMetricData: [{ Entity: { KeyAttributes: { Type: 'Service', Name: 'checkout', Environment: 'prod' }, Attributes: { PlatformType: 'Generic' } }, MetricData: [{ MetricName: 'e', Value: 2 }] }],
    });
    expect(b.resourceMetrics.map((rm) => rm.resource.attributes.toObject())).toEqual([
      {},
      {
        'cloudwatch.entity.key.Type': 'Service',
        'cloudwatch.entity.key.Name': 'checkout',
        'cloudwatch.entity.key.Environment': 'prod',
        'cloudwatch.entity.attribute.PlatformType': 'Generic',
      },
    ]);
  });

  it('has an OpenTelemetry unit for every CloudWatch unit', () => {
    expect(Object.keys(OTEL_UNIT).sort()).toEqual([...STANDARD_UNITS].sort());
    expect(STANDARD_UNITS.map((u) => OTEL_UNIT[u])).toEqual([
      's', 'us', 'ms', 'By', 'kBy', 'MBy', 'GBy', 'TBy', 'bit', 'kbit', 'Mbit', 'Gbit', 'Tbit', '%', '{count}',
      'By/s', 'kBy/s', 'MBy/s', 'GBy/s', 'TBy/s', 'bit/s', 'kbit/s', 'Mbit/s', 'Gbit/s', 'Tbit/s', '{count}/s', '',
    ]);
  });
});
