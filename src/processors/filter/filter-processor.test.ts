import { describe, expect, it } from 'vitest';
import { EMPTY_CONTEXT } from '../../component/component.js';
import { appendBatch } from '../../model/batch.js';
import { type MetricBatch, countPoints } from '../../model/metric.js';
import { batchOf, numberMetric } from '../../test-kit/batches.js';
import { SinkConsumer } from '../../test-kit/consumers.js';
import { lifecycleSuite } from '../../test-kit/lifecycle-suite.js';
import { histogramMetric, viewBatch } from '../../test-kit/metric-view.js';
import { testSettings } from '../../test-kit/settings.js';
import { filterSchema, validateFilter } from './config.js';
import { filterProcessorFactory } from './factory.js';

lifecycleSuite(filterProcessorFactory, { metrics: { exclude: { match_type: 'strict', metric_names: ['x'] } } });

/**
 * Resource a (env=prod): cpu (gauge, core 0 and 1), requests (cumulative sum,
 * code 200 and 500), latency (histogram). Resource b (env=dev): cpu (core 0).
 */
function input(): MetricBatch {
  const b = batchOf(
    [
      numberMetric({ name: 'cpu', points: [{ value: 0.5, attrs: { core: '0' } }, { value: 0.7, attrs: { core: '1' } }] }),
      numberMetric({ name: 'requests', type: 'sum', points: [{ value: 10, attrs: { code: '200' } }, { value: 2, attrs: { code: '500' } }] }),
      histogramMetric({ name: 'latency', bounds: [10], points: [{ buckets: [3, 1], sum: 42 }] }),
    ],
    { 'service.name': 'a', env: 'prod' },
  );
  appendBatch(b, batchOf([numberMetric({ name: 'cpu', points: [{ value: 0.9, attrs: { core: '0' } }] })], { 'service.name': 'b', env: 'dev' }));
  return b;
}

const ALL = {
  'a/cpu': ['core=0 0.5', 'core=1 0.7'],
  'a/requests': ['code=200 10', 'code=500 2'],
  'a/latency': ['count=4 sum=42'],
  'b/cpu': ['core=0 0.9'],
};

async function run(metrics: object): Promise<{ view: Record<string, string[]>; calls: number }> {
  const config = filterSchema.parse({ metrics });
  expect(validateFilter(config)).toEqual([]);
  const sink = new SinkConsumer();
  const p = filterProcessorFactory.create(testSettings('processor', 'filter'), config, sink);
  await p.consume(input(), EMPTY_CONTEXT);
  return { view: sink.batches[0] === undefined ? {} : viewBatch(sink.batches[0]), calls: sink.batches.length };
}

function without(...keys: string[]): Record<string, string[]> {
  return Object.fromEntries(Object.entries(ALL).filter(([k]) => !keys.includes(k)));
}

describe('filter processor', () => {
  it.each<[string, object, Record<string, string[]>]>([
    // legacy include/exclude
    ['exclude strict names', { exclude: { match_type: 'strict', metric_names: ['cpu'] } }, without('a/cpu', 'b/cpu')],
    ['include strict names', { include: { match_type: 'strict', metric_names: ['cpu'] } }, { 'a/cpu': ALL['a/cpu'], 'b/cpu': ALL['b/cpu'] }],
    ['exclude regexp names (unanchored)', { exclude: { match_type: 'regexp', metric_names: ['que'] } }, without('a/requests')],
    ['include regexp names', { include: { match_type: 'regexp', metric_names: ['^(cpu|latency)$'] } }, without('a/requests')],
    ['include resource_attributes', { include: { match_type: 'strict', resource_attributes: [{ key: 'env', value: 'dev' }] } }, { 'b/cpu': ALL['b/cpu'] }],
    ['exclude resource_attributes regexp', { exclude: { match_type: 'regexp', resource_attributes: [{ key: 'env', value: '^pro' }] } }, { 'b/cpu': ALL['b/cpu'] }],
    [
      'include names and resources: both must match',
      { include: { match_type: 'strict', metric_names: ['cpu'], resource_attributes: [{ key: 'env', value: 'prod' }] } },
      { 'a/cpu': ALL['a/cpu'] },
    ],
    [
      'include and exclude together',
      { include: { match_type: 'regexp', metric_names: ['.*'] }, exclude: { match_type: 'strict', metric_names: ['latency'] } },
      without('a/latency'),
    ],
    // OTTL metric conditions
    ['metric: name ==', { metric: ['name == "requests"'] }, without('a/requests')],
    ['metric: IsMatch on name', { metric: ['IsMatch(name, "^c")'] }, without('a/cpu', 'b/cpu')],
    ['metric: by type', { metric: ['type == METRIC_DATA_TYPE_HISTOGRAM'] }, without('a/latency')],
    ['metric: by resource attribute', { metric: ['resource.attributes["env"] == "dev"'] }, without('b/cpu')],
    ['metric: conditions are ORed', { metric: ['name == "cpu"', 'type == METRIC_DATA_TYPE_SUM'] }, { 'a/latency': ALL['a/latency'] }],
    ['metric: HasAttrOnDatapoint', { metric: ['HasAttrOnDatapoint("code", "500")'] }, without('a/requests')],
    // OTTL datapoint conditions
    ['datapoint: by attribute', { datapoint: ['attributes["code"] == "500"'] }, { ...ALL, 'a/requests': ['code=200 10'] }],
    ['datapoint: by attribute and metric name', { datapoint: ['metric.name == "cpu" and attributes["core"] == "1"'] }, { ...ALL, 'a/cpu': ['core=0 0.5'] }],
    ['datapoint: by value (doubles only; a histogram has no value_double)', { datapoint: ['value_double > 0.6'] }, { 'a/cpu': ['core=0 0.5'], 'a/latency': ALL['a/latency'] }],
    ['datapoint: a metric whose points are all dropped disappears', { datapoint: ['attributes["code"] != nil'] }, without('a/requests')],
    ['datapoint: by metric type', { datapoint: ['metric.type == METRIC_DATA_TYPE_GAUGE'] }, { 'a/requests': ALL['a/requests'], 'a/latency': ALL['a/latency'] }],
  ])('%s', async (_name, metrics, want) => {
    const expected = Object.fromEntries(Object.entries(want).filter(([, v]) => v.length > 0));
    expect((await run(metrics)).view).toEqual(expected);
  });

  it('hands nothing on when everything is dropped', async () => {
    expect(await run({ include: { match_type: 'strict', metric_names: ['nothing'] } })).toEqual({ view: {}, calls: 0 });
  });

  it('passes the batch itself on when nothing is dropped, and never changes its input', async () => {
    const config = filterSchema.parse({ metrics: { datapoint: ['attributes["code"] == "500"'] } });
    const sink = new SinkConsumer();
    const p = filterProcessorFactory.create(testSettings('processor', 'filter'), config, sink);
    const b = input();
    await p.consume(b, EMPTY_CONTEXT);
    expect(countPoints(b)).toBe(6);
    expect(countPoints(sink.batches[0])).toBe(5);
    expect(sink.batches[0]).not.toBe(b);
    const untouched = batchOf([numberMetric({ name: 'other', points: [{ value: 1 }] })]);
    await p.consume(untouched, EMPTY_CONTEXT);
    expect(sink.batches[1]).toBe(untouched);
    expect(p.mutates).toBe(false);
  });

  it.each<[string, object, string]>([
    ['mixing the syntaxes', { include: { match_type: 'strict', metric_names: ['a'] }, metric: ['name == "a"'] }, 'metrics: use either include/exclude or the OTTL conditions'],
    ['match_type expr', { exclude: { match_type: 'expr', expressions: ['Label("a") == "b"'] } }, 'metrics::exclude: the expr language (match_type: expr, expressions) is not supported'],
    ['an unknown match_type', { exclude: { match_type: 'glob', metric_names: ['a'] } }, 'metrics::exclude::match_type: must be one of: strict, regexp (got "glob")'],
    ['include with nothing to match', { include: { match_type: 'strict' } }, 'metrics::include: needs metric_names or resource_attributes'],
    ['a bad regexp', { include: { match_type: 'regexp', metric_names: ['a('] } }, 'metrics::include::metric_names::0: invalid regular expression'],
    ['an unsupported OTTL path', { datapoint: ['span.name == "x"'] }, 'metrics::datapoint::0: path "span.name" (column 1) is not supported in the datapoint context'],
    ['an unsupported OTTL function', { metric: ['Len(name) > 3'] }, 'metrics::metric::0: function Len (column 1) is not supported'],
  ])('rejects %s', (_name, metrics, message) => {
    expect(validateFilter(filterSchema.parse({ metrics })).join('\n')).toContain(message);
  });
});
