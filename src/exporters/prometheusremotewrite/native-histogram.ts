import { type ExpState, downscaleBuckets } from '../../model/exp-histogram.js';
import type { ProtoWriter } from '../../model/proto/writer.js';
import { STALE_NAN_BYTES } from './prompb.js';

/**
 * OpenTelemetry exponential histograms as Prometheus native histograms
 * (prompb Histogram, field 4 of TimeSeries): schema = scale, downscaled to 8
 * when finer; Prometheus bucket index = OTel index + 1 (OTel buckets are
 * lower-exclusive, Prometheus' upper-inclusive); integer counts as deltas
 * in spans, gaps of up to two empty buckets filled rather than splitting a
 * span; the zero threshold as sent, or 1e-128 when unset.
 * Histogram fields: count_int=1, sum=3, schema=4 (sint32), zero_threshold=5,
 * zero_count_int=6, negative_spans=8, negative_deltas=9 (sint64),
 * positive_spans=11, positive_deltas=12, reset_hint=14, timestamp=15.
 */

export const MIN_SCHEMA = -4;
export const MAX_SCHEMA = 8;
const DEFAULT_ZERO_THRESHOLD = 1e-128;

function zigzag(n: number): number {
  return n >= 0 ? n * 2 : -n * 2 - 1;
}

interface Spans {
  spans: [number, number][];
  deltas: number[];
}

/** Spans and deltas for buckets at Prometheus indexes first..first+counts.length-1. */
export function toSpans(first: number, counts: readonly number[]): Spans {
  const spans: [number, number][] = [];
  const deltas: number[] = [];
  let prev = 0;
  let lastIndex = 0;
  let i = 0;
  while (i < counts.length && counts[i] === 0) i++;
  for (; i < counts.length; i++) {
    const c = counts[i];
    if (c === 0) {
      // Look ahead: a run of at most two empty buckets stays inside the span.
      let j = i;
      while (j < counts.length && counts[j] === 0) j++;
      if (j === counts.length) break;
      if (j - i > 2) {
        i = j - 1;
        continue;
      }
    }
    const idx = first + i;
    if (spans.length === 0) spans.push([idx, 1]);
    else if (idx === lastIndex + 1) spans[spans.length - 1][1]++;
    else spans.push([idx - lastIndex - 1, 1]);
    lastIndex = idx;
    deltas.push(c - prev);
    prev = c;
  }
  return { spans, deltas };
}

function writeSpans(w: ProtoWriter, field: number, spans: [number, number][]): void {
  for (const [offset, length] of spans) {
    w.tag(field, 2).fork();
    if (offset !== 0) w.tag(1, 0).sint32(offset);
    w.tag(2, 0).uint32(length);
    w.join();
  }
}

function writeDeltas(w: ProtoWriter, field: number, deltas: number[]): void {
  if (deltas.length === 0) return;
  w.tag(field, 2).fork();
  for (const d of deltas) w.uint64(zigzag(d));
  w.join();
}

/** Writes TimeSeries.histograms (tag 4) for the state; returns false if its scale cannot be represented. */
export function writeNativeHistogram(w: ProtoWriter, h: ExpState, ts: number, stale: boolean): boolean {
  if (h.scale < MIN_SCHEMA) return false;
  const down = Math.max(0, h.scale - MAX_SCHEMA);
  const schema = h.scale - down;
  w.tag(4, 2).fork();
  if (stale) {
    w.tag(3, 1);
    w.raw(STALE_NAN_BYTES);
    w.tag(4, 0).sint32(schema);
    w.tag(15, 0).uint64(ts);
    w.join();
    return true;
  }
  const pos = downscaleBuckets(h.posOffset, h.pos, down);
  const neg = downscaleBuckets(h.negOffset, h.neg, down);
  const p = toSpans(pos.offset + 1, pos.counts);
  const n = toSpans(neg.offset + 1, neg.counts);
  if (h.count !== 0) w.tag(1, 0).uint64(h.count);
  w.tag(3, 1).double(h.sum);
  if (schema !== 0) w.tag(4, 0).sint32(schema);
  w.tag(5, 1).double(h.zeroThreshold > 0 ? h.zeroThreshold : DEFAULT_ZERO_THRESHOLD);
  if (h.zeroCount !== 0) w.tag(6, 0).uint64(h.zeroCount);
  writeSpans(w, 8, n.spans);
  writeDeltas(w, 9, n.deltas);
  writeSpans(w, 11, p.spans);
  writeDeltas(w, 12, p.deltas);
  // reset_hint (14) left UNKNOWN: always safe; the receiver detects resets.
  w.tag(15, 0).uint64(ts);
  w.join();
  return true;
}
