import { type AnyValue, KvList } from '../any-value.js';
import type { Attributes } from '../attributes.js';
import { type Exemplar, HAS_MAX, HAS_MIN, HAS_SUM, type Metric, type MetricBatch, MetricType, type PointColumns } from '../metric.js';
import { ProtoWriter, varintSize } from '../proto/writer.js';

/**
 * Encodes the model as an OTLP ExportMetricsServiceRequest (protobuf), the
 * inverse of decode-proto.ts with the same field numbers. Default values are
 * left out as proto3 does; optional fields (sum, min, max) follow the `has` bits.
 */

const LEN = 2;
const I64 = 1;
const VARINT = 0;

function anyValue(w: ProtoWriter, v: AnyValue): void {
  if (typeof v === 'string') w.tag(1, LEN).string(v);
  else if (typeof v === 'boolean') w.tag(2, VARINT).bool(v);
  else if (typeof v === 'bigint') w.tag(3, VARINT).int64BigInt(v);
  else if (typeof v === 'number') w.tag(4, I64).double(v);
  else if (v === null) return;
  else if (v instanceof Uint8Array) w.tag(7, LEN).bytes(v);
  else if (v instanceof KvList) {
    w.tag(6, LEN).fork();
    for (let i = 0; i < v.keys.length; i++) keyValue(w, 1, v.keys[i], v.values[i]);
    w.join();
  } else {
    w.tag(5, LEN).fork();
    for (const e of v) {
      w.tag(1, LEN).fork();
      anyValue(w, e);
      w.join();
    }
    w.join();
  }
}

function keyValue(w: ProtoWriter, field: number, key: string, value: AnyValue): void {
  w.tag(field, LEN).fork();
  w.tag(1, LEN).string(key);
  w.tag(2, LEN).fork();
  anyValue(w, value);
  w.join();
  w.join();
}

export function writeAttributes(w: ProtoWriter, field: number, a: Attributes): void {
  for (let i = 0; i < a.keys.length; i++) keyValue(w, field, a.keys[i], a.values[i]);
}

function exemplar(w: ProtoWriter, field: number, e: Exemplar): void {
  w.tag(field, LEN).fork();
  writeAttributes(w, 7, e.filteredAttributes);
  if (e.timeUnixNano !== 0n) w.tag(2, I64).fixed64Pair(Number(e.timeUnixNano & 0xffffffffn), Number(e.timeUnixNano >> 32n));
  if (e.isInt) w.tag(6, I64).fixed64(e.value);
  else w.tag(3, I64).double(e.value);
  if (e.spanId.length > 0) w.tag(4, LEN).bytes(e.spanId);
  if (e.traceId.length > 0) w.tag(5, LEN).bytes(e.traceId);
  w.join();
}

function times(w: ProtoWriter, p: PointColumns, i: number): void {
  const s = p.startTimes;
  if (s[2 * i] !== 0 || s[2 * i + 1] !== 0) w.tag(2, I64).fixed64Pair(s[2 * i], s[2 * i + 1]);
  const t = p.times;
  if (t[2 * i] !== 0 || t[2 * i + 1] !== 0) w.tag(3, I64).fixed64Pair(t[2 * i], t[2 * i + 1]);
}

function exemplars(w: ProtoWriter, field: number, p: PointColumns, i: number): void {
  const ex = p.exemplars?.[i];
  if (ex !== undefined) for (const e of ex) exemplar(w, field, e);
}

function flags(w: ProtoWriter, field: number, p: PointColumns, i: number): void {
  if (p.flags[i] !== 0) w.tag(field, VARINT).uint32(p.flags[i]);
}

function packedFixed64(w: ProtoWriter, field: number, a: Float64Array, from: number, to: number): void {
  if (to <= from) return;
  w.tag(field, LEN).uint32((to - from) * 8);
  for (let k = from; k < to; k++) w.fixed64(a[k]);
}

function packedDouble(w: ProtoWriter, field: number, a: Float64Array, from: number, to: number): void {
  if (to <= from) return;
  w.tag(field, LEN).uint32((to - from) * 8);
  for (let k = from; k < to; k++) w.double(a[k]);
}

function packedUint64(w: ProtoWriter, field: number, a: Float64Array, from: number, to: number): void {
  if (to <= from) return;
  let size = 0;
  for (let k = from; k < to; k++) size += varintSize(a[k]);
  w.tag(field, LEN).uint32(size);
  for (let k = from; k < to; k++) w.uint64(a[k]);
}

function dataPoints(w: ProtoWriter, m: Metric): void {
  const p = m.points;
  for (let i = 0; i < p.length; i++) {
    w.tag(1, LEN).fork();
    switch (p.kind) {
      case 'number':
        writeAttributes(w, 7, p.attributes[i]);
        times(w, p, i);
        if ((p.flags[i] & 1) === 0 || p.values[i] !== 0) {
          if (p.isInt[i] === 1) w.tag(6, I64).fixed64(p.values[i]);
          else w.tag(4, I64).double(p.values[i]);
        }
        exemplars(w, 5, p, i);
        flags(w, 8, p, i);
        break;
      case 'histogram':
        writeAttributes(w, 9, p.attributes[i]);
        times(w, p, i);
        w.tag(4, I64).fixed64(p.counts[i]);
        if ((p.has[i] & HAS_SUM) !== 0) w.tag(5, I64).double(p.sums[i]);
        packedFixed64(w, 6, p.bucketCounts, p.bucketStart[i], p.bucketStart[i + 1]);
        packedDouble(w, 7, p.bounds, p.boundStart[i], p.boundStart[i + 1]);
        exemplars(w, 8, p, i);
        flags(w, 10, p, i);
        if ((p.has[i] & HAS_MIN) !== 0) w.tag(11, I64).double(p.mins[i]);
        if ((p.has[i] & HAS_MAX) !== 0) w.tag(12, I64).double(p.maxs[i]);
        break;
      case 'exphistogram': {
        writeAttributes(w, 1, p.attributes[i]);
        times(w, p, i);
        w.tag(4, I64).fixed64(p.counts[i]);
        if ((p.has[i] & HAS_SUM) !== 0) w.tag(5, I64).double(p.sums[i]);
        if (p.scales[i] !== 0) w.tag(6, VARINT).sint32(p.scales[i]);
        if (p.zeroCounts[i] !== 0) w.tag(7, I64).fixed64(p.zeroCounts[i]);
        w.tag(8, LEN).fork();
        if (p.posOffsets[i] !== 0) w.tag(1, VARINT).sint32(p.posOffsets[i]);
        packedUint64(w, 2, p.posCounts, p.posStart[i], p.posStart[i + 1]);
        w.join();
        w.tag(9, LEN).fork();
        if (p.negOffsets[i] !== 0) w.tag(1, VARINT).sint32(p.negOffsets[i]);
        packedUint64(w, 2, p.negCounts, p.negStart[i], p.negStart[i + 1]);
        w.join();
        flags(w, 10, p, i);
        exemplars(w, 11, p, i);
        if ((p.has[i] & HAS_MIN) !== 0) w.tag(12, I64).double(p.mins[i]);
        if ((p.has[i] & HAS_MAX) !== 0) w.tag(13, I64).double(p.maxs[i]);
        if (p.zeroThresholds[i] !== 0) w.tag(14, I64).double(p.zeroThresholds[i]);
        break;
      }
      case 'summary':
        writeAttributes(w, 7, p.attributes[i]);
        times(w, p, i);
        if (p.counts[i] !== 0) w.tag(4, I64).fixed64(p.counts[i]);
        if (p.sums[i] !== 0) w.tag(5, I64).double(p.sums[i]);
        for (let k = p.quantileStart[i]; k < p.quantileStart[i + 1]; k++) {
          w.tag(6, LEN).fork();
          if (p.quantiles[k] !== 0) w.tag(1, I64).double(p.quantiles[k]);
          if (p.quantileValues[k] !== 0) w.tag(2, I64).double(p.quantileValues[k]);
          w.join();
        }
        flags(w, 8, p, i);
        break;
    }
    w.join();
  }
}

function metric(w: ProtoWriter, m: Metric): void {
  w.tag(2, LEN).fork();
  if (m.name !== '') w.tag(1, LEN).string(m.name);
  if (m.description !== '') w.tag(2, LEN).string(m.description);
  if (m.unit !== '') w.tag(3, LEN).string(m.unit);
  switch (m.type) {
    case MetricType.Gauge:
      w.tag(5, LEN).fork();
      dataPoints(w, m);
      break;
    case MetricType.Sum:
      w.tag(7, LEN).fork();
      dataPoints(w, m);
      if (m.temporality !== 0) w.tag(2, VARINT).uint32(m.temporality);
      if (m.monotonic) w.tag(3, VARINT).bool(true);
      break;
    case MetricType.Histogram:
      w.tag(9, LEN).fork();
      dataPoints(w, m);
      if (m.temporality !== 0) w.tag(2, VARINT).uint32(m.temporality);
      break;
    case MetricType.ExponentialHistogram:
      w.tag(10, LEN).fork();
      dataPoints(w, m);
      if (m.temporality !== 0) w.tag(2, VARINT).uint32(m.temporality);
      break;
    case MetricType.Summary:
      w.tag(11, LEN).fork();
      dataPoints(w, m);
      break;
  }
  w.join();
  writeAttributes(w, 12, m.metadata);
  w.join();
}

/** Writes the request into `w` (appending). */
export function writeOtlpProto(w: ProtoWriter, batch: MetricBatch): void {
  for (const rm of batch.resourceMetrics) {
    w.tag(1, LEN).fork();
    w.tag(1, LEN).fork();
    writeAttributes(w, 1, rm.resource.attributes);
    if (rm.resource.droppedAttributesCount !== 0) w.tag(2, VARINT).uint32(rm.resource.droppedAttributesCount);
    w.join();
    for (const sm of rm.scopeMetrics) {
      w.tag(2, LEN).fork();
      w.tag(1, LEN).fork();
      if (sm.scope.name !== '') w.tag(1, LEN).string(sm.scope.name);
      if (sm.scope.version !== '') w.tag(2, LEN).string(sm.scope.version);
      writeAttributes(w, 3, sm.scope.attributes);
      if (sm.scope.droppedAttributesCount !== 0) w.tag(4, VARINT).uint32(sm.scope.droppedAttributesCount);
      w.join();
      for (const m of sm.metrics) metric(w, m);
      if (sm.schemaUrl !== '') w.tag(3, LEN).string(sm.schemaUrl);
      w.join();
    }
    if (rm.schemaUrl !== '') w.tag(3, LEN).string(rm.schemaUrl);
    w.join();
  }
}

export function encodeOtlpProto(batch: MetricBatch): Buffer {
  const w = new ProtoWriter(16384);
  writeOtlpProto(w, batch);
  return w.finish();
}
