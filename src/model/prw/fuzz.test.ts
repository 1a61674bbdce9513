import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { TributaryError } from '../../errors/tributary-error.js';
import { metricRows } from '../../test-kit/metric-rows.js';
import { type RwSeries, encodeV1, encodeV2, labelsOf } from '../../test-kit/prw-encode.js';
import { PrwDecoder } from './decoder.js';
import { PromType } from './metadata.js';

/**
 * Whatever bytes arrive, each decoder either decodes them or refuses them
 * with a TributaryError carrying a 4xx status; it never crashes and a
 * failed request leaves nothing behind (a valid request decodes the same
 * before and after the fuzzing).
 */

const RUNS = 10_000;
const T = 1_700_000_000_000;

const SERIES: RwSeries[] = [
  {
    labels: labelsOf({ __name__: 'http_requests_total', job: 'shop/api', instance: 'a:1', code: '200' }),
    samples: [{ value: 1, ts: T }, { value: 'stale', ts: T + 15_000 }],
    exemplars: [{ labels: labelsOf({ trace_id: '0af7651916cd43dd8448eb211c80319c' }), value: 1, ts: T }],
    metadata: { type: PromType.COUNTER, help: 'Requests.', unit: 'seconds' },
  },
  { labels: labelsOf({ __name__: 'lat_bucket', le: '1' }), samples: [{ value: 1, ts: T }], metadata: { type: PromType.HISTOGRAM } },
  { labels: labelsOf({ __name__: 'lat_bucket', le: '+Inf' }), samples: [{ value: 2, ts: T }], metadata: { type: PromType.HISTOGRAM } },
  { labels: labelsOf({ __name__: 'lat_count' }), samples: [{ value: 2, ts: T }], metadata: { type: PromType.HISTOGRAM } },
  {
    labels: labelsOf({ __name__: 'nh', job: 'j' }),
    histograms: [
      { countInt: 19, sum: 3, schema: 1, zeroCountInt: 7, zeroThreshold: 0.001, positiveSpans: [[-2, 2], [3, 1]], positiveDeltas: [2, -1, 3], negativeSpans: [[0, 1]], negativeDeltas: [5], ts: T, start: T - 5 },
      { countFloat: 3, sum: 1, schema: -53, customValues: [1, 5], positiveSpans: [[0, 2]], positiveCounts: [1, 2], ts: T + 1 },
    ],
    createdTs: T - 10,
  },
];
const META = [{ type: PromType.HISTOGRAM, family: 'lat' }, { type: PromType.COUNTER, family: 'http_requests_total', unit: 'seconds' }];

type Mutation = { kind: 'flip'; at: number; xor: number } | { kind: 'cut'; at: number } | { kind: 'insert'; at: number; bytes: Uint8Array } | { kind: 'dup'; from: number; len: number; at: number };

const mutation: fc.Arbitrary<Mutation[]> = fc.array(
  fc.oneof(
    fc.record({ kind: fc.constant('flip' as const), at: fc.nat(), xor: fc.integer({ min: 1, max: 255 }) }),
    fc.record({ kind: fc.constant('cut' as const), at: fc.nat() }),
    fc.record({ kind: fc.constant('insert' as const), at: fc.nat(), bytes: fc.uint8Array({ minLength: 1, maxLength: 12 }) }),
    fc.record({ kind: fc.constant('dup' as const), from: fc.nat(), len: fc.integer({ min: 1, max: 64 }), at: fc.nat() }),
  ),
  { minLength: 1, maxLength: 4 },
);

function mutate(body: Buffer, ms: Mutation[]): Buffer {
  let b = Buffer.from(body);
  for (const m of ms) {
    if (b.length === 0) break;
    switch (m.kind) {
      case 'flip':
        b[m.at % b.length] ^= m.xor;
        break;
      case 'cut':
        b = b.subarray(0, m.at % b.length);
        break;
      case 'insert': {
        const at = m.at % (b.length + 1);
        b = Buffer.concat([b.subarray(0, at), m.bytes, b.subarray(at)]);
        break;
      }
      case 'dup': {
        const from = m.from % b.length;
        const at = m.at % (b.length + 1);
        b = Buffer.concat([b.subarray(0, at), b.subarray(from, from + m.len), b.subarray(at)]);
        break;
      }
    }
  }
  return b;
}

/** Decodes or throws a 4xx TributaryError; anything else fails the property. */
function decodesOrRefuses(decode: () => unknown): boolean {
  try {
    decode();
    return true;
  } catch (err) {
    if (!(err instanceof TributaryError)) throw err;
    if (err.def.http < 400 || err.def.http >= 500) throw new Error(`status ${err.def.http} for bad input: ${err.message}`);
    return true;
  }
}

describe.each([
  ['1.0', (d: PrwDecoder, b: Buffer) => d.decodeV1(b), encodeV1(SERIES, META)],
  ['2.0', (d: PrwDecoder, b: Buffer) => d.decodeV2(b), encodeV2(SERIES)],
] as const)('remote write %s decoder under fuzzing', (_, decode, valid) => {
  const d = new PrwDecoder();
  const before = JSON.stringify(metricRows(decode(d, valid).batch));

  it(`random bytes (${RUNS} runs)`, () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (bytes) => decodesOrRefuses(() => decode(d, Buffer.from(bytes)))),
      { numRuns: RUNS },
    );
  });

  it(`mutations of a valid request (${RUNS} runs)`, () => {
    fc.assert(
      fc.property(mutation, (ms) => decodesOrRefuses(() => decode(d, mutate(valid, ms)))),
      { numRuns: RUNS },
    );
  });

  it('a valid request decodes the same afterwards', () => {
    expect(JSON.stringify(metricRows(decode(d, valid).batch))).toBe(before);
    expect(before).toContain('"http_requests_total"');
    expect(before).toContain('exphistogram');
  });
});
