import { JsonMetricsSerializer, ProtobufMetricsSerializer } from '@opentelemetry/otlp-transformer';
import { describe, expect, it } from 'vitest';
import { EXPECTED, collectSdkMetrics } from '../../test-kit/otel-sdk.js';
import { KvList } from '../any-value.js';
import { Attributes } from '../attributes.js';
import { type Metric, type MetricBatch, MetricType, Temporality } from '../metric.js';
import { decodeOtlpJson } from './decode-json.js';
import { decodeOtlpProto } from './decode-proto.js';
import { batchJson } from './encode-json.js';
import { encodeOtlpProto } from './encode-proto.js';
import { otlpType } from './schema.js';
import { normaliseOtlpJson } from '../../test-kit/otlp-json.js';

function metricByName(batch: MetricBatch, name: string): Metric {
  for (const rm of batch.resourceMetrics) for (const sm of rm.scopeMetrics) for (const m of sm.metrics) if (m.name === name) return m;
  throw new Error(`no metric ${name}`);
}


describe.each(['cumulative', 'delta'] as const)('OTLP codecs with SDK data (%s)', (temporality) => {
  it('decodes the SDK protobuf encoding with every field intact', async () => {
    const rm = await collectSdkMetrics({ temporality, runId: 'codec' });
    const bytes = ProtobufMetricsSerializer.serializeRequest(rm);
    if (bytes === undefined) throw new Error('serializer returned nothing');
    const { batch, rejectedPoints } = decodeOtlpProto(Buffer.from(bytes));
    expect(rejectedPoints).toBe(0);

    const sdkJson = JSON.parse(new TextDecoder().decode(JsonMetricsSerializer.serializeRequest(rm)));
    expect(normaliseOtlpJson(batchJson(batch))).toEqual(normaliseOtlpJson(sdkJson));

    const want = temporality === 'delta' ? Temporality.Delta : Temporality.Cumulative;
    const requests = metricByName(batch, 'http.server.requests');
    expect(requests.type).toBe(MetricType.Sum);
    if (requests.type !== MetricType.Sum) return;
    expect(requests.temporality).toBe(want);
    expect(requests.monotonic).toBe(true);
    expect(requests.points.isInt[0]).toBe(1);
    const byRoute = new Map(Array.from({ length: requests.points.length }, (_, i) => [requests.points.attributes[i].get('http.route'), requests.points.values[i]]));
    expect(byRoute.get('/cart')).toBe(EXPECTED.requestsCart);
    expect(byRoute.get('/pay')).toBe(EXPECTED.requestsPay);

    const duration = metricByName(batch, 'http.server.duration');
    expect(duration.type).toBe(MetricType.Histogram);
    if (duration.points.kind !== 'histogram') return;
    const d = duration.points;
    expect(d.counts[0]).toBe(EXPECTED.durationCount);
    expect(d.sums[0]).toBe(EXPECTED.durationSum);
    expect(Array.from(d.bucketCounts.subarray(d.bucketStart[0], d.bucketStart[1]))).toEqual(EXPECTED.durationBuckets);
    expect(d.mins[0]).toBe(EXPECTED.durationMin);
    expect(d.maxs[0]).toBe(EXPECTED.durationMax);

    const size = metricByName(batch, 'payload_size');
    expect(size.type).toBe(MetricType.ExponentialHistogram);
    if (size.points.kind !== 'exphistogram') return;
    expect(size.points.counts[0]).toBe(EXPECTED.sizeCount);
    expect(size.points.sums[0]).toBe(EXPECTED.sizeSum);

    const rattrs = batch.resourceMetrics[0].resource.attributes;
    expect(rattrs.get('host.cpu.count')).toBe(8n);
    expect(rattrs.get('process.ratio')).toBe(0.5);
    expect(rattrs.get('feature.flags')).toEqual(['a', 'b']);
  });

  it('decodes the SDK JSON encoding to the same model', async () => {
    const rm = await collectSdkMetrics({ temporality, runId: 'codec' });
    const fromProto = decodeOtlpProto(Buffer.from(ProtobufMetricsSerializer.serializeRequest(rm)!));
    const fromJson = decodeOtlpJson(new TextDecoder().decode(JsonMetricsSerializer.serializeRequest(rm)));
    expect(fromJson.rejectedPoints).toBe(0);
    expect(batchJson(fromJson.batch)).toEqual(batchJson(fromProto.batch));
  });

  it('round-trips through its own protobuf encoder', async () => {
    const rm = await collectSdkMetrics({ temporality, runId: 'codec' });
    const first = decodeOtlpProto(Buffer.from(ProtobufMetricsSerializer.serializeRequest(rm)!)).batch;
    const again = decodeOtlpProto(encodeOtlpProto(first)).batch;
    expect(batchJson(again)).toEqual(batchJson(first));
  });
});

describe('OTLP protobuf decoder edge cases', () => {
  const Req = otlpType('ExportMetricsServiceRequest');
  const t = '1700000000000000000';
  const encode = (o: object): Buffer => Buffer.from(Req.encode(Req.fromObject(o)).finish());
  const gauge = (points: object[], name = 'g') => ({ resourceMetrics: [{ scopeMetrics: [{ metrics: [{ name, gauge: { dataPoints: points } }] }] }] });

  it('rejects invalid points and keeps the rest (partial success)', () => {
    const res = decodeOtlpProto(
      encode(gauge([{ timeUnixNano: t, asDouble: 1 }, { timeUnixNano: t }, { asDouble: 2 }, { timeUnixNano: t, asInt: 3 }])),
    );
    expect(res.rejectedPoints).toBe(2);
    expect(res.rejectMessage).toContain('no value');
    expect(res.rejectMessage).toContain('time_unix_nano is required');
    expect(metricByName(res.batch, 'g').points.length).toBe(2);
  });

  it('rejects a histogram whose buckets do not match its bounds, and sums without temporality', () => {
    const res = decodeOtlpProto(
      encode({
        resourceMetrics: [
          {
            scopeMetrics: [
              {
                metrics: [
                  { name: 'h', histogram: { aggregationTemporality: 2, dataPoints: [{ timeUnixNano: t, count: 3, bucketCounts: [1, 2], explicitBounds: [1, 2] }] } },
                  { name: 's', sum: { dataPoints: [{ timeUnixNano: t, asDouble: 1 }] } },
                ],
              },
            ],
          },
        ],
      }),
    );
    expect(res.rejectedPoints).toBe(2);
    expect(res.rejectMessage).toMatch(/2 bucket_counts for 2 explicit_bounds/);
    expect(res.rejectMessage).toMatch(/aggregation_temporality must be/);
  });

  it('fails on truncated input with a clear message', () => {
    const full = encode(gauge([{ timeUnixNano: t, asDouble: 1, attributes: [{ key: 'k', value: { stringValue: 'v' } }] }]));
    for (const cut of [1, 5, full.length - 1]) {
      expect(() => decodeOtlpProto(full.subarray(0, cut))).toThrow(/invalid OTLP ExportMetricsServiceRequest/);
    }
  });

  it('accepts unpacked repeated fields and unknown fields', () => {
    const w: number[] = [];
    // Hand-built HistogramDataPoint with unpacked bucket_counts (field 6, wire type 1) and an unknown field 99.
    const point = Buffer.concat([
      Buffer.from([0x19]), u64(1700000000000000000n), // time (3, I64)
      Buffer.from([0x31]), u64(2n), // bucket_counts (6, I64)
      Buffer.from([0x31]), u64(1n),
      Buffer.from([0x39]), f64(10), // explicit_bounds (7, I64)
      Buffer.from([0x98, 0x06, 0x01]), // field 99 varint 1 (unknown)
    ]);
    const hist = Buffer.concat([Buffer.from([0x0a, point.length]), point, Buffer.from([0x10, 0x02])]);
    const metric = Buffer.concat([Buffer.from([0x0a, 1, 0x68]), Buffer.from([0x4a, hist.length]), hist]);
    const sm = Buffer.concat([Buffer.from([0x12, metric.length]), metric]);
    const rm = Buffer.concat([Buffer.from([0x12, sm.length]), sm]);
    const req = Buffer.concat([Buffer.from([0x0a, rm.length]), rm]);
    void w;
    const res = decodeOtlpProto(req);
    const h = metricByName(res.batch, 'h');
    expect(res.rejectedPoints).toBe(0);
    if (h.points.kind !== 'histogram') throw new Error('not a histogram');
    expect(Array.from(h.points.bucketCounts)).toEqual([2, 1]);
    expect(Array.from(h.points.bounds)).toEqual([10]);
  });

  it('interns identical attribute sets and keeps distinct ones apart', () => {
    const attrs = (v: string) => [{ key: 'a', value: { stringValue: v } }, { key: 'b', value: { intValue: 7 } }];
    const res = decodeOtlpProto(encode(gauge([
      { timeUnixNano: t, asDouble: 1, attributes: attrs('x') },
      { timeUnixNano: t, asDouble: 2, attributes: attrs('x') },
      { timeUnixNano: t, asDouble: 3, attributes: attrs('y') },
    ])));
    const p = metricByName(res.batch, 'g').points;
    expect(p.attributes[0]).toBe(p.attributes[1]);
    expect(p.attributes[0]).not.toBe(p.attributes[2]);
    expect(p.attributes[2].toObject()).toEqual({ a: 'y', b: 7n });
  });

  it('decodes nested attribute values and refuses absurd nesting', () => {
    const nested = { kvlistValue: { values: [{ key: 'x', value: { arrayValue: { values: [{ boolValue: true }, { bytesValue: Buffer.from([1, 2]) }] } } }] } };
    const res = decodeOtlpProto(encode(gauge([{ timeUnixNano: t, asDouble: 1, attributes: [{ key: 'n', value: nested }] }])));
    const v = metricByName(res.batch, 'g').points.attributes[0].get('n');
    expect(v).toBeInstanceOf(KvList);
    expect((v as KvList).values[0]).toEqual([true, new Uint8Array([1, 2])]);

    let deep: object = { stringValue: 'leaf' };
    for (let i = 0; i < 40; i++) deep = { arrayValue: { values: [deep] } };
    expect(() => decodeOtlpProto(encode(gauge([{ timeUnixNano: t, asDouble: 1, attributes: [{ key: 'd', value: deep }] }])))).toThrow(/nested deeper/);
  });

  it('treats an empty body as an empty request', () => {
    expect(decodeOtlpProto(Buffer.alloc(0)).batch.resourceMetrics).toEqual([]);
    expect(Attributes.EMPTY.size).toBe(0);
  });
});

describe('OTLP/JSON decoder errors', () => {
  it.each([
    ['not json', '{', /not valid JSON/],
    ['wrong top-level type', '[]', /at \$: must be an object/],
    // Found by fuzzing: describing the value for the message overflowed the stack (RangeError, a 500).
    ['wrong top-level type nested 100,000 deep', `${'['.repeat(100_000)}${']'.repeat(100_000)}`, /at \$: must be an object \(got a deeply nested array\)/],
    ['bad time', '{"resourceMetrics":[{"scopeMetrics":[{"metrics":[{"name":"g","gauge":{"dataPoints":[{"timeUnixNano":"soon","asDouble":1}]}}]}]}]}', /resourceMetrics\[0\]\.scopeMetrics\[0\]\.metrics\[0\]\.gauge\.dataPoints\[0\]\.timeUnixNano/],
    ['bad asInt', '{"resourceMetrics":[{"scopeMetrics":[{"metrics":[{"name":"g","gauge":{"dataPoints":[{"timeUnixNano":"1","asInt":"x"}]}}]}]}]}', /asInt: must be an integer/],
    ['bad trace id', '{"resourceMetrics":[{"scopeMetrics":[{"metrics":[{"name":"g","gauge":{"dataPoints":[{"timeUnixNano":"1","asInt":1,"exemplars":[{"asDouble":1,"traceId":"xyz"}]}]}}]}]}]}', /traceId: must be 32 hex digits/],
  ])('%s', (_name, body, msg) => {
    expect(() => decodeOtlpJson(body)).toThrow(msg);
  });

  it('accepts snake_case keys, string doubles and enum names', () => {
    const res = decodeOtlpJson(
      '{"resource_metrics":[{"scope_metrics":[{"metrics":[{"name":"s","sum":{"aggregation_temporality":"AGGREGATION_TEMPORALITY_DELTA","is_monotonic":true,"data_points":[{"time_unix_nano":1700000000000000000,"as_double":"NaN"}]}}]}]}]}',
    );
    const m = metricByName(res.batch, 's');
    expect(m.type === MetricType.Sum && m.temporality).toBe(Temporality.Delta);
    expect(Number.isNaN((m.points as { values: Float64Array }).values[0])).toBe(true);
  });
});

function u64(v: bigint): Buffer {
  const b = Buffer.alloc(8);
  b.writeBigUInt64LE(v);
  return b;
}
function f64(v: number): Buffer {
  const b = Buffer.alloc(8);
  b.writeDoubleLE(v);
  return b;
}
