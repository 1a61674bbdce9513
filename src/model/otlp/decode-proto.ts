import { type AnyValue, KvList } from '../any-value.js';
import { Attributes } from '../attributes.js';
import {
  type Exemplar,
  type Metric,
  type MetricBatch,
  MetricType,
  type Points,
  type Resource,
  type ResourceMetrics,
  type Scope,
  type ScopeMetrics,
  Temporality,
  HAS_MAX,
  HAS_MIN,
  HAS_SUM,
} from '../metric.js';
import { PointBuilders, type ExpHistogramBuilder } from '../points-builder.js';
import { ByteIntern, type Entry, hashRange } from '../proto/byte-intern.js';
import { ProtoReader, WireType } from '../proto/reader.js';
import { type DecodeResult, Rejections } from './decode-result.js';
import { expHistogramProblem, histogramProblem, numberProblem, summaryProblem } from './point-problems.js';

/**
 * Decodes an OTLP ExportMetricsServiceRequest (protobuf) straight into the
 * columnar model: no intermediate message objects, no object per data point.
 * Field numbers are those of opentelemetry/proto/metrics/v1/metrics.proto and
 * common/v1/common.proto. Attribute lists are hashed as raw bytes and decoded
 * only the first time a given byte sequence is seen (see ByteIntern).
 *
 * Invalid data points (see `rejectReason*`) are left out and counted, so the
 * receiver can answer with a partial success; malformed protobuf throws
 * TRIB_ERR_DECODE_PROTOBUF and nothing is accepted.
 */

const LEN = WireType.LEN;
const I64 = WireType.I64;
const VARINT = WireType.VARINT;

const MAX_ANY_VALUE_DEPTH = 32;

const attributeCache = new ByteIntern<Attributes>(1 << 16);

/**
 * Senders repeat a metric's series in the same order in every request, so
 * the attribute entry found for point k of metric M last time is the likely
 * match for point k this time: checking it first skips hashing. Keyed by
 * metric name; bounded by clearing when it grows past the limit.
 */
const HINT_LIMIT = 50_000;
const hintsByMetric = new Map<string, Entry<Attributes>[]>();

class OtlpProtoDecoder {
  private r!: ProtoReader;
  private readonly b = new PointBuilders();
  private readonly rejections = new Rejections();
  private dataType: MetricType | 0 = 0;
  private temporality: Temporality = Temporality.Unspecified;
  private monotonic = false;

  // One span per nesting level, reused: no allocation per data point.
  private readonly spanOuter = new AttrSpan();
  private readonly spanMetric = new AttrSpan();
  private readonly spanPoint = new AttrSpan();
  private readonly spanExemplar = new AttrSpan();

  private hints: Entry<Attributes>[] | undefined;
  private hintIndex = 0;

  decode(buf: Buffer): DecodeResult {
    this.r = new ProtoReader(buf, 'OTLP ExportMetricsServiceRequest');
    this.rejections.reset();
    this.b.reset();
    const r = this.r;
    const end = buf.length;
    const resourceMetrics: ResourceMetrics[] = [];
    while (r.pos < end) {
      const t = r.uint32();
      if (t === 10 /* 1:LEN */) resourceMetrics.push(this.resourceMetrics(r.lenEnd(end)));
      else r.skip(t, end);
    }
    r.checkEnd(end);
    const batch: MetricBatch = { resourceMetrics };
    return { batch, rejectedPoints: this.rejections.count, rejectMessage: this.rejections.message() };
  }

  private resourceMetrics(end: number): ResourceMetrics {
    const r = this.r;
    let resource: Resource = { attributes: Attributes.EMPTY, droppedAttributesCount: 0 };
    let schemaUrl = '';
    const scopeMetrics: ScopeMetrics[] = [];
    while (r.pos < end) {
      const t = r.uint32();
      switch (t) {
        case 10 /* 1:LEN */:
          resource = this.resource(r.lenEnd(end));
          break;
        case 18 /* 2:LEN */:
          scopeMetrics.push(this.scopeMetrics(r.lenEnd(end)));
          break;
        case 26 /* 3:LEN */:
          schemaUrl = r.string(end);
          break;
        default:
          r.skip(t, end);
      }
    }
    r.checkEnd(end);
    return { resource, schemaUrl, scopeMetrics };
  }

  private resource(end: number): Resource {
    const r = this.r;
    const start = r.pos;
    let droppedAttributesCount = 0;
    const a = this.spanOuter.reset();
    while (r.pos < end) {
      const tagPos = r.pos;
      const t = r.uint32();
      if (t === 10 /* 1:LEN */) a.add(tagPos, r.pos = r.lenEnd(end));
      else if (t === 16 /* 2:VARINT */) droppedAttributesCount = r.uint32();
      else r.skip(t, end);
    }
    r.checkEnd(end);
    return { attributes: this.attributes(a, start, end, 1), droppedAttributesCount };
  }

  private scopeMetrics(end: number): ScopeMetrics {
    const r = this.r;
    let scope: Scope = { name: '', version: '', attributes: Attributes.EMPTY, droppedAttributesCount: 0 };
    let schemaUrl = '';
    const metrics: Metric[] = [];
    while (r.pos < end) {
      const t = r.uint32();
      switch (t) {
        case 10 /* 1:LEN */:
          scope = this.scope(r.lenEnd(end));
          break;
        case 18 /* 2:LEN */: {
          const m = this.metric(r.lenEnd(end));
          if (m !== undefined) metrics.push(m);
          break;
        }
        case 26 /* 3:LEN */:
          schemaUrl = r.string(end);
          break;
        default:
          r.skip(t, end);
      }
    }
    r.checkEnd(end);
    return { scope, schemaUrl, metrics };
  }

  private scope(end: number): Scope {
    const r = this.r;
    const start = r.pos;
    let name = '';
    let version = '';
    let droppedAttributesCount = 0;
    const a = this.spanOuter.reset();
    while (r.pos < end) {
      const tagPos = r.pos;
      const t = r.uint32();
      switch (t) {
        case 10 /* 1:LEN */:
          name = r.string(end);
          break;
        case 18 /* 2:LEN */:
          version = r.string(end);
          break;
        case 26 /* 3:LEN */:
          a.add(tagPos, (r.pos = r.lenEnd(end)));
          break;
        case 32 /* 4:VARINT */:
          droppedAttributesCount = r.uint32();
          break;
        default:
          r.skip(t, end);
      }
    }
    r.checkEnd(end);
    return { name, version, attributes: this.attributes(a, start, end, 3), droppedAttributesCount };
  }

  private metric(end: number): Metric | undefined {
    const r = this.r;
    const start = r.pos;
    let name = '';
    let description = '';
    let unit = '';
    let points: Points | undefined;
    let type: MetricType | 0 = 0;
    let temporality: Temporality = Temporality.Unspecified;
    let monotonic = false;
    const meta = this.spanMetric.reset();
    while (r.pos < end) {
      const tagPos = r.pos;
      const t = r.uint32();
      switch (t) {
        case 10 /* 1:LEN */:
          name = r.string(end);
          break;
        case 18 /* 2:LEN */:
          description = r.string(end);
          break;
        case 26 /* 3:LEN */:
          unit = r.string(end);
          break;
        case 42 /* 5:LEN */:
        case 58 /* 7:LEN */:
        case 74 /* 9:LEN */:
        case 82 /* 10:LEN */:
        case 90 /* 11:LEN */:
          this.useHints(name);
          points = this.data(t >>> 3, r.lenEnd(end));
          this.hints = undefined;
          type = this.dataType;
          temporality = this.temporality;
          monotonic = this.monotonic;
          break;
        case 98 /* 12:LEN */:
          meta.add(tagPos, (r.pos = r.lenEnd(end)));
          break;
        default:
          r.skip(t, end);
      }
    }
    r.checkEnd(end);
    if (points === undefined || type === 0) return undefined; // no data: nothing to accept or reject
    if (name === '') {
      this.rejections.reject(points.length, 'metric name is empty');
      return undefined;
    }
    const needsTemporality = type === MetricType.Sum || type === MetricType.Histogram || type === MetricType.ExponentialHistogram;
    if (needsTemporality && temporality !== Temporality.Delta && temporality !== Temporality.Cumulative) {
      this.rejections.reject(points.length, `metric "${name}": aggregation_temporality must be 1 (DELTA) or 2 (CUMULATIVE), got ${temporality}`);
      return undefined;
    }
    const metadata = this.attributes(meta, start, end, 12);
    switch (type) {
      case MetricType.Gauge:
        return { type, name, description, unit, metadata, points: points as Metric['points'] & { kind: 'number' } };
      case MetricType.Sum:
        return { type, name, description, unit, metadata, temporality, monotonic, points: points as Metric['points'] & { kind: 'number' } };
      case MetricType.Histogram:
        return { type, name, description, unit, metadata, temporality, points: points as Metric['points'] & { kind: 'histogram' } };
      case MetricType.ExponentialHistogram:
        return { type, name, description, unit, metadata, temporality, points: points as Metric['points'] & { kind: 'exphistogram' } };
      case MetricType.Summary:
        return { type, name, description, unit, metadata, points: points as Metric['points'] & { kind: 'summary' } };
    }
  }

  /** Gauge (5), Sum (7), Histogram (9), ExponentialHistogram (10), Summary (11). */
  private data(field: number, end: number): Points {
    const r = this.r;
    this.temporality = Temporality.Unspecified;
    this.monotonic = false;
    const kind = field === 5 || field === 7 ? 0 : field === 9 ? 1 : field === 10 ? 2 : 3;
    this.dataType = field === 5 ? MetricType.Gauge : field === 7 ? MetricType.Sum : field === 9 ? MetricType.Histogram : field === 10 ? MetricType.ExponentialHistogram : MetricType.Summary;
    while (r.pos < end) {
      const t = r.uint32();
      if (t === 10 /* 1:LEN */) {
        const e = r.lenEnd(end);
        if (kind === 0) this.numberPoint(e);
        else if (kind === 1) this.histogramPoint(e);
        else if (kind === 2) this.expHistogramPoint(e);
        else this.summaryPoint(e);
      } else if (t === 16 /* 2:VARINT */ && field !== 5 && field !== 11) {
        this.temporality = r.uint32() as Temporality;
      } else if (t === 24 /* 3:VARINT */ && field === 7) {
        this.monotonic = r.bool();
      } else r.skip(t, end);
    }
    r.checkEnd(end);
    const b = this.b;
    return kind === 0 ? b.number.finish() : kind === 1 ? b.histogram.finish() : kind === 2 ? b.exphistogram.finish() : b.summary.finish();
  }

  private numberPoint(end: number): void {
    const r = this.r;
    const b = this.b.number;
    const start = r.pos;
    const i = b.begin();
    const a = this.spanPoint.reset();
    let hasValue = false;
    while (r.pos < end) {
      const tagPos = r.pos;
      const t = r.uint32();
      switch (t) {
        case 58 /* 7:LEN */:
          a.add(tagPos, (r.pos = r.lenEnd(end)));
          break;
        case 17 /* 2:I64 */:
          b.startTimes[2 * i] = r.fixed32();
          b.startTimes[2 * i + 1] = r.fixed32();
          break;
        case 25 /* 3:I64 */:
          b.times[2 * i] = r.fixed32();
          b.times[2 * i + 1] = r.fixed32();
          break;
        case 33 /* 4:I64 */:
          b.values[i] = r.double();
          b.isInt[i] = 0;
          hasValue = true;
          break;
        case 49 /* 6:I64 */:
          b.values[i] = r.sfixed64();
          b.isInt[i] = 1;
          hasValue = true;
          break;
        case 42 /* 5:LEN */:
          b.addExemplar(i, this.exemplar(r.lenEnd(end)));
          break;
        case 64 /* 8:VARINT */:
          b.flags[i] = r.uint32();
          break;
        default:
          r.skip(t, end);
      }
    }
    r.checkEnd(end);
    const reason = numberProblem(b, i, hasValue);
    if (reason !== undefined) return this.rejectPoint(reason);
    b.commit(this.pointAttributes(a, start, end, 7));
  }

  private histogramPoint(end: number): void {
    const r = this.r;
    const b = this.b.histogram;
    const start = r.pos;
    const i = b.begin();
    const a = this.spanPoint.reset();
    while (r.pos < end) {
      const tagPos = r.pos;
      const t = r.uint32();
      switch (t) {
        case 74 /* 9:LEN */:
          a.add(tagPos, (r.pos = r.lenEnd(end)));
          break;
        case 17 /* 2:I64 */:
          b.startTimes[2 * i] = r.fixed32();
          b.startTimes[2 * i + 1] = r.fixed32();
          break;
        case 25 /* 3:I64 */:
          b.times[2 * i] = r.fixed32();
          b.times[2 * i + 1] = r.fixed32();
          break;
        case 33 /* 4:I64 */:
          b.counts[i] = r.fixed64();
          break;
        case 41 /* 5:I64 */:
          b.sums[i] = r.double();
          b.has[i] |= HAS_SUM;
          break;
        case 50 /* 6:LEN */: {
          const e = r.lenEnd(end);
          if ((e - r.pos) % 8 !== 0) r.fail('packed bucket_counts length is not a multiple of 8');
          while (r.pos < e) b.pushBucket(r.fixed64());
          break;
        }
        case 49 /* 6:I64 */:
          b.pushBucket(r.fixed64());
          break;
        case 58 /* 7:LEN */: {
          const e = r.lenEnd(end);
          if ((e - r.pos) % 8 !== 0) r.fail('packed explicit_bounds length is not a multiple of 8');
          while (r.pos < e) b.pushBound(r.double());
          break;
        }
        case 57 /* 7:I64 */:
          b.pushBound(r.double());
          break;
        case 66 /* 8:LEN */:
          b.addExemplar(i, this.exemplar(r.lenEnd(end)));
          break;
        case 80 /* 10:VARINT */:
          b.flags[i] = r.uint32();
          break;
        case 89 /* 11:I64 */:
          b.mins[i] = r.double();
          b.has[i] |= HAS_MIN;
          break;
        case 97 /* 12:I64 */:
          b.maxs[i] = r.double();
          b.has[i] |= HAS_MAX;
          break;
        default:
          r.skip(t, end);
      }
    }
    r.checkEnd(end);
    const reason = histogramProblem(b, i);
    if (reason !== undefined) {
      b.rollback(i);
      return this.rejectPoint(reason);
    }
    b.commit(this.pointAttributes(a, start, end, 9));
  }

  private expHistogramPoint(end: number): void {
    const r = this.r;
    const b = this.b.exphistogram;
    const start = r.pos;
    const i = b.begin();
    const a = this.spanPoint.reset();
    while (r.pos < end) {
      const tagPos = r.pos;
      const t = r.uint32();
      switch (t) {
        case 10 /* 1:LEN */:
          a.add(tagPos, (r.pos = r.lenEnd(end)));
          break;
        case 17 /* 2:I64 */:
          b.startTimes[2 * i] = r.fixed32();
          b.startTimes[2 * i + 1] = r.fixed32();
          break;
        case 25 /* 3:I64 */:
          b.times[2 * i] = r.fixed32();
          b.times[2 * i + 1] = r.fixed32();
          break;
        case 33 /* 4:I64 */:
          b.counts[i] = r.fixed64();
          break;
        case 41 /* 5:I64 */:
          b.sums[i] = r.double();
          b.has[i] |= HAS_SUM;
          break;
        case 48 /* 6:VARINT */:
          b.scales[i] = r.sint32();
          break;
        case 57 /* 7:I64 */:
          b.zeroCounts[i] = r.fixed64();
          break;
        case 66 /* 8:LEN */:
          this.buckets(b, i, true, r.lenEnd(end));
          break;
        case 74 /* 9:LEN */:
          this.buckets(b, i, false, r.lenEnd(end));
          break;
        case 80 /* 10:VARINT */:
          b.flags[i] = r.uint32();
          break;
        case 90 /* 11:LEN */:
          b.addExemplar(i, this.exemplar(r.lenEnd(end)));
          break;
        case 97 /* 12:I64 */:
          b.mins[i] = r.double();
          b.has[i] |= HAS_MIN;
          break;
        case 105 /* 13:I64 */:
          b.maxs[i] = r.double();
          b.has[i] |= HAS_MAX;
          break;
        case 113 /* 14:I64 */:
          b.zeroThresholds[i] = r.double();
          break;
        default:
          r.skip(t, end);
      }
    }
    r.checkEnd(end);
    const reason = expHistogramProblem(b, i);
    if (reason !== undefined) {
      b.rollback(i);
      return this.rejectPoint(reason);
    }
    b.commit(this.pointAttributes(a, start, end, 1));
  }

  private buckets(b: ExpHistogramBuilder, i: number, positive: boolean, end: number): void {
    const r = this.r;
    // A second occurrence of the message replaces the first (proto3 merge of a singular message
    // would merge, but no encoder splits Buckets; replacing keeps the columns consistent).
    if (positive) b.nPos = b.posStart[i];
    else b.nNeg = b.negStart[i];
    while (r.pos < end) {
      const t = r.uint32();
      if (t === 8 /* 1:VARINT */) {
        const off = r.sint32();
        if (positive) b.posOffsets[i] = off;
        else b.negOffsets[i] = off;
      } else if (t === 18 /* 2:LEN */) {
        const e = r.lenEnd(end);
        if (positive) while (r.pos < e) b.pushPositive(r.uint64());
        else while (r.pos < e) b.pushNegative(r.uint64());
        r.checkEnd(e);
      } else if (t === 16 /* 2:VARINT */) {
        if (positive) b.pushPositive(r.uint64());
        else b.pushNegative(r.uint64());
      } else r.skip(t, end);
    }
    r.checkEnd(end);
  }

  private summaryPoint(end: number): void {
    const r = this.r;
    const b = this.b.summary;
    const start = r.pos;
    const i = b.begin();
    const a = this.spanPoint.reset();
    while (r.pos < end) {
      const tagPos = r.pos;
      const t = r.uint32();
      switch (t) {
        case 58 /* 7:LEN */:
          a.add(tagPos, (r.pos = r.lenEnd(end)));
          break;
        case 17 /* 2:I64 */:
          b.startTimes[2 * i] = r.fixed32();
          b.startTimes[2 * i + 1] = r.fixed32();
          break;
        case 25 /* 3:I64 */:
          b.times[2 * i] = r.fixed32();
          b.times[2 * i + 1] = r.fixed32();
          break;
        case 33 /* 4:I64 */:
          b.counts[i] = r.fixed64();
          break;
        case 41 /* 5:I64 */:
          b.sums[i] = r.double();
          break;
        case 50 /* 6:LEN */: {
          const e = r.lenEnd(end);
          let q = 0;
          let v = 0;
          while (r.pos < e) {
            const qt = r.uint32();
            if (qt === 9 /* 1:I64 */) q = r.double();
            else if (qt === 17 /* 2:I64 */) v = r.double();
            else r.skip(qt, e);
          }
          r.checkEnd(e);
          b.pushQuantile(q, v);
          break;
        }
        case 64 /* 8:VARINT */:
          b.flags[i] = r.uint32();
          break;
        default:
          r.skip(t, end);
      }
    }
    r.checkEnd(end);
    const reason = summaryProblem(b, i);
    if (reason !== undefined) {
      b.rollback(i);
      return this.rejectPoint(reason);
    }
    b.commit(this.pointAttributes(a, start, end, 7));
  }

  private exemplar(end: number): Exemplar {
    const r = this.r;
    const start = r.pos;
    const a = this.spanExemplar.reset();
    let timeUnixNano = 0n;
    let value = 0;
    let isInt = false;
    let spanId: Uint8Array = EMPTY_BYTES;
    let traceId: Uint8Array = EMPTY_BYTES;
    while (r.pos < end) {
      const tagPos = r.pos;
      const t = r.uint32();
      switch (t) {
        case 58 /* 7:LEN */:
          a.add(tagPos, (r.pos = r.lenEnd(end)));
          break;
        case 17 /* 2:I64 */: {
          const lo = r.fixed32();
          timeUnixNano = (BigInt(r.fixed32()) << 32n) | BigInt(lo);
          break;
        }
        case 25 /* 3:I64 */:
          value = r.double();
          isInt = false;
          break;
        case 49 /* 6:I64 */:
          value = r.sfixed64();
          isInt = true;
          break;
        case 34 /* 4:LEN */:
          spanId = r.bytes(end);
          break;
        case 42 /* 5:LEN */:
          traceId = r.bytes(end);
          break;
        default:
          r.skip(t, end);
      }
    }
    r.checkEnd(end);
    return { filteredAttributes: this.attributes(a, start, end, 7), timeUnixNano, value, isInt, spanId, traceId };
  }

  private useHints(name: string): void {
    if (name === '') return;
    let h = hintsByMetric.get(name);
    if (h === undefined) {
      if (hintsByMetric.size >= HINT_LIMIT) hintsByMetric.clear();
      h = [];
      hintsByMetric.set(name, h);
    }
    this.hints = h;
    this.hintIndex = 0;
  }

  private rejectPoint(reason: string): void {
    this.rejections.reject(1, reason);
  }

  /**
   * The attribute set of a message whose KeyValue fields (number `field`) were
   * recorded in `a`. The usual case, one contiguous run, goes through the
   * byte-level cache; otherwise the message is walked again.
   */
  private attributes(a: AttrSpan, msgStart: number, msgEnd: number, field: number): Attributes {
    if (a.start < 0) return Attributes.EMPTY;
    const buf = this.r.buf;
    if (!a.contiguous) return this.keyValues(msgStart, msgEnd, field);
    const view = this.r.view;
    const h = hashRange(view, a.start, a.end);
    const hit = attributeCache.get(buf, view, a.start, a.end, h);
    if (hit !== undefined) return hit.value;
    const attrs = this.keyValues(a.start, a.end, field);
    attributeCache.put(buf, a.start, a.end, h, attrs);
    return attrs;
  }

  /** A data point's attributes: the hint for this position first, then the cache. */
  private pointAttributes(a: AttrSpan, msgStart: number, msgEnd: number, field: number): Attributes {
    const hints = this.hints;
    if (hints === undefined || a.start < 0 || !a.contiguous) return this.attributes(a, msgStart, msgEnd, field);
    const k = this.hintIndex++;
    const buf = this.r.buf;
    const view = this.r.view;
    const cand = hints[k];
    if (cand !== undefined && ByteIntern.matches(cand, buf, view, a.start, a.end)) return cand.value;
    const h = hashRange(view, a.start, a.end);
    let e = attributeCache.get(buf, view, a.start, a.end, h);
    if (e === undefined) e = attributeCache.put(buf, a.start, a.end, h, this.keyValues(a.start, a.end, field));
    hints[k] = e;
    return e.value;
  }

  private keyValues(start: number, end: number, field: number): Attributes {
    const r = this.r;
    const saved = r.pos;
    r.pos = start;
    const keys: string[] = [];
    const values: AnyValue[] = [];
    while (r.pos < end) {
      const t = r.uint32();
      if (t === ((field << 3) | LEN)) this.keyValue(r.lenEnd(end), keys, values, 0);
      else r.skip(t, end);
    }
    r.pos = saved;
    return Attributes.of(keys, values);
  }

  private keyValue(end: number, keys: string[], values: AnyValue[], depth: number): void {
    const r = this.r;
    let key = '';
    let value: AnyValue = null;
    while (r.pos < end) {
      const t = r.uint32();
      if (t === 10 /* 1:LEN */) key = r.string(end);
      else if (t === 18 /* 2:LEN */) value = this.anyValue(r.lenEnd(end), depth + 1);
      else r.skip(t, end);
    }
    r.checkEnd(end);
    keys.push(key);
    values.push(value);
  }

  private anyValue(end: number, depth: number): AnyValue {
    const r = this.r;
    if (depth > MAX_ANY_VALUE_DEPTH) r.fail(`attribute values nested deeper than ${MAX_ANY_VALUE_DEPTH} levels`);
    let v: AnyValue = null;
    while (r.pos < end) {
      const t = r.uint32();
      switch (t) {
        case 10 /* 1:LEN */:
          v = r.string(end);
          break;
        case 16 /* 2:VARINT */:
          v = r.bool();
          break;
        case 24 /* 3:VARINT */:
          v = r.int64BigInt();
          break;
        case 33 /* 4:I64 */:
          v = r.double();
          break;
        case 42 /* 5:LEN */: {
          const e = r.lenEnd(end);
          const arr: AnyValue[] = [];
          while (r.pos < e) {
            const at = r.uint32();
            if (at === 10 /* 1:LEN */) arr.push(this.anyValue(r.lenEnd(e), depth + 1));
            else r.skip(at, e);
          }
          r.checkEnd(e);
          v = arr;
          break;
        }
        case 50 /* 6:LEN */: {
          const e = r.lenEnd(end);
          const keys: string[] = [];
          const values: AnyValue[] = [];
          while (r.pos < e) {
            const kt = r.uint32();
            if (kt === 10 /* 1:LEN */) this.keyValue(r.lenEnd(e), keys, values, depth + 1);
            else r.skip(kt, e);
          }
          r.checkEnd(e);
          v = new KvList(keys, values);
          break;
        }
        case 58 /* 7:LEN */:
          v = r.bytes(end);
          break;
        default:
          r.skip(t, end);
      }
    }
    r.checkEnd(end);
    return v;
  }
}

const EMPTY_BYTES = new Uint8Array(0);

/** Where a message's attribute fields lie, and whether they form one run of bytes. */
class AttrSpan {
  start = -1;
  end = -1;
  contiguous = true;

  reset(): this {
    this.start = -1;
    this.end = -1;
    this.contiguous = true;
    return this;
  }

  add(tagPos: number, end: number): void {
    if (this.start < 0) this.start = tagPos;
    else if (tagPos !== this.end) this.contiguous = false;
    this.end = end;
  }
}

const decoder = new OtlpProtoDecoder();

/** Decodes an OTLP/protobuf ExportMetricsServiceRequest. Not reentrant-safe across awaits; it is synchronous. */
export function decodeOtlpProto(buf: Buffer): DecodeResult {
  return decoder.decode(buf);
}
