import { ProtoWriter } from '../model/proto/writer.js';

/**
 * Remote write requests from plain objects, for tests: 1.0 (prompb) and 2.0
 * (io.prometheus.write.v2, rc.4 with rc.3's created_timestamp on request).
 * Labels are pairs, written in the given order, so tests can send
 * unsorted or repeated labels. A sample value of 'stale' is written as
 * Prometheus' staleness NaN bit pattern.
 */

export type Labels = readonly (readonly [string, string])[];

export interface RwSample {
  readonly value: number | 'stale';
  readonly ts: number;
  /** 2.0 rc.4 start_timestamp. */
  readonly start?: number;
}

export interface RwHistogram {
  readonly countInt?: number;
  readonly countFloat?: number;
  readonly sum: number | 'stale';
  readonly schema: number;
  readonly zeroThreshold?: number;
  readonly zeroCountInt?: number;
  readonly zeroCountFloat?: number;
  readonly negativeSpans?: readonly (readonly [number, number])[];
  readonly negativeDeltas?: readonly number[];
  readonly negativeCounts?: readonly number[];
  readonly positiveSpans?: readonly (readonly [number, number])[];
  readonly positiveDeltas?: readonly number[];
  readonly positiveCounts?: readonly number[];
  readonly resetHint?: number;
  readonly ts: number;
  readonly customValues?: readonly number[];
  readonly start?: number;
}

export interface RwExemplar {
  readonly labels: Labels;
  readonly value: number;
  readonly ts: number;
}

export interface RwSeries {
  readonly labels: Labels;
  readonly samples?: readonly RwSample[];
  readonly histograms?: readonly RwHistogram[];
  readonly exemplars?: readonly RwExemplar[];
  /** 2.0 only: the series' metadata. */
  readonly metadata?: { readonly type: number; readonly help?: string; readonly unit?: string };
  /** 2.0 rc.3 only: TimeSeries.created_timestamp (field 6). */
  readonly createdTs?: number;
}

export interface RwMetadata {
  readonly type: number;
  readonly family: string;
  readonly help?: string;
  readonly unit?: string;
}

export const STALE_BYTES = Buffer.from([0x02, 0, 0, 0, 0, 0, 0xf0, 0x7f]);

/** Labels from an object, sorted by name as senders must send them. */
export function labelsOf(o: Record<string, string>): Labels {
  return Object.entries(o).sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
}

function value(w: ProtoWriter, field: number, v: number | 'stale'): void {
  w.tag(field, 1);
  if (v === 'stale') w.raw(STALE_BYTES);
  else w.double(v);
}

const zigzag = (n: number): number => (n >= 0 ? n * 2 : -n * 2 - 1);

function histogram(w: ProtoWriter, field: number, h: RwHistogram): void {
  w.tag(field, 2).fork();
  if (h.countInt !== undefined) w.tag(1, 0).uint64(h.countInt);
  if (h.countFloat !== undefined) w.tag(2, 1).double(h.countFloat);
  value(w, 3, h.sum);
  if (h.schema !== 0) w.tag(4, 0).sint32(h.schema);
  if (h.zeroThreshold !== undefined) w.tag(5, 1).double(h.zeroThreshold);
  if (h.zeroCountInt !== undefined) w.tag(6, 0).uint64(h.zeroCountInt);
  if (h.zeroCountFloat !== undefined) w.tag(7, 1).double(h.zeroCountFloat);
  const spans = (f: number, s: RwHistogram['positiveSpans']) => {
    for (const [offset, length] of s ?? []) {
      w.tag(f, 2).fork();
      if (offset !== 0) w.tag(1, 0).sint32(offset);
      w.tag(2, 0).uint32(length);
      w.join();
    }
  };
  const deltas = (f: number, d: readonly number[] | undefined) => {
    if (d === undefined || d.length === 0) return;
    w.tag(f, 2).fork();
    for (const x of d) w.uint64(zigzag(x));
    w.join();
  };
  const doubles = (f: number, d: readonly number[] | undefined) => {
    if (d === undefined || d.length === 0) return;
    w.tag(f, 2).fork();
    for (const x of d) w.double(x);
    w.join();
  };
  spans(8, h.negativeSpans);
  deltas(9, h.negativeDeltas);
  doubles(10, h.negativeCounts);
  spans(11, h.positiveSpans);
  deltas(12, h.positiveDeltas);
  doubles(13, h.positiveCounts);
  if (h.resetHint !== undefined) w.tag(14, 0).uint32(h.resetHint);
  w.tag(15, 0).uint64(h.ts);
  doubles(16, h.customValues);
  if (h.start !== undefined) w.tag(17, 0).uint64(h.start);
  w.join();
}

function v1Labels(w: ProtoWriter, field: number, labels: Labels): void {
  for (const [n, v] of labels) {
    w.tag(field, 2).fork();
    w.tag(1, 2).string(n);
    w.tag(2, 2).string(v);
    w.join();
  }
}

export function encodeV1(series: readonly RwSeries[], metadata: readonly RwMetadata[] = []): Buffer {
  const w = new ProtoWriter();
  for (const s of series) {
    w.tag(1, 2).fork();
    v1Labels(w, 1, s.labels);
    for (const x of s.samples ?? []) {
      w.tag(2, 2).fork();
      value(w, 1, x.value);
      if (x.ts !== 0) w.tag(2, 0).int64(x.ts);
      w.join();
    }
    for (const e of s.exemplars ?? []) {
      w.tag(3, 2).fork();
      v1Labels(w, 1, e.labels);
      w.tag(2, 1).double(e.value);
      w.tag(3, 0).int64(e.ts);
      w.join();
    }
    for (const h of s.histograms ?? []) histogram(w, 4, h);
    w.join();
  }
  for (const m of metadata) {
    w.tag(3, 2).fork();
    w.tag(1, 0).uint32(m.type);
    w.tag(2, 2).string(m.family);
    if (m.help !== undefined) w.tag(4, 2).string(m.help);
    if (m.unit !== undefined) w.tag(5, 2).string(m.unit);
    w.join();
  }
  return w.finish();
}

export function encodeV2(series: readonly RwSeries[]): Buffer {
  const symbols = [''];
  const ref = new Map<string, number>([['', 0]]);
  const sym = (s: string): number => {
    let i = ref.get(s);
    if (i === undefined) {
      i = symbols.length;
      symbols.push(s);
      ref.set(s, i);
    }
    return i;
  };
  const body = new ProtoWriter();
  const refs = (labels: Labels) => {
    body.tag(1, 2).fork();
    for (const [n, v] of labels) body.uint32(sym(n)).uint32(sym(v));
    body.join();
  };
  for (const s of series) {
    body.tag(5, 2).fork();
    refs(s.labels);
    for (const x of s.samples ?? []) {
      body.tag(2, 2).fork();
      value(body, 1, x.value);
      if (x.ts !== 0) body.tag(2, 0).int64(x.ts);
      if (x.start !== undefined) body.tag(3, 0).int64(x.start);
      body.join();
    }
    for (const h of s.histograms ?? []) histogram(body, 3, h);
    for (const e of s.exemplars ?? []) {
      body.tag(4, 2).fork();
      refs(e.labels);
      body.tag(2, 1).double(e.value);
      body.tag(3, 0).int64(e.ts);
      body.join();
    }
    if (s.metadata !== undefined) {
      body.tag(5, 2).fork();
      body.tag(1, 0).uint32(s.metadata.type);
      if (s.metadata.help !== undefined) body.tag(3, 0).uint32(sym(s.metadata.help));
      if (s.metadata.unit !== undefined) body.tag(4, 0).uint32(sym(s.metadata.unit));
      body.join();
    }
    if (s.createdTs !== undefined) body.tag(6, 0).int64(s.createdTs);
    body.join();
  }
  const w = new ProtoWriter();
  for (const s of symbols) w.tag(4, 2).string(s);
  w.raw(body.finish());
  return w.finish();
}
