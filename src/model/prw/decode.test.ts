import { describe, expect, it } from 'vitest';
import { TributaryError } from '../../errors/tributary-error.js';
import { metricRows } from '../../test-kit/metric-rows.js';
import { type RwSeries, encodeV1, encodeV2, labelsOf } from '../../test-kit/prw-encode.js';
import { PrwDecoder } from './decoder.js';
import { PromType } from './metadata.js';

const T = 1_700_000_000_123;
const NS = '1700000000123000000';
const NS2 = '1700000015123000000';

function v1(series: RwSeries[], metadata: Parameters<typeof encodeV1>[1] = [], d = new PrwDecoder()) {
  const out = d.decodeV1(encodeV1(series, metadata));
  return { ...out, rows: metricRows(out.batch) };
}

function v2(series: RwSeries[], d = new PrwDecoder()) {
  const out = d.decodeV2(encodeV2(series));
  return { ...out, rows: metricRows(out.batch) };
}

function rejects(f: () => unknown, message: RegExp, status = 400): void {
  let err: unknown;
  try {
    f();
  } catch (e) {
    err = e;
  }
  expect(err, 'expected a TributaryError').toBeInstanceOf(TributaryError);
  expect((err as TributaryError).def.http).toBe(status);
  expect((err as TributaryError).message).toMatch(message);
}

describe('remote write 1.0: labels, resource and scope', () => {
  const cases: [string, Record<string, string>, object][] = [
    [
      'job and instance become the resource; other labels point attributes',
      { __name__: 'up', job: 'node', instance: 'host:9100', env: 'prod' },
      { resource: { 'service.name': 'node', 'service.instance.id': 'host:9100' }, attrs: { env: 'prod' }, name: 'up', scope: '' },
    ],
    ['job "ns/name" splits into service.namespace and service.name', { __name__: 'up', job: 'shop/checkout' }, { resource: { 'service.namespace': 'shop', 'service.name': 'checkout' } }],
    ['a job with more slashes splits at the first', { __name__: 'up', job: 'a/b/c' }, { resource: { 'service.namespace': 'a', 'service.name': 'b/c' } }],
    ['a job starting or ending with "/" is the service name', { __name__: 'up', job: '/x' }, { resource: { 'service.name': '/x' } }],
    ['no job or instance: an empty resource', { __name__: 'up', a: 'b' }, { resource: {}, attrs: { a: 'b' } }],
    ['otel_scope_name / _version become the scope', { __name__: 'up', otel_scope_name: 'lib', otel_scope_version: '1.2' }, { scope: 'lib@1.2', attrs: {} }],
    ['a label with an empty value is dropped', { __name__: 'up', gone: '', kept: 'x' }, { attrs: { kept: 'x' } }],
    ['label values are kept byte for byte', { __name__: 'up', path: '/a b/ü/"q"', le_x: '1.0' }, { attrs: { le_x: '1.0', path: '/a b/ü/"q"' } }],
  ];
  it.each(cases)('%s', (_, labels, want) => {
    const { rows } = v1([{ labels: labelsOf(labels), samples: [{ value: 1, ts: T }] }]);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ type: 'gauge', value: 1, time: NS, start: '0', flags: 0, promType: 'unknown', ...want });
  });

  it('accepts unsorted labels', () => {
    const { rows } = v1([{ labels: [['z', '1'], ['__name__', 'up'], ['a', '2']], samples: [{ value: 3, ts: T }] }]);
    expect(rows[0]).toMatchObject({ name: 'up', attrs: { a: '2', z: '1' }, value: 3 });
  });

  it('merges TimeSeries messages with the same labels into one series, keeping sample order', () => {
    const labels = labelsOf({ __name__: 'g', job: 'j' });
    const { rows, samples } = v1([
      { labels, samples: [{ value: 1, ts: T }] },
      { labels: labelsOf({ __name__: 'other', job: 'j' }), samples: [{ value: 5, ts: T }] },
      { labels, samples: [{ value: 2, ts: T + 15_000 }] },
    ]);
    expect(samples).toBe(3);
    expect(rows.filter((r) => r.name === 'g').map((r) => [r.value, r.time])).toEqual([
      [1, NS],
      [2, NS2],
    ]);
    // One resource, two metrics.
    expect(new Set(rows.map((r) => JSON.stringify(r.resource))).size).toBe(1);
  });

  it('groups metrics by resource: one ResourceMetrics per job/instance', () => {
    const out = v1([
      { labels: labelsOf({ __name__: 'up', job: 'a', instance: '1' }), samples: [{ value: 1, ts: T }] },
      { labels: labelsOf({ __name__: 'up', job: 'a', instance: '2' }), samples: [{ value: 1, ts: T }] },
      { labels: labelsOf({ __name__: 'load', job: 'a', instance: '1' }), samples: [{ value: 1, ts: T }] },
    ]);
    expect(out.batch.resourceMetrics).toHaveLength(2);
    expect(out.batch.resourceMetrics[0].scopeMetrics[0].metrics.map((m) => m.name)).toEqual(['up', 'load']);
  });

  it('converts timestamps from ms to ns exactly, at the extremes too', () => {
    const { rows } = v1([{ labels: labelsOf({ __name__: 'g' }), samples: [{ value: 1, ts: 1 }, { value: 2, ts: 4_102_444_800_000 }, { value: 3, ts: 0 }] }]);
    expect(rows.map((r) => r.time)).toEqual(['1000000', '4102444800000000000', '0']);
  });
});

describe('remote write 1.0: values and stale markers', () => {
  it('a staleness marker (NaN 0x7ff0000000000002) becomes NO_RECORDED_VALUE; an ordinary NaN stays a value', () => {
    const { rows } = v1([{ labels: labelsOf({ __name__: 'g' }), samples: [{ value: 'stale', ts: T }, { value: NaN, ts: T + 15_000 }, { value: -0.5, ts: T + 30_000 }] }]);
    expect(rows.map((r) => [r.flags, r.value])).toEqual([
      [1, 0],
      [0, NaN],
      [0, -0.5],
    ]);
  });

  it('keeps +Inf, -Inf and the smallest subnormal', () => {
    const { rows } = v1([{ labels: labelsOf({ __name__: 'g' }), samples: [{ value: Infinity, ts: 1 }, { value: -Infinity, ts: 2 }, { value: 5e-324, ts: 3 }] }]);
    expect(rows.map((r) => r.value)).toEqual([Infinity, -Infinity, 5e-324]);
  });
});

describe('remote write 1.0: metadata', () => {
  it('types a family from metadata in the same request: counter -> monotonic cumulative sum, unit and help', () => {
    const { rows } = v1([{ labels: labelsOf({ __name__: 'http_requests_total', code: '200' }), samples: [{ value: 7, ts: T }] }], [
      { type: PromType.COUNTER, family: 'http_requests_total', help: 'Requests served.', unit: 'seconds' },
    ]);
    expect(rows[0]).toMatchObject({ type: 'sum', monotonic: true, value: 7, unit: 's', description: 'Requests served.', promType: 'counter' });
  });

  it('remembers metadata sent in an earlier request (Prometheus sends it on its own)', () => {
    const d = new PrwDecoder();
    v1([], [{ type: PromType.GAUGE, family: 'temp', unit: 'celsius' }, { type: PromType.COUNTER, family: 'jobs' }], d);
    const { rows } = v1([{ labels: labelsOf({ __name__: 'temp' }), samples: [{ value: 21, ts: T }] }, { labels: labelsOf({ __name__: 'jobs_total' }), samples: [{ value: 3, ts: T }] }], [], d);
    expect(rows.map((r) => [r.name, r.type, r.unit, r.promType])).toEqual([
      ['temp', 'gauge', 'Cel', 'gauge'],
      // OpenMetrics names the counter family without _total.
      ['jobs_total', 'sum', '', 'counter'],
    ]);
  });

  const typed: [string, number, object][] = [
    ['gauge', PromType.GAUGE, { type: 'gauge', promType: 'gauge' }],
    ['info', PromType.INFO, { type: 'sum', monotonic: false, promType: 'info' }],
    ['stateset', PromType.STATESET, { type: 'sum', monotonic: false, promType: 'stateset' }],
    ['unknown', PromType.UNKNOWN, { type: 'gauge', promType: 'unknown' }],
  ];
  it.each(typed)('%s', (_, type, want) => {
    const { rows } = v1([{ labels: labelsOf({ __name__: 'm' }), samples: [{ value: 1, ts: T }] }], [{ type, family: 'm' }]);
    expect(rows[0]).toMatchObject(want);
  });

  it('without metadata every series is a gauge, even one named *_total (as in the Collector)', () => {
    const { rows } = v1([{ labels: labelsOf({ __name__: 'x_total' }), samples: [{ value: 1, ts: T }] }]);
    expect(rows[0]).toMatchObject({ type: 'gauge', promType: 'unknown' });
  });

  const units: [string, string][] = [
    ['seconds', 's'],
    ['bytes', 'By'],
    ['bytes_per_second', 'By/s'],
    ['per_second', '1/s'],
    ['ratio', '1'],
    ['widgets', 'widgets'],
  ];
  it.each(units)('unit %s -> %s', (prom, otel) => {
    const { rows } = v1([{ labels: labelsOf({ __name__: 'm' }), samples: [{ value: 1, ts: T }] }], [{ type: PromType.GAUGE, family: 'm', unit: prom }]);
    expect(rows[0].unit).toBe(otel);
  });
});

const bucketSeries = (base: Record<string, string>, counts: [string, number | 'stale'][], ts = T): RwSeries[] =>
  counts.map(([le, v]) => ({ labels: labelsOf({ ...base, __name__: 'lat_bucket', le }), samples: [{ value: v, ts }] }));

describe('classic histograms and summaries', () => {
  const hist = (sum: number | 'stale' | undefined, count: number | 'stale' | undefined, buckets: [string, number | 'stale'][]): RwSeries[] => [
    ...bucketSeries({ job: 'j', path: '/a' }, buckets),
    ...(sum === undefined ? [] : [{ labels: labelsOf({ __name__: 'lat_sum', job: 'j', path: '/a' }), samples: [{ value: sum, ts: T }] }]),
    ...(count === undefined ? [] : [{ labels: labelsOf({ __name__: 'lat_count', job: 'j', path: '/a' }), samples: [{ value: count, ts: T }] }]),
  ];
  const meta = [{ type: PromType.HISTOGRAM, family: 'lat', help: 'Latency.', unit: 'seconds' }];

  it('merges a complete histogram into one point: bounds, per-bucket counts, sum, count', () => {
    const { rows, samples } = v1(hist(12.5, 10, [['0.1', 2], ['1', 7], ['+Inf', 10]]), meta);
    expect(samples).toBe(5);
    expect(rows).toEqual([
      expect.objectContaining({ name: 'lat', type: 'histogram', attrs: { path: '/a' }, resource: { 'service.name': 'j' }, bounds: [0.1, 1], buckets: [2, 5, 3], count: 10, sum: 12.5, unit: 's', description: 'Latency.', promType: 'histogram', flags: 0, time: NS }),
    ]);
  });

  it('without _sum the sum is unset', () => {
    const { rows } = v1(hist(undefined, 3, [['1', 3], ['+Inf', 3]]), meta);
    expect(rows[0]).toMatchObject({ type: 'histogram', sum: undefined, count: 3 });
  });

  it('all parts stale: one point with NO_RECORDED_VALUE', () => {
    const { rows } = v1(hist('stale', 'stale', [['1', 'stale'], ['+Inf', 'stale']]), meta);
    expect(rows).toEqual([expect.objectContaining({ type: 'histogram', flags: 1, bounds: [1] })]);
  });

  const incomplete: [string, RwSeries[]][] = [
    ['no _count', hist(1, undefined, [['1', 1], ['+Inf', 1]])],
    ['no +Inf bucket', hist(1, 1, [['1', 1]])],
    ['+Inf differs from _count', hist(1, 2, [['1', 1], ['+Inf', 1]])],
    ['decreasing buckets', hist(1, 3, [['1', 3], ['2', 2], ['+Inf', 3]])],
    ['a non-canonical le ("1.0")', hist(1, 1, [['1.0', 1], ['+Inf', 1]])],
    ['an exponent le ("1e+06")', hist(1, 1, [['1e+06', 1], ['+Inf', 1]])],
    ['some parts stale, some not', hist(1, 'stale', [['1', 1], ['+Inf', 1]])],
    ['a fractional count', hist(1, 1.5, [['1', 1.5], ['+Inf', 1.5]])],
  ];
  it.each(incomplete)('keeps the series as gauges under their own names when %s', (_, series) => {
    const { rows } = v1(series, meta);
    expect(rows.every((r) => r.type === 'gauge' && r.promType === 'unknown')).toBe(true);
    expect(rows.map((r) => r.name).sort()).toEqual(series.map((s) => Object.fromEntries(s.labels).__name__).sort());
    const le = rows.find((r) => r.name === 'lat_bucket')!;
    expect(le.attrs.le).toBeDefined();
  });

  it('does not merge without histogram metadata', () => {
    const { rows } = v1(hist(1, 1, [['1', 1], ['+Inf', 1]]));
    expect(rows.map((r) => r.type)).toEqual(['gauge', 'gauge', 'gauge', 'gauge']);
  });

  it('merges per label set and per timestamp, leaving an incomplete group as gauges', () => {
    const series: RwSeries[] = [
      ...bucketSeries({ path: '/a' }, [['1', 1], ['+Inf', 2]]),
      { labels: labelsOf({ __name__: 'lat_count', path: '/a' }), samples: [{ value: 2, ts: T }] },
      ...bucketSeries({ path: '/b' }, [['1', 0], ['+Inf', 4]]),
      { labels: labelsOf({ __name__: 'lat_count', path: '/b' }), samples: [{ value: 4, ts: T }, { value: 5, ts: T + 15_000 }] },
    ];
    const { rows } = v1(series, meta);
    expect(rows.filter((r) => r.type === 'histogram').map((r) => [r.attrs.path, r.buckets, r.count])).toEqual([
      ['/a', [1, 1], 2],
      ['/b', [0, 4], 4],
    ]);
    expect(rows.filter((r) => r.type === 'gauge').map((r) => [r.name, r.value, r.time])).toEqual([['lat_count', 5, NS2]]);
  });

  it('merges a summary: quantiles, sum, count (NaN quantiles kept)', () => {
    const series: RwSeries[] = [
      { labels: labelsOf({ __name__: 'rpc', quantile: '0.5' }), samples: [{ value: 0.2, ts: T }] },
      { labels: labelsOf({ __name__: 'rpc', quantile: '0.99' }), samples: [{ value: NaN, ts: T }] },
      { labels: labelsOf({ __name__: 'rpc_sum' }), samples: [{ value: 9, ts: T }] },
      { labels: labelsOf({ __name__: 'rpc_count' }), samples: [{ value: 30, ts: T }] },
    ];
    const { rows } = v1(series, [{ type: PromType.SUMMARY, family: 'rpc' }]);
    expect(rows).toEqual([
      expect.objectContaining({
        name: 'rpc',
        type: 'summary',
        count: 30,
        sum: 9,
        quantiles: [
          [0.5, 0.2],
          [0.99, NaN],
        ],
      }),
    ]);
  });

  it('a summary without _sum stays gauges', () => {
    const series: RwSeries[] = [
      { labels: labelsOf({ __name__: 'rpc', quantile: '0.5' }), samples: [{ value: 0.2, ts: T }] },
      { labels: labelsOf({ __name__: 'rpc_count' }), samples: [{ value: 30, ts: T }] },
    ];
    expect(v1(series, [{ type: PromType.SUMMARY, family: 'rpc' }]).rows.map((r) => r.type)).toEqual(['gauge', 'gauge']);
  });

  it('attaches a bucket exemplar to the merged histogram point', () => {
    const series = hist(1, 2, [['1', 1], ['+Inf', 2]]);
    const withEx = [{ ...series[0], exemplars: [{ labels: labelsOf({ trace_id: '0af7651916cd43dd8448eb211c80319c' }), value: 0.4, ts: T - 5 }] }, ...series.slice(1)];
    const { rows, exemplars } = v1(withEx, meta);
    expect(exemplars).toBe(1);
    expect(rows[0].exemplars).toEqual([{ value: 0.4, timeMs: T - 5, traceId: '0af7651916cd43dd8448eb211c80319c', spanId: '', attrs: {} }]);
  });
});

describe('exemplars', () => {
  it('trace_id and span_id become ids; other labels attributes; timestamp kept', () => {
    const { rows, exemplars } = v1([
      {
        labels: labelsOf({ __name__: 'c' }),
        samples: [{ value: 1, ts: T }, { value: 2, ts: T + 15_000 }],
        exemplars: [{ labels: labelsOf({ trace_id: '0AF7651916CD43DD8448EB211C80319C', span_id: 'b7ad6b7169203331', user: 'u1' }), value: 1.5, ts: T + 14_000 }],
      },
    ]);
    expect(exemplars).toBe(1);
    // The nearest sample in time takes it.
    expect(rows[0].exemplars).toBeUndefined();
    expect(rows[1].exemplars).toEqual([{ value: 1.5, timeMs: T + 14_000, traceId: '0af7651916cd43dd8448eb211c80319c', spanId: 'b7ad6b7169203331', attrs: { user: 'u1' } }]);
  });

  it('an id that is not hex of the right length stays an attribute', () => {
    const { rows } = v1([{ labels: labelsOf({ __name__: 'c' }), samples: [{ value: 1, ts: T }], exemplars: [{ labels: labelsOf({ trace_id: 'abc' }), value: 1, ts: T }] }]);
    expect(rows[0].exemplars![0]).toMatchObject({ traceId: '', attrs: { trace_id: 'abc' } });
  });

  it('an exemplar whose series has no sample in the request is dropped and counted', () => {
    const { rows, exemplars, dropped } = v1([{ labels: labelsOf({ __name__: 'c' }), exemplars: [{ labels: [], value: 1, ts: T }] }]);
    expect(rows).toEqual([]);
    expect(exemplars).toBe(0);
    expect(dropped.get('exemplar_without_sample')).toBe(1);
  });

  it('an exemplar in its own TimeSeries message joins the same series in the request', () => {
    const labels = labelsOf({ __name__: 'c', job: 'j' });
    const { rows } = v1([{ labels, samples: [{ value: 1, ts: T }] }, { labels, exemplars: [{ labels: labelsOf({ a: 'b' }), value: 1, ts: T }] }]);
    expect(rows[0].exemplars).toHaveLength(1);
  });
});

describe('remote write 1.0: invalid requests are refused whole with a 400 that says why', () => {
  const invalid: [string, RwSeries[], RegExp][] = [
    ['no __name__', [{ labels: labelsOf({ job: 'x' }), samples: [{ value: 1, ts: T }] }], /no __name__ label \(labels: \{job="x"\}\)/],
    ['no labels at all', [{ labels: [], samples: [{ value: 1, ts: T }] }], /no __name__ label/],
    ['a repeated label', [{ labels: [['__name__', 'a'], ['x', '1'], ['x', '2']], samples: [{ value: 1, ts: T }] }], /label "x" appears twice/],
    ['an empty label name', [{ labels: [['', 'v'], ['__name__', 'a']], samples: [{ value: 1, ts: T }] }], /empty name/],
    ['a negative timestamp', [{ labels: labelsOf({ __name__: 'a' }), samples: [{ value: 1, ts: -1 }] }], /timestamp is negative/],
  ];
  it.each(invalid)('%s', (_, series, message) => {
    const d = new PrwDecoder();
    rejects(() => d.decodeV1(encodeV1(series)), message);
    // Nothing of the failed request lingers: the next one decodes cleanly.
    expect(metricRows(d.decodeV1(encodeV1([{ labels: labelsOf({ __name__: 'ok' }), samples: [{ value: 1, ts: T }] }])).batch)).toHaveLength(1);
  });

  it('truncated protobuf', () => {
    const body = encodeV1([{ labels: labelsOf({ __name__: 'a' }), samples: [{ value: 1, ts: T }] }]);
    rejects(() => new PrwDecoder().decodeV1(body.subarray(0, body.length - 3)), /invalid remote write 1.0 WriteRequest: .*truncated/);
  });
});

describe('remote write 1.0: series identity survives the sender-order guess', () => {
  it('a changed order, a new series and a dropped one all decode to the right labels', () => {
    const d = new PrwDecoder();
    const s = (n: string, v: number): RwSeries => ({ labels: labelsOf({ __name__: 'g', n }), samples: [{ value: v, ts: T }] });
    v1([s('a', 1), s('b', 2), s('c', 3)], [], d);
    const { rows } = v1([s('a', 1), s('c', 3), s('x', 9), s('b', 2)], [], d);
    expect(rows.map((r) => [r.attrs.n, r.value])).toEqual([
      ['a', 1],
      ['c', 3],
      ['x', 9],
      ['b', 2],
    ]);
    // A label set that starts with the guessed one's bytes but has one more label is another series.
    const { rows: more } = v1([s('a', 1), { labels: [...labelsOf({ __name__: 'g', n: 'c' }), ['z', '1']], samples: [{ value: 4, ts: T }] }], [], d);
    expect(more[1].attrs).toEqual({ n: 'c', z: '1' });
  });
});

describe('remote write 2.0', () => {
  it('resolves labels through the symbols table; metadata per series gives type, unit and help', () => {
    const { rows, samples } = v2([
      { labels: labelsOf({ __name__: 'http_requests_total', job: 'api', instance: 'a:1', code: '200' }), samples: [{ value: 5, ts: T }], metadata: { type: PromType.COUNTER, help: 'Requests.', unit: 'bytes' } },
      { labels: labelsOf({ __name__: 'temp', job: 'api', instance: 'a:1' }), samples: [{ value: 21.5, ts: T }], metadata: { type: PromType.GAUGE } },
      { labels: labelsOf({ __name__: 'plain' }), samples: [{ value: 1, ts: T }] },
    ]);
    expect(samples).toBe(3);
    expect(rows.map((r) => [r.name, r.type, r.resource, r.attrs, r.unit, r.description, r.promType, r.value])).toEqual([
      ['http_requests_total', 'sum', { 'service.name': 'api', 'service.instance.id': 'a:1' }, { code: '200' }, 'By', 'Requests.', 'counter', 5],
      ['temp', 'gauge', { 'service.name': 'api', 'service.instance.id': 'a:1' }, {}, '', '', 'gauge', 21.5],
      ['plain', 'gauge', {}, {}, '', '', 'unknown', 1],
    ]);
  });

  it('start_timestamp (rc.4) and created_timestamp (rc.3) become start times', () => {
    const { rows } = v2([
      { labels: labelsOf({ __name__: 'a' }), samples: [{ value: 1, ts: T, start: T - 60_000 }], metadata: { type: PromType.COUNTER } },
      { labels: labelsOf({ __name__: 'b' }), samples: [{ value: 1, ts: T }], createdTs: T - 120_000, metadata: { type: PromType.COUNTER } },
    ]);
    expect(rows.map((r) => r.start)).toEqual([String(BigInt(T - 60_000) * 1_000_000n), String(BigInt(T - 120_000) * 1_000_000n)]);
  });

  it('merges a classic histogram whose parts carry histogram metadata', () => {
    const meta = { type: PromType.HISTOGRAM };
    const { rows } = v2([
      { labels: labelsOf({ __name__: 'lat_bucket', le: '1' }), samples: [{ value: 1, ts: T }], metadata: meta },
      { labels: labelsOf({ __name__: 'lat_bucket', le: '+Inf' }), samples: [{ value: 3, ts: T }], metadata: meta },
      { labels: labelsOf({ __name__: 'lat_count' }), samples: [{ value: 3, ts: T }], metadata: meta },
    ]);
    expect(rows).toEqual([expect.objectContaining({ name: 'lat', type: 'histogram', buckets: [1, 2], count: 3 })]);
  });

  it('exemplars resolve their labels through the symbols table', () => {
    const { rows } = v2([{ labels: labelsOf({ __name__: 'c' }), samples: [{ value: 1, ts: T }], exemplars: [{ labels: labelsOf({ span_id: '00f067aa0ba902b7', k: 'v' }), value: 2, ts: T }] }]);
    expect(rows[0].exemplars).toEqual([{ value: 2, timeMs: T, traceId: '', spanId: '00f067aa0ba902b7', attrs: { k: 'v' } }]);
  });

  it('the same label set in 1.0 and 2.0 is the same series', () => {
    const d = new PrwDecoder();
    const labels = labelsOf({ __name__: 'g', job: 'j', a: 'b' });
    const a = v1([{ labels, samples: [{ value: 1, ts: T }] }], [], d).rows[0];
    const b = v2([{ labels, samples: [{ value: 1, ts: T }] }], d).rows[0];
    expect(b.attrs).toEqual(a.attrs);
    expect(b.resource).toEqual(a.resource);
  });

  const bad: [string, () => Buffer, RegExp][] = [
    ['a label ref beyond the symbols', () => patchV2Ref(99), /refers to symbol 99, but the request has 3 symbols/],
    ['symbols[0] not empty', () => Buffer.concat([Buffer.from([0x22, 0x01, 0x78]), encodeV2([{ labels: labelsOf({ __name__: 'a' }), samples: [{ value: 1, ts: T }] }])]), /symbols\[0\] must be the empty string \(got "x"\)/],
    ['samples and histograms in one series', () => encodeV2([{ labels: labelsOf({ __name__: 'a' }), samples: [{ value: 1, ts: T }], histograms: [{ sum: 1, schema: 0, countInt: 0, ts: T }] }]), /carries both samples and histograms/],
    ['an odd number of label refs', () => oddRefs(), /odd number \(1\) of labels_refs/],
  ];
  it.each(bad)('refuses %s with a 400', (_, body, message) => {
    rejects(() => new PrwDecoder().decodeV2(body()), message);
  });
});

/** A 2.0 request whose only series' name value ref is `ref` (symbols: "", "__name__", "a"). */
function patchV2Ref(ref: number): Buffer {
  const body = encodeV2([{ labels: labelsOf({ __name__: 'a' }), samples: [{ value: 1, ts: T }] }]);
  // labels_refs is packed [1, 2]: find 0x0a 0x02 0x01 0x02 and change the value ref.
  const at = body.indexOf(Buffer.from([0x0a, 0x02, 0x01, 0x02]));
  const out = Buffer.from(body);
  out[at + 3] = ref;
  return out;
}

/** A 2.0 request whose series has a single label ref: packed [1, 2] becomes unpacked 1, then an unknown field 7. */
function oddRefs(): Buffer {
  const body = encodeV2([{ labels: labelsOf({ __name__: 'a' }), samples: [{ value: 1, ts: T }] }]);
  const at = body.indexOf(Buffer.from([0x0a, 0x02, 0x01, 0x02]));
  const out = Buffer.from(body);
  out.set([0x08, 0x01, 0x38, 0x01], at);
  return out;
}

describe('timestamps the model cannot hold', () => {
  it('after 2554 (beyond uint64 nanoseconds): 400, not a wrapped time', () => {
    rejects(() => new PrwDecoder().decodeV1(encodeV1([{ labels: labelsOf({ __name__: 'a' }), samples: [{ value: 1, ts: 18_446_744_073_710 }] }])), /after the year 2554/);
    const { rows } = v1([{ labels: labelsOf({ __name__: 'a' }), samples: [{ value: 1, ts: 18_446_744_073_709 }] }]);
    expect(rows[0].time).toBe('18446744073709000000');
  });
});
