import { describe, expect, it } from 'vitest';
import { EMPTY_CONTEXT } from '../../component/component.js';
import { Attributes } from '../../model/attributes.js';
import { type MetricBatch, type NumberPoints } from '../../model/metric.js';
import { setTimeMs } from '../../model/time.js';
import { batchOf, numberMetric } from '../../test-kit/batches.js';
import { SinkConsumer } from '../../test-kit/consumers.js';
import { lifecycleSuite } from '../../test-kit/lifecycle-suite.js';
import { histogramMetric, viewBatch } from '../../test-kit/metric-view.js';
import { testSettings } from '../../test-kit/settings.js';
import { metricsTransformSchema, validateMetricsTransform } from './config.js';
import { metricsTransformProcessorFactory } from './factory.js';

lifecycleSuite(metricsTransformProcessorFactory, { transforms: [{ include: 'a', action: 'update', new_name: 'b' }] });

const T2 = 1_700_000_010_000;

/**
 * cpu_seconds (cumulative sum): 4 series over cpu x mode, at one time, plus
 * one point of cpu=0,mode=user at a later time. mem (gauge, int values).
 * latency (histogram): two series by route.
 */
function input(): MetricBatch {
  const mem = numberMetric({ name: 'mem', points: [{ value: 10, attrs: { host: 'a' } }, { value: 3, attrs: { host: 'b' } }] });
  (mem.points as NumberPoints).isInt.fill(1);
  return batchOf([
    numberMetric({
      name: 'cpu_seconds',
      type: 'sum',
      points: [
        { value: 1, attrs: { cpu: '0', mode: 'user' } },
        { value: 2, attrs: { cpu: '0', mode: 'system' } },
        { value: 3, attrs: { cpu: '1', mode: 'user' } },
        { value: 4, attrs: { cpu: '1', mode: 'system' } },
        { value: 5, attrs: { cpu: '0', mode: 'user' }, timeMs: T2 },
      ],
    }),
    mem,
    histogramMetric({
      name: 'latency',
      bounds: [10, 100],
      points: [
        { buckets: [1, 2, 3], sum: 100, attrs: { route: '/a', code: '200' }, min: 1, max: 200 },
        { buckets: [4, 5, 6], sum: 300, attrs: { route: '/b', code: '200' }, min: 0.5, max: 150 },
      ],
    }),
  ]);
}

const CPU = ['cpu=0,mode=user 1', 'cpu=0,mode=system 2', 'cpu=1,mode=user 3', 'cpu=1,mode=system 4', 'cpu=0,mode=user 5'];
const ALL = { '/cpu_seconds': CPU, '/mem': ['host=a 10', 'host=b 3'], '/latency': ['code=200,route=/a count=6 sum=100', 'code=200,route=/b count=15 sum=300'] };

async function run(transforms: object[]): Promise<MetricBatch> {
  const config = metricsTransformSchema.parse({ transforms });
  expect(validateMetricsTransform(config)).toEqual([]);
  const sink = new SinkConsumer();
  const p = metricsTransformProcessorFactory.create(testSettings('processor', 'metricstransform'), config, sink);
  await p.consume(input(), EMPTY_CONTEXT);
  return sink.batches[0];
}

describe('metricstransform processor', () => {
  it.each<[string, object[], Record<string, string[]>]>([
    ['rename (strict)', [{ include: 'mem', action: 'update', new_name: 'memory_bytes' }], { '/cpu_seconds': CPU, '/memory_bytes': ALL['/mem'], '/latency': ALL['/latency'] }],
    [
      'rename (regexp with groups)',
      [{ include: '^(.*)_seconds$', match_type: 'regexp', action: 'update', new_name: 'node_${1}_seconds_total' }],
      { '/node_cpu_seconds_total': CPU, '/mem': ALL['/mem'], '/latency': ALL['/latency'] },
    ],
    [
      'rename (regexp with a named group, ${name})',
      [{ include: '^(?P<what>[a-z]+)$', match_type: 'regexp', action: 'update', new_name: 'app.${what}' }],
      { '/cpu_seconds': CPU, '/app.mem': ALL['/mem'], '/app.latency': ALL['/latency'] },
    ],
    ['insert adds a renamed copy after the originals', [{ include: 'mem', action: 'insert', new_name: 'mem_copy' }], { ...ALL, '/mem_copy': ALL['/mem'] }],
    [
      'rename a label',
      [{ include: 'mem', action: 'update', operations: [{ action: 'update_label', label: 'host', new_label: 'instance' }] }],
      { ...ALL, '/mem': ['instance=a 10', 'instance=b 3'] },
    ],
    [
      'map label values',
      [{ include: 'cpu_seconds', action: 'update', operations: [{ action: 'update_label', label: 'mode', value_actions: [{ value: 'user', new_value: 'usr' }] }] }],
      { ...ALL, '/cpu_seconds': ['cpu=0,mode=usr 1', 'cpu=0,mode=system 2', 'cpu=1,mode=usr 3', 'cpu=1,mode=system 4', 'cpu=0,mode=usr 5'] },
    ],
    [
      'rename a label and map its values together',
      [{ include: 'mem', action: 'update', operations: [{ action: 'update_label', label: 'host', new_label: 'node', value_actions: [{ value: 'a', new_value: 'alpha' }] }] }],
      { ...ALL, '/mem': ['node=alpha 10', 'node=b 3'] },
    ],
    [
      'add a label (kept where it exists)',
      [
        { include: 'mem', action: 'update', operations: [{ action: 'add_label', new_label: 'unit', new_value: 'bytes' }] },
        { include: 'mem', action: 'update', operations: [{ action: 'add_label', new_label: 'host', new_value: 'ignored' }] },
      ],
      { ...ALL, '/mem': ['host=a,unit=bytes 10', 'host=b,unit=bytes 3'] },
    ],
    [
      'delete a label value (drops those points)',
      [{ include: 'mem', action: 'update', operations: [{ action: 'delete_label_value', label: 'host', label_value: 'a' }] }],
      { ...ALL, '/mem': ['host=b 3'] },
    ],
    [
      'delete every point removes the metric',
      [{ include: 'latency', action: 'update', operations: [{ action: 'delete_label_value', label: 'code', label_value: 200 }] }],
      { '/cpu_seconds': CPU, '/mem': ALL['/mem'] },
    ],
    [
      'aggregate_labels sum (per timestamp)',
      [{ include: 'cpu_seconds', action: 'update', operations: [{ action: 'aggregate_labels', label_set: ['mode'], aggregation_type: 'sum' }] }],
      { ...ALL, '/cpu_seconds': ['mode=user 4', 'mode=system 6', 'mode=user 5'] },
    ],
    [
      'aggregate_labels mean',
      [{ include: 'cpu_seconds', action: 'update', operations: [{ action: 'aggregate_labels', label_set: ['cpu'], aggregation_type: 'mean' }] }],
      { ...ALL, '/cpu_seconds': ['cpu=0 1.5', 'cpu=1 3.5', 'cpu=0 5'] },
    ],
    [
      'aggregate_labels min',
      [{ include: 'cpu_seconds', action: 'update', operations: [{ action: 'aggregate_labels', label_set: ['mode'], aggregation_type: 'min' }] }],
      { ...ALL, '/cpu_seconds': ['mode=user 1', 'mode=system 2', 'mode=user 5'] },
    ],
    [
      'aggregate_labels max',
      [{ include: 'cpu_seconds', action: 'update', operations: [{ action: 'aggregate_labels', label_set: [], aggregation_type: 'max' }] }],
      { ...ALL, '/cpu_seconds': ['4', '5'] },
    ],
    [
      'aggregate_labels mean of ints truncates',
      [{ include: 'mem', action: 'update', operations: [{ action: 'aggregate_labels', label_set: [], aggregation_type: 'mean' }] }],
      { ...ALL, '/mem': ['6'] },
    ],
    [
      'aggregate_labels on a histogram adds up counts, sums and buckets',
      [{ include: 'latency', action: 'update', operations: [{ action: 'aggregate_labels', label_set: ['code'], aggregation_type: 'sum' }] }],
      { ...ALL, '/latency': ['code=200 count=21 sum=400'] },
    ],
    [
      'aggregate_label_values',
      [{ include: 'cpu_seconds', action: 'update', operations: [{ action: 'aggregate_label_values', label: 'mode', aggregated_values: ['user', 'system'], new_value: 'all', aggregation_type: 'sum' }] }],
      { ...ALL, '/cpu_seconds': ['cpu=0,mode=all 3', 'cpu=1,mode=all 7', 'cpu=0,mode=all 5'] },
    ],
    [
      'operations run in order, after the rename',
      [
        {
          include: 'cpu_seconds',
          action: 'insert',
          new_name: 'cpu_by_mode',
          operations: [
            { action: 'aggregate_labels', label_set: ['mode'], aggregation_type: 'sum' },
            { action: 'update_label', label: 'mode', new_label: 'state' },
          ],
        },
      ],
      { ...ALL, '/cpu_by_mode': ['state=user 4', 'state=system 6', 'state=user 5'] },
    ],
    ['a strict include that matches nothing changes nothing', [{ include: 'cpu', action: 'update', new_name: 'x' }], ALL],
    [
      'experimental_scale_value',
      [{ include: 'mem', action: 'update', operations: [{ action: 'experimental_scale_value', experimental_scale: 0.25 }] }],
      { ...ALL, '/mem': ['host=a 2', 'host=b 0'] },
    ],
  ])('%s', async (_name, transforms, want) => {
    expect(viewBatch(await run(transforms), 'none')).toEqual(want);
  });

  it('keeps the merged histogram exact: buckets, min, max and the earliest start', async () => {
    const b = await run([{ include: 'latency', action: 'update', operations: [{ action: 'aggregate_labels', label_set: [], aggregation_type: 'sum' }] }]);
    const p = b.resourceMetrics[0].scopeMetrics[0].metrics[2].points;
    if (p.kind !== 'histogram') throw new Error('expected a histogram');
    expect({ counts: Array.from(p.bucketCounts), bounds: Array.from(p.bounds), min: p.mins[0], max: p.maxs[0], attrs: p.attributes[0] }).toEqual({
      counts: [5, 7, 9],
      bounds: [10, 100],
      min: 0.5,
      max: 200,
      attrs: Attributes.EMPTY,
    });
  });

  it('aggregates delta points by start time too, taking the earliest start', async () => {
    const m = numberMetric({ name: 'd', type: 'sum', temporality: 'delta', points: [{ value: 1, attrs: { a: '1' } }, { value: 2, attrs: { a: '2' } }] });
    setTimeMs(m.points.startTimes, 1, 1_699_999_500_000);
    const config = metricsTransformSchema.parse({ transforms: [{ include: 'd', action: 'update', operations: [{ action: 'aggregate_labels', label_set: [], aggregation_type: 'sum' }] }] });
    const sink = new SinkConsumer();
    await metricsTransformProcessorFactory.create(testSettings('processor', 'metricstransform'), config, sink).consume(batchOf([m]), EMPTY_CONTEXT);
    expect(viewBatch(sink.batches[0], 'none')).toEqual({ '/d': ['1', '2'] });
    const cumulative = numberMetric({ name: 'd', type: 'sum', points: [{ value: 1, attrs: { a: '1' } }, { value: 2, attrs: { a: '2' } }] });
    setTimeMs(cumulative.points.startTimes, 1, 1_699_999_500_000);
    await metricsTransformProcessorFactory.create(testSettings('processor', 'metricstransform'), config, sink).consume(batchOf([cumulative]), EMPTY_CONTEXT);
    expect(viewBatch(sink.batches[1], 'none')).toEqual({ '/d': ['3'] });
    expect(sink.batches[1].resourceMetrics[0].scopeMetrics[0].metrics[0].points.startTimes[0]).toBe(cumulative.points.startTimes[0]);
  });

  it('toggles ints and doubles', async () => {
    const b = await run([{ include: 'mem', action: 'update', operations: [{ action: 'toggle_scalar_data_type' }] }]);
    const p = b.resourceMetrics[0].scopeMetrics[0].metrics[1].points as NumberPoints;
    expect(Array.from(p.isInt)).toEqual([0, 0]);
  });

  it.each<[string, object[], string]>([
    ['no transforms', [], 'transforms: at least one transform is required'],
    ['combine', [{ include: 'a', action: 'combine', new_name: 'b' }], 'transforms::0::action: "combine" is not supported by Tributary; use update or insert'],
    ['group', [{ include: 'a', action: 'group' }], 'transforms::0::action: "group" is not supported'],
    ['experimental_match_labels', [{ include: 'a', action: 'update', experimental_match_labels: { k: 'v' } }], 'transforms::0::experimental_match_labels: not supported'],
    ['insert without new_name', [{ include: 'a', action: 'insert' }], 'transforms::0::new_name: required for action insert'],
    ['a bad regexp', [{ include: '(', match_type: 'regexp', action: 'update', new_name: 'x' }], 'transforms::0::include: invalid regular expression'],
    ['add_label without a value', [{ include: 'a', action: 'update', operations: [{ action: 'add_label', new_label: 'x' }] }], 'transforms::0::operations::0::new_value: required for add_label'],
    ['update_label with nothing to do', [{ include: 'a', action: 'update', operations: [{ action: 'update_label', label: 'x' }] }], 'transforms::0::operations::0: update_label needs new_label, value_actions or both'],
    [
      'an unknown aggregation',
      [{ include: 'a', action: 'update', operations: [{ action: 'aggregate_labels', label_set: ['x'], aggregation_type: 'median' }] }],
      'transforms::0::operations::0::aggregation_type: must be one of: sum, mean, min, max (got "median")',
    ],
    ['scale without a factor', [{ include: 'a', action: 'update', operations: [{ action: 'experimental_scale_value' }] }], 'transforms::0::operations::0::experimental_scale: required'],
  ])('rejects %s', (_name, transforms, message) => {
    expect(validateMetricsTransform(metricsTransformSchema.parse({ transforms })).join('\n')).toContain(message);
  });
});
