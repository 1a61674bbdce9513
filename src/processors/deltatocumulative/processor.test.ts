import { describe, expect, it } from 'vitest';
import { EMPTY_CONTEXT } from '../../component/component.js';
import type { Metric } from '../../model/metric.js';
import { numberMetric } from '../../test-kit/batches.js';
import { SinkConsumer } from '../../test-kit/consumers.js';
import { lifecycleSuite } from '../../test-kit/lifecycle-suite.js';
import { testSettings } from '../../test-kit/settings.js';
import { type PointOut, batchOf, droppedByReason, expHistogramMetric, histogramMetric, readPoints, sumMetric } from '../../test-kit/temporality.js';
import { deltaToCumulativeSchema, validateDeltaToCumulative } from './config.js';
import { deltaToCumulativeFactory } from './factory.js';
import { DeltaToCumulativeProcessor } from './processor.js';

lifecycleSuite(deltaToCumulativeFactory, {});

function make(raw: object = {}) {
  const set = testSettings('processor', 'deltatocumulative', 'metrics');
  const next = new SinkConsumer();
  const p = new DeltaToCumulativeProcessor(set, deltaToCumulativeSchema.parse(raw), next);
  return { p, set, next };
}

/** One request: its metrics, and when (wall clock, ms) it arrives. */
interface Step {
  readonly at?: number;
  readonly metrics: Metric[];
}

interface Case {
  readonly name: string;
  readonly config?: object;
  readonly steps: Step[];
  readonly out: Partial<PointOut>[][];
  readonly drops?: Record<string, number>;
}

const d = (points: Parameters<typeof sumMetric>[2]) => sumMetric('requests', 'delta', points);
const c = (start: number, time: number, value: number, attrs: Record<string, string> = {}): Partial<PointOut> => ({
  metric: 'requests',
  temporality: 'cumulative',
  attrs,
  start,
  time,
  value,
});

const cases: Case[] = [
  {
    name: 'the first delta starts the total; later ones add to it; the start stays the first one',
    steps: [{ metrics: [d([{ start: 10, time: 20, value: 3 }])] }, { metrics: [d([{ start: 20, time: 30, value: 4 }])] }, { metrics: [d([{ start: 30, time: 40, value: 0.5 }])] }],
    out: [[c(10, 20, 3)], [c(10, 30, 7)], [c(10, 40, 7.5)]],
  },
  {
    name: 'several deltas of one stream in one request',
    steps: [{ metrics: [d([{ start: 10, time: 20, value: 1 }, { start: 20, time: 30, value: 2 }])] }],
    out: [[c(10, 20, 1), c(10, 30, 3)]],
  },
  {
    name: 'a gap (start after the last end) still adds',
    steps: [{ metrics: [d([{ start: 10, time: 20, value: 1 }])] }, { metrics: [d([{ start: 50, time: 60, value: 2 }])] }],
    out: [[c(10, 20, 1)], [c(10, 60, 3)]],
  },
  {
    name: 'an unset start time: the total starts at the first point',
    steps: [{ metrics: [d([{ time: 20, value: 1 }])] }, { metrics: [d([{ time: 30, value: 2 }])] }],
    out: [[c(20, 20, 1)], [c(20, 30, 3)]],
  },
  {
    name: 'a resent delta (same interval) is out of order and dropped, not counted twice',
    steps: [{ metrics: [d([{ start: 10, time: 20, value: 5 }])] }, { metrics: [d([{ start: 10, time: 20, value: 5 }])] }, { metrics: [d([{ start: 20, time: 30, value: 1 }])] }],
    out: [[c(10, 20, 5)], [], [c(10, 30, 6)]],
    drops: { out_of_order: 1 },
  },
  {
    name: 'an older delta is out of order',
    steps: [{ metrics: [d([{ start: 20, time: 30, value: 5 }])] }, { metrics: [d([{ start: 10, time: 20, value: 1 }])] }],
    out: [[c(20, 30, 5)], []],
    drops: { out_of_order: 1 },
  },
  {
    name: 'a delta overlapping what the total holds is dropped',
    steps: [{ metrics: [d([{ start: 10, time: 20, value: 5 }])] }, { metrics: [d([{ start: 15, time: 25, value: 1 }])] }],
    out: [[c(10, 20, 5)], []],
    drops: { delta_overlap: 1 },
  },
  {
    name: 'streams are told apart by attributes',
    steps: [
      { metrics: [d([{ start: 5, time: 10, value: 1, attrs: { r: 'a' } }, { start: 5, time: 10, value: 10, attrs: { r: 'b' } }])] },
      { metrics: [d([{ start: 10, time: 20, value: 2, attrs: { r: 'a' } }, { start: 10, time: 20, value: 20, attrs: { r: 'b' } }])] },
    ],
    out: [
      [c(5, 10, 1, { r: 'a' }), c(5, 10, 10, { r: 'b' })],
      [c(5, 20, 3, { r: 'a' }), c(5, 20, 30, { r: 'b' })],
    ],
  },
  {
    name: 'ints stay ints; NaN is dropped',
    steps: [{ metrics: [d([{ start: 5, time: 10, value: 2, int: true }, { start: 10, time: 20, value: Number.NaN }, { start: 10, time: 20, value: 3, int: true }])] }],
    out: [[{ ...c(5, 10, 2), int: true }, { ...c(5, 20, 5), int: true }]],
    drops: { nan_value: 1 },
  },
  {
    name: 'a stale marker passes with the stream start and leaves the total alone',
    steps: [{ metrics: [d([{ start: 5, time: 10, value: 2 }])] }, { metrics: [d([{ start: 10, time: 15, value: 0, stale: true }])] }, { metrics: [d([{ start: 10, time: 20, value: 1 }])] }],
    out: [[c(5, 10, 2)], [{ ...c(5, 15, 0), stale: true }], [c(5, 20, 3)]],
  },
  {
    name: 'cumulative sums, gauges and non-delta histograms pass unchanged',
    steps: [
      {
        metrics: [
          sumMetric('total', 'cumulative', [{ start: 5, time: 10, value: 5 }]),
          numberMetric({ name: 'temp', points: [{ value: 21, timeMs: 10_000 }] }),
          histogramMetric('lat', 'cumulative', [{ start: 5, time: 10, bounds: [1], counts: [1, 2] }]),
        ],
      },
    ],
    out: [
      [
        { metric: 'total', temporality: 'cumulative', start: 5, time: 10, value: 5 },
        { metric: 'temp', temporality: 'none', value: 21 },
        { metric: 'lat', temporality: 'cumulative', counts: [1, 2] },
      ],
    ],
  },
  {
    name: 'max_streams: new streams past the limit are dropped and counted; known ones keep flowing',
    config: { max_streams: 2 },
    steps: [
      { metrics: [d([{ start: 5, time: 10, value: 1, attrs: { s: '1' } }, { start: 5, time: 10, value: 1, attrs: { s: '2' } }, { start: 5, time: 10, value: 1, attrs: { s: '3' } }])] },
      { metrics: [d([{ start: 10, time: 20, value: 1, attrs: { s: '1' } }, { start: 10, time: 20, value: 1, attrs: { s: '3' } }])] },
    ],
    out: [[c(5, 10, 1, { s: '1' }), c(5, 10, 1, { s: '2' })], [c(5, 20, 2, { s: '1' })]],
    drops: { stream_limit: 2 },
  },
  {
    name: 'max_stale: a stale stream is forgotten (making room at the limit); its next point starts a new total',
    config: { max_streams: 1, max_stale: '10s' },
    steps: [
      { at: 0, metrics: [d([{ start: 5, time: 10, value: 1, attrs: { s: '1' } }])] },
      { at: 5_000, metrics: [d([{ start: 5, time: 10, value: 7, attrs: { s: '2' } }])] },
      { at: 30_000, metrics: [d([{ start: 5, time: 10, value: 7, attrs: { s: '2' } }])] },
      { at: 31_000, metrics: [d([{ start: 10, time: 20, value: 1, attrs: { s: '1' } }])] },
    ],
    out: [[c(5, 10, 1, { s: '1' })], [], [c(5, 10, 7, { s: '2' })], []],
    drops: { stream_limit: 2 },
  },
  {
    name: 'histograms: buckets, count, sum, min and max add up',
    steps: [
      { metrics: [histogramMetric('lat', 'delta', [{ start: 5, time: 10, bounds: [10, 100], counts: [1, 2, 0], sum: 120, min: 5, max: 80 }])] },
      { metrics: [histogramMetric('lat', 'delta', [{ start: 10, time: 20, bounds: [10, 100], counts: [0, 1, 3], sum: 900, min: 30, max: 400 }])] },
    ],
    out: [
      [{ metric: 'lat', temporality: 'cumulative', start: 5, time: 10, count: 3, sum: 120, min: 5, max: 80, bounds: [10, 100], counts: [1, 2, 0] }],
      [{ metric: 'lat', temporality: 'cumulative', start: 5, time: 20, count: 7, sum: 1020, min: 5, max: 400, bounds: [10, 100], counts: [1, 3, 3] }],
    ],
  },
  {
    name: 'histograms: changed bounds restart the total at the new point',
    steps: [
      { metrics: [histogramMetric('lat', 'delta', [{ start: 5, time: 10, bounds: [10], counts: [1, 1], sum: 20 }])] },
      { metrics: [histogramMetric('lat', 'delta', [{ start: 10, time: 20, bounds: [5, 50], counts: [1, 0, 1], sum: 60 }])] },
      { metrics: [histogramMetric('lat', 'delta', [{ start: 20, time: 30, bounds: [5, 50], counts: [0, 2, 0], sum: 40 }])] },
    ],
    out: [
      [{ start: 5, time: 10, count: 2, sum: 20, bounds: [10], counts: [1, 1] }],
      [{ start: 10, time: 20, count: 2, sum: 60, bounds: [5, 50], counts: [1, 0, 1] }],
      [{ start: 10, time: 30, count: 4, sum: 100, bounds: [5, 50], counts: [1, 2, 1] }],
    ],
  },
  {
    name: 'histograms: min and max are kept only while every delta has them',
    steps: [
      { metrics: [histogramMetric('lat', 'delta', [{ start: 5, time: 10, bounds: [], counts: [2], sum: 3, min: 1, max: 2 }])] },
      { metrics: [histogramMetric('lat', 'delta', [{ start: 10, time: 20, bounds: [], counts: [1], sum: 4 }])] },
    ],
    out: [[{ count: 2, sum: 3, min: 1, max: 2, counts: [2] }], [{ count: 3, sum: 7, counts: [3] }]],
  },
  {
    name: 'exponential histograms merge, at the smaller scale',
    steps: [
      { metrics: [expHistogramMetric('size', 'delta', [{ start: 5, time: 10, scale: 1, posOffset: 0, pos: [1, 1, 1, 1], zeroCount: 1, sum: 10 }])] },
      { metrics: [expHistogramMetric('size', 'delta', [{ start: 10, time: 20, scale: 0, posOffset: 1, pos: [2], sum: 5 }])] },
    ],
    out: [
      [{ metric: 'size', temporality: 'cumulative', start: 5, time: 10, count: 5, sum: 10, scale: 1, posOffset: 0, counts: [1, 1, 1, 1] }],
      [{ metric: 'size', temporality: 'cumulative', start: 5, time: 20, count: 7, sum: 15, scale: 0, posOffset: 0, counts: [2, 4] }],
    ],
  },
  {
    name: 'exponential histograms: a window growing past 160 buckets keeps every count, streams keep apart',
    steps: [
      {
        metrics: [
          expHistogramMetric('size', 'delta', [
            { start: 5, time: 10, scale: 3, posOffset: 10, pos: new Array<number>(20).fill(1), sum: 1, attrs: { s: 'a' } },
            { start: 5, time: 10, scale: 3, posOffset: 10, pos: [5], sum: 1, attrs: { s: 'b' } },
          ]),
        ],
      },
      { metrics: [expHistogramMetric('size', 'delta', [{ start: 10, time: 20, scale: 3, posOffset: 200, pos: [2], sum: 1, attrs: { s: 'a' } }])] },
      { metrics: [expHistogramMetric('size', 'delta', [{ start: 10, time: 20, scale: 3, posOffset: 11, pos: [3], sum: 1, attrs: { s: 'b' } }])] },
    ],
    out: [
      [
        { attrs: { s: 'a' }, count: 20, scale: 3, posOffset: 10, counts: new Array<number>(20).fill(1) },
        { attrs: { s: 'b' }, count: 5, scale: 3, posOffset: 10, counts: [5] },
      ],
      [{ attrs: { s: 'a' }, count: 22, scale: 3, posOffset: 10, counts: [...new Array<number>(20).fill(1), ...new Array<number>(170).fill(0), 2] }],
      [{ attrs: { s: 'b' }, count: 8, scale: 3, posOffset: 10, counts: [5, 3] }],
    ],
  },
  {
    name: 'exponential histograms: a forgotten stream gives its row back, and the next stream starts clean',
    config: { max_streams: 1, max_stale: '10s' },
    steps: [
      { at: 0, metrics: [expHistogramMetric('size', 'delta', [{ start: 5, time: 10, scale: 0, posOffset: 0, pos: [1, 2, 3], zeroCount: 4, sum: 1, attrs: { s: '1' } }])] },
      { at: 30_000, metrics: [expHistogramMetric('size', 'delta', [{ start: 5, time: 10, scale: 0, posOffset: 1, pos: [7], sum: 2, attrs: { s: '2' } }])] },
    ],
    out: [
      [{ attrs: { s: '1' }, count: 10, sum: 1, posOffset: 0, counts: [1, 2, 3] }],
      [{ attrs: { s: '2' }, count: 7, sum: 2, posOffset: 1, counts: [7] }],
    ],
  },
];

describe('deltatocumulative', () => {
  it.each(cases.map((k) => [k.name, k] as const))('%s', async (_name, k) => {
    const { p, set } = make(k.config);
    const got: PointOut[][] = [];
    for (const step of k.steps) {
      const batch = batchOf(step.metrics);
      p.process(batch, step.at ?? 0);
      got.push(readPoints(batch));
    }
    expect(got.length).toBe(k.out.length);
    k.out.forEach((want, i) => {
      expect(got[i].length, `output of request ${i}`).toBe(want.length);
      want.forEach((w, j) => expect(got[i][j], `request ${i}, point ${j}`).toMatchObject(w));
    });
    expect(await droppedByReason(set.metrics)).toEqual(k.drops ?? {});
  });

  it('removes metrics, scopes and resources left empty, and sends nothing when nothing is left', async () => {
    const { p, next } = make();
    await p.consume(batchOf([sumMetric('a', 'delta', [{ start: 10, time: 20, value: 1 }])]), EMPTY_CONTEXT);
    const resent = batchOf([sumMetric('a', 'delta', [{ start: 10, time: 20, value: 1 }])]);
    await p.consume(resent, EMPTY_CONTEXT);
    expect(resent.resourceMetrics).toEqual([]);
    expect(next.batches).toHaveLength(1);
  });

  it('reports streams, bytes and the limit as self-metrics', async () => {
    const { p, set } = make({ max_streams: 100 });
    await p.start();
    p.process(batchOf([sumMetric('a', 'delta', [{ start: 5, time: 1, value: 1, attrs: { x: '1' } }, { start: 5, time: 1, value: 1, attrs: { x: '2' } }])]), 5_000);
    const val = async (g: { get(): Promise<{ values: { value: number }[] }> }) => (await g.get()).values[0]?.value;
    expect(await val(set.metrics.processorStreams)).toBe(2);
    expect(await val(set.metrics.processorStreamsLimit)).toBe(100);
    expect(await val(set.metrics.processorStateBytes)).toBeGreaterThan(0);
    await p.shutdown();
  });

  it('rejects max_stale 0', () => {
    expect(validateDeltaToCumulative(deltaToCumulativeSchema.parse({ max_stale: '0s' }))).toEqual(['max_stale: must be a duration greater than 0 (got 0)']);
    expect(() => deltaToCumulativeSchema.parse({ max_streams: -1 })).toThrow();
  });
});
