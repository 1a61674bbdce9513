import { Errors } from '../../errors/catalogue.js';
import { TributaryError } from '../../errors/tributary-error.js';
import { Attributes } from '../attributes.js';
import { downscaleBuckets } from '../exp-histogram.js';
import { FLAG_NO_RECORDED_VALUE, HAS_SUM } from '../metric.js';
import type { ExpHistogramBuilder } from '../points-builder.js';
import type { ProtoReader } from '../proto/reader.js';
import { setTimeMs } from '../time.js';
import { Pairs, type RequestState, checkTimestamp, isStaleNaN } from './request.js';

/**
 * Native histograms (prompb `Histogram`; the 2.0 message has the same
 * fields plus start_timestamp=17) into the model:
 * - schema -4..8 -> an exponential histogram with scale = schema; finer
 *   schemas (9..52, reserved) are merged down to 8, as Prometheus does;
 * - Prometheus bucket i covers (base^(i-1), base^i] and OTel bucket i
 *   covers (base^i, base^(i+1)], so OTel index = Prometheus index - 1;
 * - spans and deltas (integer histograms) or absolute counts (float
 *   histograms) become dense bucket counts from the first span's first
 *   bucket, gaps filled with zeros;
 * - zero_count / zero_threshold, count and sum are copied;
 * - schema -53 (custom buckets) -> an explicit-bounds histogram with
 *   custom_values as the bounds;
 * - a sum holding the staleness NaN -> a point with NO_RECORDED_VALUE;
 * - reset_hint GAUGE (a gauge histogram) is dropped (the OTel Prometheus
 *   compatibility spec drops gauge histograms; OTLP has no such type), and
 *   a float histogram with fractional counts is dropped (OTLP bucket
 *   counts are integers); both are counted.
 * Field numbers: count_int=1, count_float=2, sum=3, schema=4 (sint32),
 * zero_threshold=5, zero_count_int=6, zero_count_float=7, negative_spans=8,
 * negative_deltas=9 (sint64), negative_counts=10, positive_spans=11,
 * positive_deltas=12, positive_counts=13, reset_hint=14, timestamp=15,
 * custom_values=16, start_timestamp=17; BucketSpan{offset=1 sint32, length=2}.
 */

export const CUSTOM_BUCKETS_SCHEMA = -53;
const MIN_SCHEMA = -4;
const MAX_SCHEMA = 8;
const MAX_RESERVED_SCHEMA = 52;
const RESET_HINT_GAUGE = 3;
/** Dense buckets one histogram may expand to, and all histograms of a request together. */
export const MAX_DENSE_BUCKETS = 1 << 16;
export const MAX_DENSE_BUCKETS_PER_REQUEST = 1 << 22;

class Values {
  n = 0;
  v: Float64Array = new Float64Array(64);
  push(x: number): void {
    if (this.n === this.v.length) {
      const b = new Float64Array(this.n * 2);
      b.set(this.v);
      this.v = b;
    }
    this.v[this.n++] = x;
  }
}

// Scratch, reused: decoding is synchronous.
// Spans: a = offset, b = length.
const posSpans = new Pairs();
const negSpans = new Pairs();
const posDeltas = new Values();
const negDeltas = new Values();
const posCounts = new Values();
const negCounts = new Values();
const customValues = new Values();
let dense: Float64Array = new Float64Array(256);

function bad(what: string, message: string): TributaryError {
  return new TributaryError(Errors.INVALID_DATA, `native histogram of ${what}: ${message}`);
}

function zigzag64(u: number): number {
  // u is the unsigned varint as a double (exact below 2^53).
  return u % 2 === 0 ? u / 2 : -(u + 1) / 2;
}

function readSpan(r: ProtoReader, end: number, into: Pairs): void {
  let offset = 0;
  let length = 0;
  while (r.pos < end) {
    const t = r.uint32();
    if (t === 8 /* 1:VARINT */) offset = r.sint32();
    else if (t === 16 /* 2:VARINT */) length = r.uint32();
    else r.skip(t, end);
  }
  r.checkEnd(end);
  into.push(offset, length);
}

function readPackedSint64(r: ProtoReader, end: number, into: Values): void {
  while (r.pos < end) into.push(zigzag64(r.uint64()));
  r.checkEnd(end);
}

function readPackedDouble(r: ProtoReader, end: number, into: Values): void {
  if ((end - r.pos) % 8 !== 0) r.fail('packed doubles: length is not a multiple of 8');
  while (r.pos < end) into.push(r.double());
}

/**
 * Expands spans + deltas/counts into `dense` (absolute counts from the first
 * bucket). Returns the Prometheus index of the first bucket and the length.
 */
function expand(what: string, side: string, spans: Pairs, values: Values, deltas: boolean, st: RequestState): { first: number; len: number; fractional: boolean } {
  let total = 0;
  for (let k = 0; k < spans.n; k++) total += spans.b[k];
  if (total !== values.n) throw bad(what, `${side} spans cover ${total} buckets but ${values.n} ${deltas ? 'deltas' : 'counts'} were sent`);
  if (values.n === 0) return { first: 0, len: 0, fractional: false };
  let width = 0;
  for (let k = 0; k < spans.n; k++) {
    if (k > 0 && spans.a[k] < 0) throw bad(what, `${side} span ${k} has a negative offset ${spans.a[k]}; only the first span's offset may be negative`);
    width += (k > 0 ? spans.a[k] : 0) + spans.b[k];
  }
  if (width > MAX_DENSE_BUCKETS) throw bad(what, `${side} buckets span ${width} bucket indexes; at most ${MAX_DENSE_BUCKETS} can be converted`);
  st.denseBuckets += width;
  if (st.denseBuckets > MAX_DENSE_BUCKETS_PER_REQUEST) throw bad(what, `the request's native histograms span more than ${MAX_DENSE_BUCKETS_PER_REQUEST} buckets in all; send fewer per request`);
  if (dense.length < width) dense = new Float64Array(Math.max(width, dense.length * 2));
  dense.fill(0, 0, width);
  let pos = 0;
  let v = 0;
  let cur = 0;
  let fractional = false;
  for (let k = 0; k < spans.n; k++) {
    if (k > 0) pos += spans.a[k];
    for (let j = 0; j < spans.b[k]; j++) {
      cur = deltas ? cur + values.v[v] : values.v[v];
      v++;
      if (!(cur >= 0)) throw bad(what, `${side} bucket ${spans.a[0] + pos} has a negative or NaN count (${cur})`);
      if (!Number.isInteger(cur)) fractional = true;
      dense[pos++] = cur;
    }
  }
  return { first: spans.a[0], len: width, fractional };
}

function pushDense(b: ExpHistogramBuilder, positive: boolean, len: number, downscale: number, firstOtel: number, i: number): void {
  if (downscale === 0) {
    if (positive) {
      b.posOffsets[i] = firstOtel;
      for (let k = 0; k < len; k++) b.pushPositive(dense[k]);
    } else {
      b.negOffsets[i] = firstOtel;
      for (let k = 0; k < len; k++) b.pushNegative(dense[k]);
    }
    return;
  }
  const d = downscaleBuckets(firstOtel, Array.from(dense.subarray(0, len)), downscale);
  if (positive) {
    b.posOffsets[i] = d.offset;
    for (const c of d.counts) b.pushPositive(c);
  } else {
    b.negOffsets[i] = d.offset;
    for (const c of d.counts) b.pushNegative(c);
  }
}

/**
 * Decodes one Histogram message ending at `end` into the request state.
 * `seriesStartMs` is the series' start time when the message has none of its
 * own (2.0 rc.3 created_timestamp), 0 when unknown.
 */
export function readNativeHistogram(r: ProtoReader, end: number, st: RequestState, seriesStartMs: number, what = 'a series'): void {
  posSpans.n = negSpans.n = posDeltas.n = negDeltas.n = posCounts.n = negCounts.n = customValues.n = 0;
  let countInt = 0;
  let countFloat = 0;
  let floatCount = false;
  let zeroInt = 0;
  let zeroFloat = 0;
  let floatZero = false;
  let sum = 0;
  let stale = false;
  let schema = 0;
  let zeroThreshold = 0;
  let resetHint = 0;
  let ms = 0;
  let startMs = 0;
  while (r.pos < end) {
    const t = r.uint32();
    switch (t) {
      case 8 /* 1:VARINT */:
        countInt = r.uint64();
        floatCount = false;
        break;
      case 17 /* 2:I64 */:
        countFloat = r.double();
        floatCount = true;
        break;
      case 25 /* 3:I64 */: {
        const p = r.pos;
        sum = r.double();
        stale = Number.isNaN(sum) && r.pos <= end && isStaleNaN(r.view, p);
        break;
      }
      case 32 /* 4:VARINT */:
        schema = r.sint32();
        break;
      case 41 /* 5:I64 */:
        zeroThreshold = r.double();
        break;
      case 48 /* 6:VARINT */:
        zeroInt = r.uint64();
        floatZero = false;
        break;
      case 57 /* 7:I64 */:
        zeroFloat = r.double();
        floatZero = true;
        break;
      case 66 /* 8:LEN */:
        readSpan(r, r.lenEnd(end), negSpans);
        break;
      case 74 /* 9:LEN */:
        readPackedSint64(r, r.lenEnd(end), negDeltas);
        break;
      case 72 /* 9:VARINT */:
        negDeltas.push(zigzag64(r.uint64()));
        break;
      case 82 /* 10:LEN */:
        readPackedDouble(r, r.lenEnd(end), negCounts);
        break;
      case 81 /* 10:I64 */:
        negCounts.push(r.double());
        break;
      case 90 /* 11:LEN */:
        readSpan(r, r.lenEnd(end), posSpans);
        break;
      case 98 /* 12:LEN */:
        readPackedSint64(r, r.lenEnd(end), posDeltas);
        break;
      case 96 /* 12:VARINT */:
        posDeltas.push(zigzag64(r.uint64()));
        break;
      case 106 /* 13:LEN */:
        readPackedDouble(r, r.lenEnd(end), posCounts);
        break;
      case 105 /* 13:I64 */:
        posCounts.push(r.double());
        break;
      case 112 /* 14:VARINT */:
        resetHint = r.uint32();
        break;
      case 120 /* 15:VARINT */:
        ms = r.uint64();
        break;
      case 130 /* 16:LEN */:
        readPackedDouble(r, r.lenEnd(end), customValues);
        break;
      case 129 /* 16:I64 */:
        customValues.push(r.double());
        break;
      case 136 /* 17:VARINT */:
        startMs = r.uint64();
        break;
      default:
        r.skip(t, end);
    }
  }
  r.checkEnd(end);
  checkTimestamp(ms, 'a native histogram');
  checkTimestamp(startMs, 'a native histogram start');
  if (startMs === 0) startMs = seriesStartMs;
  if (resetHint === RESET_HINT_GAUGE) return st.drop('native_gauge_histogram');
  const isFloat = floatCount || floatZero || posCounts.n + negCounts.n > 0;
  if (isFloat && posDeltas.n + negDeltas.n > 0) throw bad(what, 'it has both bucket deltas (integer histogram) and bucket counts (float histogram)');
  if (schema === CUSTOM_BUCKETS_SCHEMA) return customBuckets(st, what, ms, startMs, stale, isFloat ? countFloat : countInt, sum);
  if (schema < MIN_SCHEMA || schema > MAX_RESERVED_SCHEMA) {
    throw bad(what, `schema ${schema} is not valid; use ${MIN_SCHEMA}..${MAX_SCHEMA} (exponential) or ${CUSTOM_BUCKETS_SCHEMA} (custom buckets)`);
  }
  const b = st.exp;
  const i = b.begin();
  setTimeMs(b.times, i, ms);
  if (startMs > 0) setTimeMs(b.startTimes, i, startMs);
  const scale = Math.min(schema, MAX_SCHEMA);
  b.scales[i] = scale;
  if (stale) {
    b.flags[i] = FLAG_NO_RECORDED_VALUE;
    b.commit(Attributes.EMPTY);
    st.noteExp(i, ms);
    return;
  }
  const count = isFloat ? countFloat : countInt;
  const zero = isFloat ? zeroFloat : zeroInt;
  if (!(count >= 0) || !(zero >= 0)) throw bad(what, `count (${count}) and zero count (${zero}) must not be negative`);
  let fractional = !Number.isInteger(count) || !Number.isInteger(zero);
  b.counts[i] = count;
  b.sums[i] = sum;
  b.has[i] = HAS_SUM;
  b.zeroCounts[i] = zero;
  b.zeroThresholds[i] = zeroThreshold;
  const down = schema - scale;
  const p = expand(what, 'positive', posSpans, isFloat ? posCounts : posDeltas, !isFloat, st);
  if (p.fractional) fractional = true;
  pushDense(b, true, p.len, down, p.first - 1, i);
  const n = expand(what, 'negative', negSpans, isFloat ? negCounts : negDeltas, !isFloat, st);
  if (n.fractional) fractional = true;
  pushDense(b, false, n.len, down, n.first - 1, i);
  if (fractional) {
    b.rollback(i);
    return st.drop('native_histogram_fractional_counts');
  }
  b.commit(Attributes.EMPTY);
  st.noteExp(i, ms);
}

function customBuckets(st: RequestState, what: string, ms: number, startMs: number, stale: boolean, count: number, sum: number): void {
  const cv = customValues;
  for (let k = 0; k < cv.n; k++) {
    if (!Number.isFinite(cv.v[k]) || (k > 0 && !(cv.v[k] > cv.v[k - 1]))) {
      throw bad(what, `custom_values must be finite and strictly increasing (value ${k} is ${cv.v[k]})`);
    }
  }
  if (negSpans.n > 0 || negDeltas.n + negCounts.n > 0) throw bad(what, 'custom-bucket histograms (schema -53) have no negative buckets');
  const b = st.explicit;
  const i = b.begin();
  setTimeMs(b.times, i, ms);
  if (startMs > 0) setTimeMs(b.startTimes, i, startMs);
  for (let k = 0; k < cv.n; k++) b.pushBound(cv.v[k]);
  if (stale) {
    b.flags[i] = FLAG_NO_RECORDED_VALUE;
    for (let k = 0; k <= cv.n; k++) b.pushBucket(0);
    b.commit(Attributes.EMPTY);
    st.noteExplicit(i, ms);
    return;
  }
  if (!(count >= 0)) throw bad(what, `count (${count}) must not be negative`);
  const isFloat = posCounts.n > 0;
  const p = expand(what, 'positive', posSpans, isFloat ? posCounts : posDeltas, !isFloat, st);
  if (p.len > 0 && (p.first < 0 || p.first + p.len > cv.n + 1)) {
    throw bad(what, `buckets ${p.first}..${p.first + p.len - 1} do not exist: ${cv.n} custom_values make buckets 0..${cv.n}`);
  }
  const first = p.len > 0 ? p.first : 0;
  for (let k = 0; k <= cv.n; k++) b.pushBucket(k >= first && k < first + p.len ? dense[k - first] : 0);
  if (p.fractional || !Number.isInteger(count)) {
    b.rollback(i);
    return st.drop('native_histogram_fractional_counts');
  }
  b.counts[i] = count;
  b.sums[i] = sum;
  b.has[i] = HAS_SUM;
  b.commit(Attributes.EMPTY);
  st.noteExplicit(i, ms);
}
