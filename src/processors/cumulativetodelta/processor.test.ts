import { describe, expect, it } from 'vitest';
import { EMPTY_CONTEXT } from '../../component/component.js';
import type { Metric } from '../../model/metric.js';
import { numberMetric } from '../../test-kit/batches.js';
import { SinkConsumer } from '../../test-kit/consumers.js';
import { lifecycleSuite } from '../../test-kit/lifecycle-suite.js';
import { testSettings } from '../../test-kit/settings.js';
import { type PointOut, batchOf, droppedByReason, expHistogramMetric, histogramMetric, readPoints, sumMetric } from '../../test-kit/temporality.js';
import { cumulativeToDeltaSchema, validateCumulativeToDelta } from './config.js';
import { cumulativeToDeltaFactory } from './factory.js';
import { CumulativeToDeltaProcessor } from './processor.js';

lifecycleSuite(cumulativeToDeltaFactory, {});

function make(raw: object = {}) {
  const set = testSettings('processor', 'cumulativetodelta', 'metrics');
  const next = new SinkConsumer();
  const p = new CumulativeToDeltaProcessor(set, cumulativeToDeltaSchema.parse(raw), next);
  return { p, set, next };
}

/** Seconds well after the processor starts, for initial_value auto. */
const LATER = Math.ceil(Date.now() / 1000) + 3600;

interface Case {
  readonly name: string;
  readonly config?: object;
  readonly steps: { at?: number; metrics: Metric[] }[];
  readonly out: Partial<PointOut>[][];
  readonly drops?: Record<string, number>;
}

const cum = (points: Parameters<typeof sumMetric>[2], name = 'requests') => sumMetric(name, 'cumulative', points);
const dl = (start: number, time: number, value: number, extra: Partial<PointOut> = {}): Partial<PointOut> => ({
  metric: 'requests',
  temporality: 'delta',
  start,
  time,
  value,
  ...extra,
});
const keep = { initial_value: 'keep' };

const cases: Case[] = [
  {
    name: 'keep: the first point is sent as it is; later ones become the difference since the previous point',
    config: keep,
    steps: [{ metrics: [cum([{ start: 5, time: 10, value: 3 }])] }, { metrics: [cum([{ start: 5, time: 20, value: 7 }])] }, { metrics: [cum([{ start: 5, time: 30, value: 7.5 }])] }],
    out: [[dl(5, 10, 3)], [dl(10, 20, 4)], [dl(20, 30, 0.5)]],
  },
  {
    name: 'drop: the first point is only remembered',
    config: { initial_value: 'drop' },
    steps: [{ metrics: [cum([{ start: 5, time: 10, value: 3 }])] }, { metrics: [cum([{ start: 5, time: 20, value: 7 }])] }],
    out: [[], [dl(10, 20, 4)]],
    drops: { initial_value: 1 },
  },
  {
    name: 'auto: a stream that started before the processor is held back at first',
    steps: [{ metrics: [cum([{ start: 5, time: 10, value: 3 }])] }, { metrics: [cum([{ start: 5, time: 20, value: 7 }])] }],
    out: [[], [dl(10, 20, 4)]],
    drops: { initial_value: 1 },
  },
  {
    name: 'auto: a stream that started after the processor is sent from its first point',
    steps: [{ metrics: [cum([{ start: LATER, time: LATER + 10, value: 3 }])] }, { metrics: [cum([{ start: LATER, time: LATER + 20, value: 5 }])] }],
    out: [[dl(LATER, LATER + 10, 3)], [dl(LATER + 10, LATER + 20, 2)]],
  },
  {
    name: 'auto: a first point whose start equals its time, or has no start, is held back',
    steps: [{ metrics: [cum([{ start: LATER, time: LATER, value: 3, attrs: { a: '1' } }, { time: LATER + 5, value: 3, attrs: { a: '2' } }])] }],
    out: [[]],
    drops: { initial_value: 2 },
  },
  {
    name: 'a lower value with the same start (a reset the source did not mark) is dropped; deltas go on from it',
    config: keep,
    steps: [
      { metrics: [cum([{ start: 5, time: 10, value: 10 }])] },
      { metrics: [cum([{ start: 5, time: 20, value: 2 }])] },
      { metrics: [cum([{ start: 5, time: 30, value: 6 }])] },
    ],
    out: [[dl(5, 10, 10)], [], [dl(20, 30, 4)]],
    drops: { counter_reset: 1 },
  },
  {
    name: 'a new start time is a restart: the point is the first of a new series (initial_value applies)',
    config: keep,
    steps: [{ metrics: [cum([{ start: 5, time: 10, value: 10 }])] }, { metrics: [cum([{ start: 15, time: 20, value: 2 }])] }, { metrics: [cum([{ start: 15, time: 30, value: 5 }])] }],
    out: [[dl(5, 10, 10)], [dl(15, 20, 2)], [dl(20, 30, 3)]],
  },
  {
    name: 'a point not later than the previous one is dropped and changes nothing',
    config: keep,
    steps: [
      { metrics: [cum([{ start: 5, time: 20, value: 10 }])] },
      { metrics: [cum([{ start: 5, time: 20, value: 10 }])] },
      { metrics: [cum([{ start: 5, time: 15, value: 8 }])] },
      { metrics: [cum([{ start: 5, time: 30, value: 12 }])] },
    ],
    out: [[dl(5, 20, 10)], [], [], [dl(20, 30, 2)]],
    drops: { out_of_order: 2 },
  },
  {
    name: 'streams are told apart by attributes; ints stay ints; NaN passes unconverted; stale markers are dropped',
    config: keep,
    steps: [
      { metrics: [cum([{ start: 5, time: 10, value: 1, attrs: { r: 'a' }, int: true }, { start: 5, time: 10, value: 10, attrs: { r: 'b' } }])] },
      {
        metrics: [
          cum([
            { start: 5, time: 20, value: 4, attrs: { r: 'a' }, int: true },
            { start: 5, time: 20, value: Number.NaN, attrs: { r: 'b' } },
            { start: 5, time: 25, value: 0, attrs: { r: 'b' }, stale: true },
          ]),
        ],
      },
    ],
    out: [
      [dl(5, 10, 1, { attrs: { r: 'a' }, int: true }), dl(5, 10, 10, { attrs: { r: 'b' } })],
      [dl(10, 20, 3, { attrs: { r: 'a' }, int: true }), dl(5, 20, Number.NaN, { attrs: { r: 'b' } })],
    ],
    drops: { no_recorded_value: 1 },
  },
  {
    name: 'include (strict) converts only the metrics it names',
    config: { ...keep, include: { metrics: ['requests'], match_type: 'strict' } },
    steps: [{ metrics: [cum([{ start: 5, time: 10, value: 1 }]), cum([{ start: 5, time: 10, value: 1 }], 'other')] }],
    out: [[dl(5, 10, 1), { metric: 'other', temporality: 'cumulative', value: 1 }]],
  },
  {
    name: 'include (regexp, unanchored) with exclude: exclude wins',
    config: { ...keep, include: { metrics: ['^req', 'bytes'], match_type: 'regexp' }, exclude: { metrics: ['requests_internal'], match_type: 'strict' } },
    steps: [
      {
        metrics: [
          cum([{ start: 5, time: 10, value: 1 }]),
          cum([{ start: 5, time: 10, value: 1 }], 'requests_internal'),
          cum([{ start: 5, time: 10, value: 1 }], 'io_bytes_total'),
          cum([{ start: 5, time: 10, value: 1 }], 'my_requests'),
        ],
      },
    ],
    out: [
      [
        dl(5, 10, 1),
        { metric: 'requests_internal', temporality: 'cumulative' },
        { metric: 'io_bytes_total', temporality: 'delta' },
        { metric: 'my_requests', temporality: 'cumulative' },
      ],
    ],
  },
  {
    name: 'metric_types: only histograms',
    config: { ...keep, include: { metric_types: ['histogram'] } },
    steps: [{ metrics: [cum([{ start: 5, time: 10, value: 1 }]), histogramMetric('lat', 'cumulative', [{ start: 5, time: 10, bounds: [1], counts: [1, 1] }])] }],
    out: [[{ metric: 'requests', temporality: 'cumulative' }, { metric: 'lat', temporality: 'delta' }]],
  },
  {
    name: 'non-monotonic sums, exponential histograms, gauges and deltas pass unchanged',
    config: keep,
    steps: [
      {
        metrics: [
          sumMetric('queue', 'cumulative', [{ start: 5, time: 10, value: 4 }], false),
          expHistogramMetric('size', 'cumulative', [{ start: 5, time: 10, scale: 0, posOffset: 0, pos: [1], sum: 1 }]),
          numberMetric({ name: 'temp', points: [{ value: 21 }] }),
          sumMetric('d', 'delta', [{ start: 5, time: 10, value: 4 }]),
        ],
      },
    ],
    out: [
      [
        { metric: 'queue', temporality: 'cumulative', value: 4 },
        { metric: 'size', temporality: 'cumulative', count: 1 },
        { metric: 'temp', temporality: 'none', value: 21 },
        { metric: 'd', temporality: 'delta', value: 4 },
      ],
    ],
  },
  {
    name: 'histograms: buckets, count and sum become differences; min and max go',
    config: keep,
    steps: [
      { metrics: [histogramMetric('lat', 'cumulative', [{ start: 5, time: 10, bounds: [10, 100], counts: [1, 2, 0], sum: 120, min: 5, max: 80 }])] },
      { metrics: [histogramMetric('lat', 'cumulative', [{ start: 5, time: 20, bounds: [10, 100], counts: [1, 3, 3], sum: 1020, min: 5, max: 400 }])] },
    ],
    out: [
      [{ metric: 'lat', temporality: 'delta', start: 5, time: 10, count: 3, sum: 120, min: 5, max: 80, bounds: [10, 100], counts: [1, 2, 0] }],
      [{ metric: 'lat', temporality: 'delta', start: 10, time: 20, count: 4, sum: 900, bounds: [10, 100], counts: [0, 1, 3] }],
    ],
  },
  {
    name: 'histograms: a lower count is a reset, sent whole; changed buckets are dropped',
    config: keep,
    steps: [
      { metrics: [histogramMetric('lat', 'cumulative', [{ start: 5, time: 10, bounds: [10], counts: [5, 5], sum: 100 }])] },
      { metrics: [histogramMetric('lat', 'cumulative', [{ start: 5, time: 20, bounds: [10], counts: [1, 0], sum: 2 }])] },
      { metrics: [histogramMetric('lat', 'cumulative', [{ start: 5, time: 30, bounds: [10, 20], counts: [1, 0, 1], sum: 30 }])] },
      { metrics: [histogramMetric('lat', 'cumulative', [{ start: 5, time: 40, bounds: [10, 20], counts: [2, 0, 1], sum: 31 }])] },
    ],
    out: [
      [{ start: 5, time: 10, count: 10, sum: 100, counts: [5, 5] }],
      [{ start: 10, time: 20, count: 1, sum: 2, counts: [1, 0] }],
      [],
      [{ start: 30, time: 40, count: 1, sum: 1, bounds: [10, 20], counts: [1, 0, 0] }],
    ],
    drops: { buckets_changed: 1 },
  },
  {
    name: 'max_staleness: a stream not seen for that long is forgotten; its next point is a first point again',
    config: { max_staleness: '10s', initial_value: 'drop' },
    steps: [
      { at: 0, metrics: [cum([{ start: 5, time: 10, value: 1 }])] },
      { at: 5_000, metrics: [cum([{ start: 5, time: 20, value: 2 }])] },
      { at: 60_000, metrics: [cum([{ start: 5, time: 80, value: 9 }])] },
    ],
    out: [[], [dl(10, 20, 1)], []],
    drops: { initial_value: 2 },
  },
  {
    name: 'max_streams: points of new streams past the limit are dropped and counted',
    config: { ...keep, max_streams: 1 },
    steps: [
      { metrics: [cum([{ start: 5, time: 10, value: 1, attrs: { s: '1' } }, { start: 5, time: 10, value: 1, attrs: { s: '2' } }])] },
      { metrics: [cum([{ start: 5, time: 20, value: 3, attrs: { s: '1' } }])] },
    ],
    out: [[dl(5, 10, 1, { attrs: { s: '1' } })], [dl(10, 20, 2, { attrs: { s: '1' } })]],
    drops: { stream_limit: 1 },
  },
];

describe('cumulativetodelta', () => {
  it.each(cases.map((k) => [k.name, k] as const))('%s', async (_name, k) => {
    const { p, set } = make(k.config);
    const got: PointOut[][] = [];
    for (const step of k.steps) {
      if (step.at !== undefined) p.sweep(step.at);
      const batch = batchOf(step.metrics);
      p.process(batch, step.at ?? 0);
      got.push(readPoints(batch));
    }
    expect(got.length).toBe(k.out.length);
    k.out.forEach((want, i) => {
      expect(got[i].length, `output of request ${i}: ${JSON.stringify(got[i])}`).toBe(want.length);
      want.forEach((w, j) => expect(got[i][j], `request ${i}, point ${j}`).toMatchObject(w));
    });
    expect(await droppedByReason(set.metrics)).toEqual(k.drops ?? {});
  });

  it('sends nothing downstream when every point was held back', async () => {
    const { p, next } = make({ initial_value: 'drop' });
    await p.consume(batchOf([cum([{ start: 5, time: 10, value: 1 }])]), EMPTY_CONTEXT);
    expect(next.batches).toHaveLength(0);
  });

  it.each([
    [{ include: { metrics: ['a'] } }, ['include::match_type: must be set (strict or regexp) when metrics are listed']],
    [{ exclude: { metrics: ['(a'], match_type: 'regexp' } }, ['exclude::metrics::0: not a valid regular expression: Invalid regular expression: /(a/: Unterminated group (got "(a")']],
    [{ include: { metrics: ['a'], match_type: 'strict', metric_types: ['sum'] }, initial_value: 'keep', max_staleness: '1h' }, []],
  ])('validates %j', (raw, errors) => {
    expect(validateCumulativeToDelta(cumulativeToDeltaSchema.parse(raw))).toEqual(errors);
  });

  it.each([[{ initial_value: 'sometimes' }], [{ include: { metric_types: ['gauge'] } }], [{ include: { match_type: 'glob' } }], [{ max_stale: '1m' }]])(
    'rejects %j',
    (raw) => {
      expect(() => cumulativeToDeltaSchema.parse(raw)).toThrow();
    },
  );
});
