import type { ProtoWriter } from '../../model/proto/writer.js';
import { varintSize } from '../../model/proto/writer.js';
import type { Label } from '../../model/prom/series-labels.js';

/**
 * Remote write 1.0 wire format (prompb/remote.proto and types.proto):
 * WriteRequest{timeseries=1, metadata=3}; TimeSeries{labels=1, samples=2,
 * exemplars=3, histograms=4}; Label{name=1, value=2}; Sample{value=1 double,
 * timestamp=2 int64 ms}; Exemplar{labels=1, value=2, timestamp=3};
 * MetricMetadata{type=1, metric_family_name=2, help=4, unit=5}.
 */

export const MetadataType = { UNKNOWN: 0, COUNTER: 1, GAUGE: 2, HISTOGRAM: 3, GAUGEHISTOGRAM: 4, SUMMARY: 5, INFO: 6, STATESET: 7 } as const;

/** Prometheus' staleness marker, as little-endian bytes (value.StaleNaN = 0x7ff0000000000002). */
export const STALE_NAN_BYTES = Buffer.from([0x02, 0, 0, 0, 0, 0, 0xf0, 0x7f]);

function utf8Len(s: string): number {
  for (let i = 0; i < s.length; i++) if (s.charCodeAt(i) > 127) return Buffer.byteLength(s, 'utf8');
  return s.length;
}

/** The Label fields of a TimeSeries (tag 1 each), encoded once and reused for every sample of the series. */
export function encodeLabels(labels: readonly Label[]): Buffer {
  let size = 0;
  const parts: [number, number][] = [];
  for (const [n, v] of labels) {
    const nl = utf8Len(n);
    const vl = utf8Len(v);
    const inner = 1 + varintSize(nl) + nl + 1 + varintSize(vl) + vl;
    parts.push([nl, vl]);
    size += 1 + varintSize(inner) + inner;
  }
  const out = Buffer.allocUnsafe(size);
  let p = 0;
  const writeVarint = (v: number): void => {
    while (v > 127) {
      out[p++] = (v & 127) | 128;
      v >>>= 7;
    }
    out[p++] = v;
  };
  labels.forEach(([n, v], i) => {
    const [nl, vl] = parts[i];
    out[p++] = 0x0a;
    writeVarint(1 + varintSize(nl) + nl + 1 + varintSize(vl) + vl);
    out[p++] = 0x0a;
    writeVarint(nl);
    p += out.write(n, p, nl, 'utf8');
    out[p++] = 0x12;
    writeVarint(vl);
    p += out.write(v, p, vl, 'utf8');
  });
  return out;
}

/** Bytes of one Sample field (tag 2) holding `ts`. */
export function sampleFieldSize(ts: number): number {
  const inner = 9 + (ts === 0 ? 0 : 1 + varintSize(ts));
  return 1 + 1 + inner;
}

/** The varint of the last timestamp written: samples of one request mostly share it. */
let lastTs = -1;
const lastTsBytes = Buffer.alloc(10);
let lastTsLen = 0;

/** Writes a Sample field (tag 2): value as a double (or the stale marker), timestamp in ms. */
export function writeSample(w: ProtoWriter, value: number, ts: number, stale: boolean): void {
  w.ensure(24);
  if (ts !== lastTs) {
    lastTs = ts;
    let v = ts;
    lastTsLen = 0;
    while (v >= 128) {
      lastTsBytes[lastTsLen++] = (v % 128) | 128;
      v = Math.floor(v / 128);
    }
    lastTsBytes[lastTsLen++] = v;
  }
  const buf = w.buf;
  buf[w.pos++] = 0x12;
  buf[w.pos++] = ts === 0 ? 9 : 10 + lastTsLen;
  buf[w.pos++] = 0x09;
  if (stale) {
    STALE_NAN_BYTES.copy(buf, w.pos);
    w.pos += 8;
  } else w.double(value);
  if (ts !== 0) {
    buf[w.pos++] = 0x10;
    for (let k = 0; k < lastTsLen; k++) buf[w.pos++] = lastTsBytes[k];
  }
}

export interface ExemplarOut {
  readonly labels: Buffer;
  readonly value: number;
  readonly ts: number;
}

export function writeExemplar(w: ProtoWriter, e: ExemplarOut): void {
  w.tag(3, 2).fork();
  w.raw(e.labels);
  w.tag(2, 1).double(e.value);
  if (e.ts !== 0) w.tag(3, 0).uint64(e.ts);
  w.join();
}

export function writeMetadata(w: ProtoWriter, type: number, family: string, help: string, unit: string): void {
  w.tag(3, 2).fork();
  if (type !== 0) w.tag(1, 0).uint32(type);
  w.tag(2, 2).string(family);
  if (help !== '') w.tag(4, 2).string(help);
  if (unit !== '') w.tag(5, 2).string(unit);
  w.join();
}
