import { type AnyValue, KvList } from '../any-value.js';
import { Attributes } from '../attributes.js';
import { Errors } from '../../errors/catalogue.js';
import { TributaryError } from '../../errors/tributary-error.js';
import {
  type Exemplar,
  HAS_MAX,
  HAS_MIN,
  HAS_SUM,
  type Metric,
  MetricType,
  type Points,
  type Resource,
  type ResourceMetrics,
  type Scope,
  type ScopeMetrics,
  Temporality,
} from '../metric.js';
import { type ExpHistogramBuilder, type HistogramBuilder, PointBuilders } from '../points-builder.js';
import { setTimeString } from '../time.js';
import { type DecodeResult, Rejections } from './decode-result.js';
import { expHistogramProblem, histogramProblem, numberProblem, summaryProblem } from './point-problems.js';

/**
 * Decodes OTLP/JSON (the proto3 JSON mapping with OTLP's deviations: hex
 * trace and span ids, integer enums, int64 as strings or numbers). Keys are
 * lowerCamelCase as the specification requires; the original snake_case
 * names are accepted too, as the Collector does. Unknown keys are ignored.
 * Errors name the JSON path of the offending value.
 */

type Json = Record<string, unknown>;

const MAX_ANY_VALUE_DEPTH = 32;

class JsonDecodeError extends TributaryError {
  constructor(path: string, message: string) {
    super(Errors.DECODE_JSON, `invalid OTLP/JSON at ${path}: ${message}`);
  }
}

function get(o: Json, camel: string, snake?: string): unknown {
  const v = o[camel];
  if (v !== undefined || snake === undefined) return v;
  return o[snake];
}

function isObject(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function obj(v: unknown, path: string): Json | undefined {
  if (v === undefined || v === null) return undefined;
  if (!isObject(v)) throw new JsonDecodeError(path, `must be an object (got ${describe(v)})`);
  return v;
}

function arr(v: unknown, path: string): unknown[] {
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v)) throw new JsonDecodeError(path, `must be an array (got ${describe(v)})`);
  return v;
}

function str(v: unknown, path: string): string {
  if (v === undefined || v === null) return '';
  if (typeof v !== 'string') throw new JsonDecodeError(path, `must be a string (got ${describe(v)})`);
  return v;
}

function bool(v: unknown, path: string): boolean {
  if (v === undefined || v === null) return false;
  if (typeof v !== 'boolean') throw new JsonDecodeError(path, `must be true or false (got ${describe(v)})`);
  return v;
}

/** uint32/int32 and enums: a JSON number or a decimal string. */
function int(v: unknown, path: string): number {
  if (v === undefined || v === null) return 0;
  const n = typeof v === 'string' && /^-?\d+$/.test(v) ? Number(v) : v;
  if (typeof n !== 'number' || !Number.isInteger(n)) throw new JsonDecodeError(path, `must be an integer (got ${describe(v)})`);
  return n;
}

/** 64-bit integers as doubles (counts, as_int): number or decimal string. */
function int64(v: unknown, path: string): number {
  if (v === undefined || v === null) return 0;
  if (typeof v === 'number' && Number.isInteger(v)) return v;
  if (typeof v === 'string' && /^-?\d+$/.test(v)) return Number(v);
  throw new JsonDecodeError(path, `must be an integer or a decimal string (got ${describe(v)})`);
}

function int64BigInt(v: unknown, path: string): bigint {
  if (typeof v === 'number' && Number.isInteger(v)) return BigInt(v);
  if (typeof v === 'string' && /^-?\d+$/.test(v)) return BigInt.asIntN(64, BigInt(v));
  throw new JsonDecodeError(path, `must be an integer or a decimal string (got ${describe(v)})`);
}

/** double: a number, or "NaN", "Infinity", "-Infinity", or a numeric string. */
function double(v: unknown, path: string): number {
  if (v === undefined || v === null) return 0;
  if (typeof v === 'number') return v;
  if (typeof v === 'string') {
    if (v === 'NaN') return NaN;
    if (v === 'Infinity') return Infinity;
    if (v === '-Infinity') return -Infinity;
    const n = Number(v);
    if (v.trim() !== '' && !Number.isNaN(n)) return n;
  }
  throw new JsonDecodeError(path, `must be a number (got ${describe(v)})`);
}

function time(times: Uint32Array, i: number, v: unknown, path: string): void {
  if (v === undefined || v === null) return;
  const s = typeof v === 'number' && Number.isInteger(v) && v >= 0 ? BigInt(v).toString() : v;
  if (typeof s !== 'string' || !setTimeString(times, i, s)) {
    throw new JsonDecodeError(path, `must be nanoseconds since the epoch as a decimal string (got ${describe(v)})`);
  }
}

function hexBytes(v: unknown, path: string, size: number): Uint8Array {
  const s = str(v, path);
  if (s === '') return new Uint8Array(0);
  if (s.length !== size * 2 || !/^[0-9a-fA-F]+$/.test(s)) {
    throw new JsonDecodeError(path, `must be ${size * 2} hex digits (got ${describe(v)})`);
  }
  return Uint8Array.from(Buffer.from(s, 'hex'));
}

function describe(v: unknown): string {
  let s: string | undefined;
  try {
    s = JSON.stringify(v);
  } catch {
    // JSON.parse accepts nesting deeper than JSON.stringify can recurse (RangeError): name the kind only.
    return Array.isArray(v) ? 'a deeply nested array' : 'a deeply nested object';
  }
  if (s === undefined) return String(v);
  return s.length > 40 ? `${s.slice(0, 37)}...` : s;
}

function anyValue(v: unknown, path: string, depth: number): AnyValue {
  if (depth > MAX_ANY_VALUE_DEPTH) throw new JsonDecodeError(path, `attribute values nested deeper than ${MAX_ANY_VALUE_DEPTH} levels`);
  const o = obj(v, path);
  if (o === undefined) return null;
  if ('stringValue' in o || 'string_value' in o) return str(get(o, 'stringValue', 'string_value'), `${path}.stringValue`);
  if ('boolValue' in o || 'bool_value' in o) return bool(get(o, 'boolValue', 'bool_value'), `${path}.boolValue`);
  if ('intValue' in o || 'int_value' in o) return int64BigInt(get(o, 'intValue', 'int_value'), `${path}.intValue`);
  if ('doubleValue' in o || 'double_value' in o) return double(get(o, 'doubleValue', 'double_value'), `${path}.doubleValue`);
  if ('bytesValue' in o || 'bytes_value' in o) {
    const s = str(get(o, 'bytesValue', 'bytes_value'), `${path}.bytesValue`);
    if (!/^[A-Za-z0-9+/_-]*={0,2}$/.test(s)) throw new JsonDecodeError(`${path}.bytesValue`, 'must be base64');
    return Uint8Array.from(Buffer.from(s, 'base64'));
  }
  if ('arrayValue' in o || 'array_value' in o) {
    const a = obj(get(o, 'arrayValue', 'array_value'), `${path}.arrayValue`);
    if (a === undefined) return [];
    return arr(a.values, `${path}.arrayValue.values`).map((e, i) => anyValue(e, `${path}.arrayValue.values[${i}]`, depth + 1));
  }
  if ('kvlistValue' in o || 'kvlist_value' in o) {
    const kv = obj(get(o, 'kvlistValue', 'kvlist_value'), `${path}.kvlistValue`);
    const keys: string[] = [];
    const values: AnyValue[] = [];
    if (kv !== undefined) keyValues(kv.values, `${path}.kvlistValue.values`, keys, values, depth + 1);
    return new KvList(keys, values);
  }
  return null;
}

function keyValues(v: unknown, path: string, keys: string[], values: AnyValue[], depth: number): void {
  const list = arr(v, path);
  for (let i = 0; i < list.length; i++) {
    const kv = obj(list[i], `${path}[${i}]`);
    if (kv === undefined) continue;
    keys.push(str(kv.key, `${path}[${i}].key`));
    values.push(anyValue(kv.value, `${path}[${i}].value`, depth + 1));
  }
}

function attributes(v: unknown, path: string): Attributes {
  if (v === undefined || v === null) return Attributes.EMPTY;
  const keys: string[] = [];
  const values: AnyValue[] = [];
  keyValues(v, path, keys, values, 0);
  return Attributes.of(keys, values);
}

class OtlpJsonDecoder {
  private readonly b = new PointBuilders();
  private readonly rejections = new Rejections();

  decode(text: string): DecodeResult {
    this.b.reset();
    this.rejections.reset();
    let root: unknown;
    try {
      root = JSON.parse(text);
    } catch (err) {
      throw new TributaryError(Errors.DECODE_JSON, `body is not valid JSON: ${(err as Error).message}`);
    }
    const o = obj(root, '$');
    if (o === undefined) throw new JsonDecodeError('$', 'must be an ExportMetricsServiceRequest object');
    const list = arr(get(o, 'resourceMetrics', 'resource_metrics'), 'resourceMetrics');
    const resourceMetrics = list.map((rm, i) => this.resourceMetrics(rm, `resourceMetrics[${i}]`));
    return { batch: { resourceMetrics }, rejectedPoints: this.rejections.count, rejectMessage: this.rejections.message() };
  }

  private resourceMetrics(v: unknown, path: string): ResourceMetrics {
    const o = obj(v, path) ?? {};
    const r = obj(o.resource, `${path}.resource`);
    const resource: Resource = {
      attributes: r === undefined ? Attributes.EMPTY : attributes(r.attributes, `${path}.resource.attributes`),
      droppedAttributesCount: r === undefined ? 0 : int(get(r, 'droppedAttributesCount', 'dropped_attributes_count'), `${path}.resource.droppedAttributesCount`),
    };
    const scopeMetrics = arr(get(o, 'scopeMetrics', 'scope_metrics'), `${path}.scopeMetrics`).map((sm, i) =>
      this.scopeMetrics(sm, `${path}.scopeMetrics[${i}]`),
    );
    return { resource, schemaUrl: str(get(o, 'schemaUrl', 'schema_url'), `${path}.schemaUrl`), scopeMetrics };
  }

  private scopeMetrics(v: unknown, path: string): ScopeMetrics {
    const o = obj(v, path) ?? {};
    const s = obj(o.scope, `${path}.scope`) ?? {};
    const scope: Scope = {
      name: str(s.name, `${path}.scope.name`),
      version: str(s.version, `${path}.scope.version`),
      attributes: attributes(s.attributes, `${path}.scope.attributes`),
      droppedAttributesCount: int(get(s, 'droppedAttributesCount', 'dropped_attributes_count'), `${path}.scope.droppedAttributesCount`),
    };
    const metrics: Metric[] = [];
    arr(o.metrics, `${path}.metrics`).forEach((m, i) => {
      const metric = this.metric(m, `${path}.metrics[${i}]`);
      if (metric !== undefined) metrics.push(metric);
    });
    return { scope, schemaUrl: str(get(o, 'schemaUrl', 'schema_url'), `${path}.schemaUrl`), metrics };
  }

  private metric(v: unknown, path: string): Metric | undefined {
    const o = obj(v, path) ?? {};
    const name = str(o.name, `${path}.name`);
    const description = str(o.description, `${path}.description`);
    const unit = str(o.unit, `${path}.unit`);
    const metadata = attributes(o.metadata, `${path}.metadata`);
    const base = { name, description, unit, metadata };
    let metric: Metric | undefined;
    let temporality: number = Temporality.Unspecified;
    let data: Json | undefined;
    if ((data = obj(o.gauge, `${path}.gauge`)) !== undefined) {
      metric = { ...base, type: MetricType.Gauge, points: this.numberPoints(data, `${path}.gauge`) };
    } else if ((data = obj(o.sum, `${path}.sum`)) !== undefined) {
      temporality = this.temporality(data, `${path}.sum`);
      const monotonic = bool(get(data, 'isMonotonic', 'is_monotonic'), `${path}.sum.isMonotonic`);
      metric = { ...base, type: MetricType.Sum, temporality: temporality as Temporality, monotonic, points: this.numberPoints(data, `${path}.sum`) };
    } else if ((data = obj(o.histogram, `${path}.histogram`)) !== undefined) {
      temporality = this.temporality(data, `${path}.histogram`);
      metric = { ...base, type: MetricType.Histogram, temporality: temporality as Temporality, points: this.histogramPoints(data, `${path}.histogram`) };
    } else if ((data = obj(get(o, 'exponentialHistogram', 'exponential_histogram'), `${path}.exponentialHistogram`)) !== undefined) {
      temporality = this.temporality(data, `${path}.exponentialHistogram`);
      metric = {
        ...base,
        type: MetricType.ExponentialHistogram,
        temporality: temporality as Temporality,
        points: this.expHistogramPoints(data, `${path}.exponentialHistogram`),
      };
    } else if ((data = obj(o.summary, `${path}.summary`)) !== undefined) {
      metric = { ...base, type: MetricType.Summary, points: this.summaryPoints(data, `${path}.summary`) };
    }
    if (metric === undefined) return undefined;
    if (name === '') {
      this.rejections.reject(metric.points.length, 'metric name is empty');
      return undefined;
    }
    const needsTemporality = metric.type === MetricType.Sum || metric.type === MetricType.Histogram || metric.type === MetricType.ExponentialHistogram;
    if (needsTemporality && temporality !== Temporality.Delta && temporality !== Temporality.Cumulative) {
      this.rejections.reject(metric.points.length, `metric "${name}": aggregation_temporality must be 1 (DELTA) or 2 (CUMULATIVE), got ${temporality}`);
      return undefined;
    }
    return metric;
  }

  private temporality(o: Json, path: string): number {
    const v = get(o, 'aggregationTemporality', 'aggregation_temporality');
    // Integer enums per OTLP/JSON; names accepted as well, for hand-written payloads.
    if (v === 'AGGREGATION_TEMPORALITY_DELTA') return Temporality.Delta;
    if (v === 'AGGREGATION_TEMPORALITY_CUMULATIVE') return Temporality.Cumulative;
    return int(v, `${path}.aggregationTemporality`);
  }

  private points(o: Json, path: string): { list: unknown[]; base: string } {
    const base = `${path}.dataPoints`;
    return { list: arr(get(o, 'dataPoints', 'data_points'), base), base };
  }

  private common(
    b: { startTimes: Uint32Array; times: Uint32Array; flags: Uint32Array; addExemplar(i: number, e: Exemplar): void },
    i: number,
    p: Json,
    path: string,
  ): void {
    time(b.startTimes, i, get(p, 'startTimeUnixNano', 'start_time_unix_nano'), `${path}.startTimeUnixNano`);
    time(b.times, i, get(p, 'timeUnixNano', 'time_unix_nano'), `${path}.timeUnixNano`);
    b.flags[i] = int(p.flags, `${path}.flags`);
    arr(p.exemplars, `${path}.exemplars`).forEach((e, k) => b.addExemplar(i, this.exemplar(e, `${path}.exemplars[${k}]`)));
  }

  private numberPoints(o: Json, path: string): Points & { kind: 'number' } {
    const b = this.b.number;
    const { list, base } = this.points(o, path);
    for (let n = 0; n < list.length; n++) {
      const pp = `${base}[${n}]`;
      const p = obj(list[n], pp) ?? {};
      const i = b.begin();
      this.common(b, i, p, pp);
      let hasValue = false;
      const d = get(p, 'asDouble', 'as_double');
      const iv = get(p, 'asInt', 'as_int');
      if (d !== undefined && d !== null) {
        b.values[i] = double(d, `${pp}.asDouble`);
        hasValue = true;
      } else if (iv !== undefined && iv !== null) {
        b.values[i] = int64(iv, `${pp}.asInt`);
        b.isInt[i] = 1;
        hasValue = true;
      }
      const reason = numberProblem(b, i, hasValue);
      if (reason !== undefined) this.rejections.reject(1, reason);
      else b.commit(attributes(p.attributes, `${pp}.attributes`));
    }
    return b.finish();
  }

  private distribution(b: HistogramBuilder | ExpHistogramBuilder, i: number, p: Json, pp: string): void {
    b.counts[i] = int64(p.count, `${pp}.count`);
    if (p.sum !== undefined && p.sum !== null) {
      b.sums[i] = double(p.sum, `${pp}.sum`);
      b.has[i] |= HAS_SUM;
    }
    if (p.min !== undefined && p.min !== null) {
      b.mins[i] = double(p.min, `${pp}.min`);
      b.has[i] |= HAS_MIN;
    }
    if (p.max !== undefined && p.max !== null) {
      b.maxs[i] = double(p.max, `${pp}.max`);
      b.has[i] |= HAS_MAX;
    }
  }

  private histogramPoints(o: Json, path: string): Points & { kind: 'histogram' } {
    const b = this.b.histogram;
    const { list, base } = this.points(o, path);
    for (let n = 0; n < list.length; n++) {
      const pp = `${base}[${n}]`;
      const p = obj(list[n], pp) ?? {};
      const i = b.begin();
      this.common(b, i, p, pp);
      this.distribution(b, i, p, pp);
      arr(get(p, 'bucketCounts', 'bucket_counts'), `${pp}.bucketCounts`).forEach((c, k) => b.pushBucket(int64(c, `${pp}.bucketCounts[${k}]`)));
      arr(get(p, 'explicitBounds', 'explicit_bounds'), `${pp}.explicitBounds`).forEach((c, k) => b.pushBound(double(c, `${pp}.explicitBounds[${k}]`)));
      const reason = histogramProblem(b, i);
      if (reason !== undefined) {
        b.rollback(i);
        this.rejections.reject(1, reason);
      } else b.commit(attributes(p.attributes, `${pp}.attributes`));
    }
    return b.finish();
  }

  private expHistogramPoints(o: Json, path: string): Points & { kind: 'exphistogram' } {
    const b = this.b.exphistogram;
    const { list, base } = this.points(o, path);
    for (let n = 0; n < list.length; n++) {
      const pp = `${base}[${n}]`;
      const p = obj(list[n], pp) ?? {};
      const i = b.begin();
      this.common(b, i, p, pp);
      this.distribution(b, i, p, pp);
      b.scales[i] = int(p.scale, `${pp}.scale`);
      b.zeroCounts[i] = int64(get(p, 'zeroCount', 'zero_count'), `${pp}.zeroCount`);
      b.zeroThresholds[i] = double(get(p, 'zeroThreshold', 'zero_threshold'), `${pp}.zeroThreshold`);
      const pos = obj(p.positive, `${pp}.positive`);
      if (pos !== undefined) {
        b.posOffsets[i] = int(pos.offset, `${pp}.positive.offset`);
        arr(get(pos, 'bucketCounts', 'bucket_counts'), `${pp}.positive.bucketCounts`).forEach((c, k) =>
          b.pushPositive(int64(c, `${pp}.positive.bucketCounts[${k}]`)),
        );
      }
      const neg = obj(p.negative, `${pp}.negative`);
      if (neg !== undefined) {
        b.negOffsets[i] = int(neg.offset, `${pp}.negative.offset`);
        arr(get(neg, 'bucketCounts', 'bucket_counts'), `${pp}.negative.bucketCounts`).forEach((c, k) =>
          b.pushNegative(int64(c, `${pp}.negative.bucketCounts[${k}]`)),
        );
      }
      const reason = expHistogramProblem(b, i);
      if (reason !== undefined) {
        b.rollback(i);
        this.rejections.reject(1, reason);
      } else b.commit(attributes(p.attributes, `${pp}.attributes`));
    }
    return b.finish();
  }

  private summaryPoints(o: Json, path: string): Points & { kind: 'summary' } {
    const b = this.b.summary;
    const { list, base } = this.points(o, path);
    for (let n = 0; n < list.length; n++) {
      const pp = `${base}[${n}]`;
      const p = obj(list[n], pp) ?? {};
      const i = b.begin();
      this.common(b, i, p, pp);
      b.counts[i] = int64(p.count, `${pp}.count`);
      b.sums[i] = double(p.sum, `${pp}.sum`);
      arr(get(p, 'quantileValues', 'quantile_values'), `${pp}.quantileValues`).forEach((q, k) => {
        const qo = obj(q, `${pp}.quantileValues[${k}]`) ?? {};
        b.pushQuantile(double(qo.quantile, `${pp}.quantileValues[${k}].quantile`), double(qo.value, `${pp}.quantileValues[${k}].value`));
      });
      const reason = summaryProblem(b, i);
      if (reason !== undefined) {
        b.rollback(i);
        this.rejections.reject(1, reason);
      } else b.commit(attributes(p.attributes, `${pp}.attributes`));
    }
    return b.finish();
  }

  private exemplar(v: unknown, path: string): Exemplar {
    const o = obj(v, path) ?? {};
    const t = new Uint32Array(2);
    time(t, 0, get(o, 'timeUnixNano', 'time_unix_nano'), `${path}.timeUnixNano`);
    const d = get(o, 'asDouble', 'as_double');
    const iv = get(o, 'asInt', 'as_int');
    const isInt = (d === undefined || d === null) && iv !== undefined && iv !== null;
    return {
      filteredAttributes: attributes(get(o, 'filteredAttributes', 'filtered_attributes'), `${path}.filteredAttributes`),
      timeUnixNano: (BigInt(t[1]) << 32n) | BigInt(t[0]),
      value: isInt ? int64(iv, `${path}.asInt`) : double(d, `${path}.asDouble`),
      isInt,
      spanId: hexBytes(get(o, 'spanId', 'span_id'), `${path}.spanId`, 8),
      traceId: hexBytes(get(o, 'traceId', 'trace_id'), `${path}.traceId`, 16),
    };
  }
}

const decoder = new OtlpJsonDecoder();

export function decodeOtlpJson(text: string): DecodeResult {
  return decoder.decode(text);
}
