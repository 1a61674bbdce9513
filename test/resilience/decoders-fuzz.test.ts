import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { Point } from '@influxdata/influxdb-client';
import { JsonMetricsSerializer, ProtobufMetricsSerializer } from '@opentelemetry/otlp-transformer';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Errors } from '../../src/errors/catalogue.js';
import { TributaryError } from '../../src/errors/tributary-error.js';
import { decodeOtlpJson } from '../../src/model/otlp/decode-json.js';
import { decodeOtlpProto } from '../../src/model/otlp/decode-proto.js';
import { PrwDecoder } from '../../src/model/prw/decoder.js';
import { PromType } from '../../src/model/prw/metadata.js';
import { LineProtocolParser } from '../../src/receivers/influxdb/line-protocol.js';
import { decodeOperation, protocolOf } from '../../src/receivers/putmetricdata/protocol.js';
import { readPutMetricData } from '../../src/receivers/putmetricdata/request.js';
import { collectSdkMetrics } from '../../src/test-kit/otel-sdk.js';
import { encodeV1, encodeV2, labelsOf } from '../../src/test-kit/prw-encode.js';
import { FuzzTally, byteMutations, deepJson, mutate, textMutations } from '../kit/fuzz.js';
import { sized } from '../kit/long.js';

/**
 * Every decoder a receiver runs on untrusted bytes, fed random bytes and
 * mutations (flips, cuts, insertions of hostile varints and lengths,
 * duplicated and deleted runs) of real payloads: the OpenTelemetry SDK's
 * own OTLP serialisers, remote write 1.0/2.0 requests, line protocol from
 * the InfluxDB client library, and PutMetricData bodies botocore produced
 * in each of the three protocols. Each input must decode or be refused with
 * a TributaryError that maps to a 4xx; a hang shows as the test's timeout.
 * Afterwards each stateful decoder still decodes its valid payload the same.
 */

const MUTANTS = sized(300, 10_000);
const RANDOM = sized(100, 3_000);
const NOW_MS = 1_700_000_000_000;
const tally = new FuzzTally();

interface Target {
  readonly name: string;
  readonly map: 'otlp' | 'aws';
  readonly text: boolean;
  readonly seeds: readonly Buffer[];
  readonly decode: (b: Buffer, seed: number) => unknown;
}

const targets: Target[] = [];

beforeAll(async () => {
  const sdk = [await collectSdkMetrics({ temporality: 'cumulative', runId: 'fuzz' }), await collectSdkMetrics({ temporality: 'delta', runId: 'fuzz' })];
  targets.push({
    name: 'otlp protobuf',
    map: 'otlp',
    text: false,
    seeds: sdk.map((rm) => Buffer.from(ProtobufMetricsSerializer.serializeRequest(rm)!)),
    decode: (b) => decodeOtlpProto(b),
  });
  targets.push({
    name: 'otlp json',
    map: 'otlp',
    text: true,
    seeds: sdk.map((rm) => Buffer.from(JsonMetricsSerializer.serializeRequest(rm)!)),
    decode: (b) => decodeOtlpJson(b.toString('utf8')),
  });

  const T = NOW_MS;
  const series = [
    { labels: labelsOf({ __name__: 'http_requests_total', job: 'api', instance: 'a:1', code: '200' }), samples: [{ value: 1, ts: T }, { value: 'stale' as const, ts: T + 15_000 }], exemplars: [{ labels: labelsOf({ trace_id: 'abc' }), value: 1, ts: T }], metadata: { type: PromType.COUNTER, help: 'Requests.', unit: 'seconds' } },
    { labels: labelsOf({ __name__: 'lat_bucket', le: '+Inf' }), samples: [{ value: 2, ts: T }], metadata: { type: PromType.HISTOGRAM } },
    { labels: labelsOf({ __name__: 'nh' }), histograms: [{ countInt: 4, sum: 3, schema: 1, zeroCountInt: 1, zeroThreshold: 0.001, positiveSpans: [[-1, 2]] as [number, number][], positiveDeltas: [2, -1], ts: T }] },
  ];
  const rw = new PrwDecoder();
  targets.push({ name: 'remote write 1.0', map: 'otlp', text: false, seeds: [encodeV1(series, [{ type: PromType.HISTOGRAM, family: 'lat' }])], decode: (b) => rw.decodeV1(b) });
  targets.push({ name: 'remote write 2.0', map: 'otlp', text: false, seeds: [encodeV2(series)], decode: (b) => rw.decodeV2(b) });

  const lp = new LineProtocolParser();
  const lines = [
    new Point('cpu').tag('host', 'web 1').tag('region', 'eu,west').floatField('usage_user', 12.5).intField('procs', 301).uintField('ctx', 7).booleanField('up', true).stringField('note', 'said "hi"\nbye').timestamp('1700000000000000000'),
    new Point('disk space').tag('path', '/var=x').floatField('free', -1e-9).timestamp('1700000000000000001'),
  ].map((p) => p.toLineProtocol()!);
  targets.push({
    name: 'influx line protocol',
    map: 'otlp',
    text: true,
    seeds: [Buffer.from(`${lines.join('\n')}\n# comment\n\n`)],
    decode: (b, seed) => {
      const r = lp.parse(b.toString('utf8'), (['ns', 'us', 'ms', 's', 'm', 'h'] as const)[seed % 6], NOW_MS);
      // The parser reports bad lines; the receiver (http.ts) refuses such a request with this error.
      if (r.badLines > 0) throw new TributaryError(Errors.DECODE_TEXT, r.errors.join('; '));
      return r;
    },
  });

  const recorded = JSON.parse(readFileSync(join(import.meta.dirname, '..', '..', 'src', 'receivers', 'putmetricdata', 'testdata', 'botocore-vectors.json'), 'utf8')) as {
    now: string;
    vectors: { name: string; url: string; headers: [string, string][]; body: string }[];
  };
  const now = Date.parse(recorded.now);
  for (const proto of ['query', 'json', 'cbor'] as const) {
    const vs = recorded.vectors.filter((v) => protocolOf(new URL(v.url).pathname, Object.fromEntries(v.headers.map(([k, x]) => [k.toLowerCase(), x]))) === proto);
    const headers = Object.fromEntries(vs[0].headers.map(([k, x]) => [k.toLowerCase(), x]));
    delete headers['content-encoding'];
    const path = new URL(vs[0].url).pathname;
    targets.push({
      name: `putmetricdata ${proto}`,
      map: 'aws',
      text: proto !== 'cbor',
      seeds: vs.map((v) => {
        const b = Buffer.from(v.body, 'base64');
        return v.headers.some(([k, x]) => k.toLowerCase() === 'content-encoding' && x === 'gzip') ? gunzipSync(b) : b;
      }),
      decode: (b) => {
        const read = readPutMetricData(decodeOperation(proto, path, headers, b, ''), now);
        if (!read.ok) throw read.error;
        return read.request;
      },
    });
  }
}, 60_000);

afterAll(() => {
  for (const line of tally.lines()) console.log(line);
});

const NAMES = ['otlp protobuf', 'otlp json', 'remote write 1.0', 'remote write 2.0', 'influx line protocol', 'putmetricdata query', 'putmetricdata json', 'putmetricdata cbor'];
const timeout = sized(60_000, 900_000);

describe.each(NAMES)('%s decoder under fuzzing', (name) => {
  const target = (): Target => targets.find((t) => t.name === name)!;
  let before: string[] = [];

  it('decodes its real payloads', () => {
    const t = target();
    before = t.seeds.map((s, i) => JSON.stringify(t.decode(s, i), replacer));
    expect(before.length).toBeGreaterThan(0);
  });

  it(`mutations of real payloads (${MUTANTS} inputs)`, () => {
    const t = target();
    fc.assert(
      fc.property(fc.nat(), t.text ? textMutations : byteMutations, (seed, ms) => tally.check(name, t.map, () => t.decode(mutate(t.seeds[seed % t.seeds.length], ms), seed))),
      { numRuns: MUTANTS },
    );
  }, timeout);

  it(`random input (${RANDOM} inputs)`, () => {
    const t = target();
    const input = t.text ? fc.string({ unit: 'binary', maxLength: 400 }).map((s) => Buffer.from(s, 'utf8')) : fc.uint8Array({ maxLength: 400 }).map((u) => Buffer.from(u));
    fc.assert(fc.property(fc.nat(), input, (seed, b) => tally.check(name, t.map, () => t.decode(b, seed))), { numRuns: RANDOM });
  }, timeout);

  it('still decodes its real payloads the same afterwards', () => {
    const t = target();
    expect(t.seeds.map((s, i) => JSON.stringify(t.decode(s, i), replacer))).toEqual(before);
  });
});

describe('deeply nested JSON', () => {
  it.each([
    ['otlp json', 'array'],
    ['otlp json', 'kvlist'],
    ['otlp json', 'raw'],
    ['putmetricdata json', 'raw'],
  ] as const)('%s refuses or decodes %s nesting 100,000 deep', (name, kind) => {
    const t = targets.find((x) => x.name === name)!;
    expect(tally.check(`${name} (deep)`, t.map, () => t.decode(Buffer.from(deepJson(100_000, kind)), 0))).toBe(true);
  });
});

/** JSON.stringify for decoder output: typed arrays and bigints as plain values, maps as entries. */
function replacer(_k: string, v: unknown): unknown {
  if (typeof v === 'bigint') return v.toString();
  if (ArrayBuffer.isView(v)) return Array.from(v as unknown as ArrayLike<number>);
  if (v instanceof Map) return [...v];
  if (typeof v === 'object' && v !== null && 'toObject' in v && typeof v.toObject === 'function') return (v as { toObject(): unknown }).toObject();
  return v;
}
