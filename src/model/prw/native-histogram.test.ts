import { describe, expect, it } from 'vitest';
import { TributaryError } from '../../errors/tributary-error.js';
import { upperBound } from '../exp-histogram.js';
import { metricRows } from '../../test-kit/metric-rows.js';
import { type RwHistogram, encodeV1, encodeV2, labelsOf } from '../../test-kit/prw-encode.js';
import { PrwDecoder } from './decoder.js';
import { MAX_DENSE_BUCKETS } from './native-histogram.js';

const T = 1_700_000_000_000;

function decode(h: RwHistogram, version: 1 | 2 = 1) {
  const series = [{ labels: labelsOf({ __name__: 'h', job: 'j' }), histograms: [h] }];
  const d = new PrwDecoder();
  const out = version === 1 ? d.decodeV1(encodeV1(series)) : d.decodeV2(encodeV2(series));
  return { ...out, rows: metricRows(out.batch) };
}

describe('native histograms -> exponential histograms', () => {
  const cases: [string, RwHistogram, object][] = [
    [
      'integer, schema 0: Prometheus buckets 1..2 are OTel buckets 0..1 ((1,2] and (2,4])',
      { countInt: 3, sum: 4.5, schema: 0, zeroThreshold: 2.938735877055719e-39, positiveSpans: [[1, 2]], positiveDeltas: [1, 1], ts: T },
      { scale: 0, count: 3, sum: 4.5, zeroCount: 0, zeroThreshold: 2.938735877055719e-39, positive: { offset: 0, counts: [1, 2] }, negative: { offset: -1, counts: [] } },
    ],
    [
      'spans with a gap, negative buckets and a zero bucket',
      {
        countInt: 19,
        sum: -3,
        schema: 0,
        zeroThreshold: 0.001,
        zeroCountInt: 7,
        positiveSpans: [[-2, 2], [3, 1]],
        positiveDeltas: [2, -1, 3],
        negativeSpans: [[0, 1]],
        negativeDeltas: [5],
        ts: T,
      },
      { count: 19, zeroCount: 7, zeroThreshold: 0.001, positive: { offset: -3, counts: [2, 1, 0, 0, 0, 4] }, negative: { offset: -1, counts: [5] } },
    ],
    [
      'float histogram: absolute counts',
      { countFloat: 6, sum: 2, schema: 2, zeroCountFloat: 1, positiveSpans: [[0, 2]], positiveCounts: [2, 3], ts: T },
      { scale: 2, count: 6, zeroCount: 1, positive: { offset: -1, counts: [2, 3] } },
    ],
    ['the coarsest schema, -4', { countInt: 1, sum: 1, schema: -4, positiveSpans: [[0, 1]], positiveDeltas: [1], ts: T }, { scale: -4, positive: { offset: -1, counts: [1] } }],
    [
      'a finer schema than 8 (reserved 9..52) is merged down to 8',
      { countInt: 4, sum: 4, schema: 10, positiveSpans: [[1, 4]], positiveDeltas: [1, 0, 0, 0], ts: T },
      { scale: 8, positive: { offset: 0, counts: [4] } },
    ],
    ['no buckets at all', { countInt: 0, sum: 0, schema: 3, ts: T }, { scale: 3, count: 0, positive: { offset: -1, counts: [] } }],
  ];
  it.each(cases)('%s', (_, h, want) => {
    const { rows, histograms } = decode(h);
    expect(histograms).toBe(1);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ name: 'h', type: 'exphistogram', resource: { 'service.name': 'j' }, promType: 'histogram', flags: 0, time: '1700000000000000000', ...want });
  });

  it('bucket boundaries agree with Prometheus: OTel bucket k at scale s ends at 2^((k+1)/2^s) = Prometheus bucket k+1', () => {
    const { rows } = decode({ countInt: 1, sum: 1, schema: 3, positiveSpans: [[5, 1]], positiveDeltas: [1], ts: T });
    const k = rows[0].positive!.offset;
    // Prometheus bucket 5 at schema 3 is (2^(4/8), 2^(5/8)].
    expect(upperBound(3, k)).toBeCloseTo(2 ** (5 / 8), 12);
    expect(upperBound(3, k - 1)).toBeCloseTo(2 ** (4 / 8), 12);
  });

  it('2.0: the same message, with start_timestamp (rc.4) as the start time', () => {
    const { rows } = decode({ countInt: 1, sum: 1, schema: 0, positiveSpans: [[1, 1]], positiveDeltas: [1], ts: T, start: T - 1000 }, 2);
    expect(rows[0]).toMatchObject({ type: 'exphistogram', start: '1699999999000000000', positive: { offset: 0, counts: [1] } });
  });

  it('a staleness marker in the sum: NO_RECORDED_VALUE, no buckets', () => {
    const { rows } = decode({ countInt: 0, sum: 'stale', schema: 0, ts: T });
    expect(rows[0]).toMatchObject({ type: 'exphistogram', flags: 1, count: 0, positive: { counts: [] } });
  });
});

describe('native histograms with custom buckets (schema -53) -> explicit histograms', () => {
  it('custom_values are the bounds; spans place the counts', () => {
    const { rows } = decode({ countInt: 9, sum: 20, schema: -53, customValues: [0.1, 1, 10], positiveSpans: [[0, 2], [1, 1]], positiveDeltas: [3, -1, 2], ts: T });
    expect(rows[0]).toMatchObject({ type: 'histogram', bounds: [0.1, 1, 10], buckets: [3, 2, 0, 4], count: 9, sum: 20, promType: 'histogram' });
  });

  it('float counts', () => {
    const { rows } = decode({ countFloat: 3, sum: 1, schema: -53, customValues: [1], positiveSpans: [[1, 1]], positiveCounts: [3], ts: T });
    expect(rows[0]).toMatchObject({ bounds: [1], buckets: [0, 3], count: 3 });
  });
});

describe('native histograms the model cannot hold are dropped and counted', () => {
  it('a gauge histogram (reset hint GAUGE)', () => {
    const { rows, dropped, histograms } = decode({ countInt: 1, sum: 1, schema: 0, positiveSpans: [[0, 1]], positiveDeltas: [1], resetHint: 3, ts: T });
    expect(rows).toEqual([]);
    expect(histograms).toBe(0);
    expect(dropped.get('native_gauge_histogram')).toBe(1);
  });

  it('a float histogram with fractional counts', () => {
    const { rows, dropped } = decode({ countFloat: 1.5, sum: 1, schema: 0, positiveSpans: [[0, 1]], positiveCounts: [1.5], ts: T });
    expect(rows).toEqual([]);
    expect(dropped.get('native_histogram_fractional_counts')).toBe(1);
  });
});

describe('invalid native histograms are refused with a 400 that names the series and the fault', () => {
  const bad: [string, RwHistogram, RegExp][] = [
    ['more deltas than spans cover', { countInt: 1, sum: 0, schema: 0, positiveSpans: [[0, 1]], positiveDeltas: [1, 1], ts: T }, /positive spans cover 1 buckets but 2 deltas were sent/],
    ['a negative bucket count', { countInt: 1, sum: 0, schema: 0, positiveSpans: [[0, 2]], positiveDeltas: [1, -2], ts: T }, /positive bucket 1 has a negative or NaN count \(-1\)/],
    ['schema out of range', { countInt: 0, sum: 0, schema: 60, ts: T }, /schema 60 is not valid/],
    ['a later span with a negative offset', { countInt: 2, sum: 0, schema: 0, positiveSpans: [[0, 1], [-3, 1]], positiveDeltas: [1, 0], ts: T }, /span 1 has a negative offset -3/],
    ['buckets too far apart', { countInt: 2, sum: 0, schema: 0, positiveSpans: [[0, 1], [MAX_DENSE_BUCKETS, 1]], positiveDeltas: [1, 0], ts: T }, /at most 65536 can be converted/],
    ['deltas and counts together', { countInt: 2, sum: 0, schema: 0, positiveSpans: [[0, 1]], positiveDeltas: [1], negativeSpans: [[0, 1]], negativeCounts: [1], ts: T }, /both bucket deltas .* and bucket counts/],
    ['custom values not increasing', { countInt: 0, sum: 0, schema: -53, customValues: [1, 1], ts: T }, /custom_values must be finite and strictly increasing/],
    ['a custom bucket that does not exist', { countInt: 1, sum: 0, schema: -53, customValues: [1], positiveSpans: [[2, 1]], positiveDeltas: [1], ts: T }, /buckets 2..2 do not exist: 1 custom_values make buckets 0..1/],
  ];
  it.each(bad)('%s', (_, h, message) => {
    let err: unknown;
    try {
      decode(h);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(TributaryError);
    expect((err as TributaryError).def.http).toBe(400);
    expect((err as TributaryError).message).toMatch(/^native histogram of h\{job="j"\}: /);
    expect((err as TributaryError).message).toMatch(message);
  });
});

describe('exemplars of native histograms', () => {
  it('attach to the histogram point of their series', () => {
    const series = [
      {
        labels: labelsOf({ __name__: 'h' }),
        histograms: [{ countInt: 1, sum: 1, schema: 0, positiveSpans: [[1, 1]] as [number, number][], positiveDeltas: [1], ts: T }],
        exemplars: [{ labels: labelsOf({ trace_id: '4bf92f3577b34da6a3ce929d0e0e4736' }), value: 1.2, ts: T }],
      },
    ];
    const out = new PrwDecoder().decodeV1(encodeV1(series));
    expect(out.exemplars).toBe(1);
    expect(metricRows(out.batch)[0].exemplars).toEqual([{ value: 1.2, timeMs: T, traceId: '4bf92f3577b34da6a3ce929d0e0e4736', spanId: '', attrs: {} }]);
  });
});
