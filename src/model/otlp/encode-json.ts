import { type AnyValue, KvList } from '../any-value.js';
import type { Attributes } from '../attributes.js';
import {
  type Exemplar,
  HAS_MAX,
  HAS_MIN,
  HAS_SUM,
  type Metric,
  type MetricBatch,
  MetricType,
  type PointColumns,
} from '../metric.js';
import { timeIsZero, timeString } from '../time.js';

/**
 * Encodes the model as OTLP/JSON (an ExportMetricsServiceRequest), the form
 * the Collector's file exporter writes: lowerCamelCase keys, int64 as decimal
 * strings, integer enums, hex ids, default values left out.
 */

type Json = Record<string, unknown>;

function dbl(v: number): number | string {
  if (Number.isFinite(v)) return v;
  return Number.isNaN(v) ? 'NaN' : v > 0 ? 'Infinity' : '-Infinity';
}

/** uint64 / int64 held in a double: decimal string, as proto3 JSON writes 64-bit integers. */
function i64(v: number): string {
  return Number.isSafeInteger(v) ? String(v) : BigInt(Math.trunc(v)).toString();
}

export function anyValueJson(v: AnyValue): Json {
  if (typeof v === 'string') return { stringValue: v };
  if (typeof v === 'boolean') return { boolValue: v };
  if (typeof v === 'bigint') return { intValue: v.toString() };
  if (typeof v === 'number') return { doubleValue: dbl(v) };
  if (v === null) return {};
  if (v instanceof Uint8Array) return { bytesValue: Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString('base64') };
  if (v instanceof KvList) {
    return { kvlistValue: { values: v.keys.map((k, i) => ({ key: k, value: anyValueJson(v.values[i]) })) } };
  }
  return { arrayValue: { values: v.map(anyValueJson) } };
}

export function attributesJson(a: Attributes): Json[] {
  const out: Json[] = [];
  for (let i = 0; i < a.keys.length; i++) out.push({ key: a.keys[i], value: anyValueJson(a.values[i]) });
  return out;
}

function setIf(o: Json, key: string, v: unknown, present: boolean): void {
  if (present) o[key] = v;
}

function exemplarJson(e: Exemplar): Json {
  const o: Json = {};
  setIf(o, 'filteredAttributes', attributesJson(e.filteredAttributes), e.filteredAttributes.size > 0);
  setIf(o, 'timeUnixNano', e.timeUnixNano.toString(), e.timeUnixNano !== 0n);
  if (e.isInt) o.asInt = i64(e.value);
  else o.asDouble = dbl(e.value);
  setIf(o, 'spanId', Buffer.from(e.spanId).toString('hex'), e.spanId.length > 0);
  setIf(o, 'traceId', Buffer.from(e.traceId).toString('hex'), e.traceId.length > 0);
  return o;
}

function commonJson(p: PointColumns, i: number): Json {
  const o: Json = {};
  const a = p.attributes[i];
  setIf(o, 'attributes', attributesJson(a), a.size > 0);
  setIf(o, 'startTimeUnixNano', timeString(p.startTimes, i), !timeIsZero(p.startTimes, i));
  setIf(o, 'timeUnixNano', timeString(p.times, i), !timeIsZero(p.times, i));
  return o;
}

function tailJson(o: Json, p: PointColumns, i: number): Json {
  const ex = p.exemplars?.[i];
  setIf(o, 'exemplars', ex?.map(exemplarJson), ex !== undefined && ex.length > 0);
  setIf(o, 'flags', p.flags[i], p.flags[i] !== 0);
  return o;
}

function dataPointsJson(m: Metric): Json[] {
  const out: Json[] = [];
  const p = m.points;
  for (let i = 0; i < p.length; i++) {
    const o = commonJson(p, i);
    switch (p.kind) {
      case 'number':
        if ((p.flags[i] & 1) === 0 || p.values[i] !== 0) {
          if (p.isInt[i] === 1) o.asInt = i64(p.values[i]);
          else o.asDouble = dbl(p.values[i]);
        }
        break;
      case 'histogram': {
        setIf(o, 'count', i64(p.counts[i]), p.counts[i] !== 0);
        setIf(o, 'sum', dbl(p.sums[i]), (p.has[i] & HAS_SUM) !== 0);
        const bc: string[] = [];
        for (let k = p.bucketStart[i]; k < p.bucketStart[i + 1]; k++) bc.push(i64(p.bucketCounts[k]));
        const eb: (number | string)[] = [];
        for (let k = p.boundStart[i]; k < p.boundStart[i + 1]; k++) eb.push(dbl(p.bounds[k]));
        setIf(o, 'bucketCounts', bc, bc.length > 0);
        setIf(o, 'explicitBounds', eb, eb.length > 0);
        setIf(o, 'min', dbl(p.mins[i]), (p.has[i] & HAS_MIN) !== 0);
        setIf(o, 'max', dbl(p.maxs[i]), (p.has[i] & HAS_MAX) !== 0);
        break;
      }
      case 'exphistogram': {
        setIf(o, 'count', i64(p.counts[i]), p.counts[i] !== 0);
        setIf(o, 'sum', dbl(p.sums[i]), (p.has[i] & HAS_SUM) !== 0);
        setIf(o, 'scale', p.scales[i], p.scales[i] !== 0);
        setIf(o, 'zeroCount', i64(p.zeroCounts[i]), p.zeroCounts[i] !== 0);
        const buckets = (offset: number, counts: Float64Array, from: number, to: number): Json => {
          const b: Json = {};
          setIf(b, 'offset', offset, offset !== 0);
          const c: string[] = [];
          for (let k = from; k < to; k++) c.push(i64(counts[k]));
          setIf(b, 'bucketCounts', c, c.length > 0);
          return b;
        };
        o.positive = buckets(p.posOffsets[i], p.posCounts, p.posStart[i], p.posStart[i + 1]);
        o.negative = buckets(p.negOffsets[i], p.negCounts, p.negStart[i], p.negStart[i + 1]);
        setIf(o, 'min', dbl(p.mins[i]), (p.has[i] & HAS_MIN) !== 0);
        setIf(o, 'max', dbl(p.maxs[i]), (p.has[i] & HAS_MAX) !== 0);
        setIf(o, 'zeroThreshold', dbl(p.zeroThresholds[i]), p.zeroThresholds[i] !== 0);
        break;
      }
      case 'summary': {
        setIf(o, 'count', i64(p.counts[i]), p.counts[i] !== 0);
        setIf(o, 'sum', dbl(p.sums[i]), p.sums[i] !== 0);
        const q: Json[] = [];
        for (let k = p.quantileStart[i]; k < p.quantileStart[i + 1]; k++) {
          const qo: Json = {};
          setIf(qo, 'quantile', dbl(p.quantiles[k]), p.quantiles[k] !== 0);
          setIf(qo, 'value', dbl(p.quantileValues[k]), p.quantileValues[k] !== 0);
          q.push(qo);
        }
        setIf(o, 'quantileValues', q, q.length > 0);
        break;
      }
    }
    out.push(tailJson(o, p, i));
  }
  return out;
}

export function metricJson(m: Metric): Json {
  const o: Json = { name: m.name };
  setIf(o, 'description', m.description, m.description !== '');
  setIf(o, 'unit', m.unit, m.unit !== '');
  const dataPoints = dataPointsJson(m);
  switch (m.type) {
    case MetricType.Gauge:
      o.gauge = { dataPoints };
      break;
    case MetricType.Sum: {
      const s: Json = { dataPoints, aggregationTemporality: m.temporality };
      setIf(s, 'isMonotonic', true, m.monotonic);
      o.sum = s;
      break;
    }
    case MetricType.Histogram:
      o.histogram = { dataPoints, aggregationTemporality: m.temporality };
      break;
    case MetricType.ExponentialHistogram:
      o.exponentialHistogram = { dataPoints, aggregationTemporality: m.temporality };
      break;
    case MetricType.Summary:
      o.summary = { dataPoints };
      break;
  }
  setIf(o, 'metadata', attributesJson(m.metadata), m.metadata.size > 0);
  return o;
}

export function batchJson(batch: MetricBatch): Json {
  return {
    resourceMetrics: batch.resourceMetrics.map((rm) => {
      const resource: Json = {};
      setIf(resource, 'attributes', attributesJson(rm.resource.attributes), rm.resource.attributes.size > 0);
      setIf(resource, 'droppedAttributesCount', rm.resource.droppedAttributesCount, rm.resource.droppedAttributesCount !== 0);
      const o: Json = {
        resource,
        scopeMetrics: rm.scopeMetrics.map((sm) => {
          const scope: Json = {};
          setIf(scope, 'name', sm.scope.name, sm.scope.name !== '');
          setIf(scope, 'version', sm.scope.version, sm.scope.version !== '');
          setIf(scope, 'attributes', attributesJson(sm.scope.attributes), sm.scope.attributes.size > 0);
          setIf(scope, 'droppedAttributesCount', sm.scope.droppedAttributesCount, sm.scope.droppedAttributesCount !== 0);
          const so: Json = { scope, metrics: sm.metrics.map(metricJson) };
          setIf(so, 'schemaUrl', sm.schemaUrl, sm.schemaUrl !== '');
          return so;
        }),
      };
      setIf(o, 'schemaUrl', rm.schemaUrl, rm.schemaUrl !== '');
      return o;
    }),
  };
}

/** One ExportMetricsServiceRequest as a single line of OTLP/JSON. */
export function encodeOtlpJson(batch: MetricBatch): string {
  return JSON.stringify(batchJson(batch));
}
