import { describe, expect, it } from 'vitest';
import type { Metric } from '../../../model/metric.js';
import { batchOf, numberMetric } from '../../../test-kit/batches.js';
import { expHistogramMetric, histogramMetric } from '../../../test-kit/distribution-metrics.js';
import { Declarations } from './declarations.js';
import type { CwSeries } from './series.js';
import { CloudWatchTranslator, type MetricInfo, type SampleSink, type TranslatorOptions } from './translate.js';
import { distribution } from './values.js';

interface Got {
  kind: string;
  metric: string;
  dims: string[][];
  t: number;
  args: unknown[];
}

class Recorder implements SampleSink {
  readonly got: Got[] = [];
  private push(kind: string, s: CwSeries, m: MetricInfo, t: number, args: unknown[]): void {
    this.got.push({ kind, metric: m.name, dims: s.sets.map((x) => x.dimensions.map((d) => `${d.Name}=${d.Value}`)), t, args });
  }
  value(s: CwSeries, m: MetricInfo, t: number, v: number): void {
    this.push('value', s, m, t, [v]);
  }
  stats(s: CwSeries, m: MetricInfo, t: number, ...a: number[]): void {
    this.push('stats', s, m, t, a);
  }
  dist(s: CwSeries, m: MetricInfo, t: number, values: number[], counts: number[], ...a: number[]): void {
    this.push('dist', s, m, t, [values, counts, ...a]);
  }
}

const T0 = 1_800_000_000_000;

function translator(o: Partial<TranslatorOptions> = {}): { tr: CloudWatchTranslator; drops: Record<string, number>; warnings: string[] } {
  const drops: Record<string, number> = {};
  const warnings: string[] = [];
  const tr = new CloudWatchTranslator({
    namespace: 'NS',
    namespaceAttribute: 'cloudwatch.namespace',
    resolution: 60,
    resolutionAttribute: 'cloudwatch.storage_resolution',
    resourceToTelemetry: false,
    declarations: new Declarations([], 'NoDimensionRollup'),
    descriptors: new Map(),
    initialValue: 'keep',
    maxSeries: 1000,
    maxValues: 150,
    guard: undefined,
    now: () => T0,
    onDrop: (reason, _m, n) => (drops[reason] = (drops[reason] ?? 0) + n),
    onWarn: (key) => warnings.push(key),
    ...o,
  });
  return { tr, drops, warnings };
}

function run(tr: CloudWatchTranslator, ...metrics: Metric[]): Got[] {
  const r = new Recorder();
  tr.translate(batchOf(metrics, { 'service.name': 'svc', 'host.name': 'h1' }), r);
  return r.got;
}

describe('CloudWatch translation', () => {
  it('turns cumulative histograms into per-interval StatisticValues', () => {
    const { tr } = translator();
    const h = (t: number, counts: number[], sum: number, min: number, max: number): Metric =>
      histogramMetric('lat', 'ms', 'cumulative', [{ timeMs: t, startMs: T0 - 10_000, bounds: [10, 20], counts, sum, min, max }]);
    expect(run(tr, h(T0 - 2000, [1, 1, 0], 20, 5, 15))[0].args).toEqual([2, 20, 5, 15]); // initial_value keep: sent as is
    // +1 in (10,20], +1 in (20,inf); the lifetime max moved to 40: exact; min unknown -> lower bound of (10,20].
    expect(run(tr, h(T0 - 1000, [1, 2, 1], 75, 5, 40))[0].args).toEqual([2, 55, 10, 40]);
    // Nothing new: no datum (SampleCount must be > 0).
    expect(run(tr, h(T0, [1, 2, 1], 75, 5, 40))).toEqual([]);
  });

  it('keeps the average within minimum and maximum', () => {
    const { tr } = translator();
    const got = run(tr, histogramMetric('x', '', 'delta', [{ timeMs: T0, bounds: [], counts: [4], sum: 40 }]));
    expect(got[0].args).toEqual([4, 40, 10, 10]);
  });

  it('turns cumulative exponential histograms into per-interval Values/Counts', () => {
    const { tr } = translator();
    const e = (t: number, pos: number[], sum: number): Metric => expHistogramMetric('size', 'By', 'cumulative', [{ timeMs: t, startMs: T0 - 10_000, scale: 0, posOffset: 1, pos, sum, min: 2.5, max: 15 }]);
    run(tr, e(T0 - 1000, [1, 0, 1], 15));
    const [d] = run(tr, e(T0, [3, 0, 2], 41));
    // scale 0: bucket 1 is (2, 4] (midpoint 3), bucket 3 is (8, 16] (midpoint 12)
    expect(d.kind).toBe('dist');
    expect(d.args).toEqual([[3, 12], [2, 1], 3, 26, 3, 12]);
  });

  it('downscales distributions until they fit the values a datum may carry', () => {
    const pos = Array.from({ length: 400 }, () => 1);
    const d = distribution({ scale: 5, zeroCount: 2, zeroThreshold: 0, posOffset: -200, pos, negOffset: 0, neg: [1, 1], count: 404, sum: 0 }, -Infinity, Infinity, 150);
    expect(d.values.length).toBeLessThanOrEqual(150);
    expect(d.counts.reduce((a, b) => a + b, 0)).toBe(404);
    for (let i = 1; i < d.values.length; i++) expect(d.values[i]).toBeGreaterThan(d.values[i - 1]);
    expect(d.values).toContain(0);
  });

  it('drops points outside the accepted time window, and points of invalid namespaces, counting them', () => {
    const { tr, drops } = translator();
    const m = numberMetric({
      name: 'g',
      points: [
        { value: 1, timeMs: T0 - 15 * 86_400_000 },
        { value: 2, timeMs: T0 + 3 * 3_600_000, attrs: { a: '1' } },
        { value: 3, timeMs: T0, attrs: { 'cloudwatch.namespace': 'AWS/EC2' } },
        { value: 4, timeMs: T0, attrs: { a: '2' } },
      ],
    });
    expect(run(tr, m).map((g) => g.args[0])).toEqual([4]);
    expect(drops).toEqual({ timestamp_out_of_range: 2, invalid_namespace: 1 });
  });

  it('leaves attributes a dimension cannot carry out of the dimensions, and says so', () => {
    const { tr, warnings } = translator();
    const [g] = run(tr, numberMetric({ name: 'g', points: [{ value: 1, timeMs: T0, attrs: { ok: 'x', blank: ' ', unicode: 'café', long: 'x'.repeat(1025) } }] }));
    expect(g.dims).toEqual([['ok=x']]);
    expect(warnings).toEqual(['invalid-dimension:g']);
  });

  it('adds resource attributes with resource_to_telemetry_conversion, point attributes winning', () => {
    const { tr } = translator({ resourceToTelemetry: true });
    const [g] = run(tr, numberMetric({ name: 'g', points: [{ value: 1, timeMs: T0, attrs: { 'host.name': 'h2' } }] }));
    expect(g.dims).toEqual([['host.name=h2', 'service.name=svc']]);
  });

  it('takes the namespace from service.namespace/service.name when none is configured', () => {
    const { tr } = translator({ namespace: undefined });
    const r = new Recorder();
    const ns: string[] = [];
    tr.translate(batchOf([numberMetric({ name: 'g', points: [{ value: 1, timeMs: T0 }] })], { 'service.name': 'cart', 'service.namespace': 'shop' }), {
      ...r,
      value: (s) => ns.push(s.namespace),
      stats: () => undefined,
      dist: () => undefined,
    });
    expect(ns).toEqual(['shop/cart']);
  });

  it('forgets the least recently used series beyond max_series', () => {
    const { tr } = translator({ maxSeries: 100 });
    for (let round = 0; round < 3; round++) {
      run(tr, numberMetric({ name: 'g', points: Array.from({ length: 80 }, (_, i) => ({ value: i, timeMs: T0, attrs: { i: `${round}-${i}` } })) }));
    }
    expect(tr.series.size).toBeLessThanOrEqual(100);
    expect(tr.series.evicted).toBeGreaterThan(0);
  });

  it('skips points with no recorded value', () => {
    const { tr, drops } = translator();
    const m = numberMetric({ name: 'g', points: [{ value: 1, timeMs: T0 }] });
    m.points.flags[0] = 1;
    expect(run(tr, m)).toEqual([]);
    expect(drops).toEqual({ no_recorded_value: 1 });
  });
});


