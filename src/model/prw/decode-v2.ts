import { Errors } from '../../errors/catalogue.js';
import { TributaryError } from '../../errors/tributary-error.js';
import { ProtoReader } from '../proto/reader.js';
import { exemplarOf } from './exemplars.js';
import { otelUnit, promTypeOf } from './metadata.js';
import { readNativeHistogram } from './native-histogram.js';
import { Pairs, type RequestState, checkTimestamp, isStaleNaN } from './request.js';
import type { SeriesIndex } from './series-index.js';

/**
 * Remote write 2.0 (io.prometheus.write.v2.Request, spec 2.0-rc.4) into the
 * request state: Request{symbols=4, timeseries=5};
 * TimeSeries{labels_refs=1 (uint32 pairs into symbols), samples=2,
 * histograms=3, exemplars=4, metadata=5, created_timestamp=6 (rc.3 only)};
 * Sample{value=1, timestamp=2, start_timestamp=3 (rc.4)};
 * Exemplar{labels_refs=1, value=2, timestamp=3};
 * Metadata{type=1, help_ref=3, unit_ref=4}.
 * Symbols are kept as byte ranges; a series' label set is rebuilt from them
 * in the 1.0 Label encoding and looked up by those bytes, so both versions
 * share one series table and decode a label set only the first time.
 * Start times: rc.4's per-sample start_timestamp, else rc.3's series
 * created_timestamp; 0 ("unset") means unknown.
 */

function invalid(message: string): TributaryError {
  return new TributaryError(Errors.INVALID_DATA, message);
}

export class V2Decoder {
  private r!: ProtoReader;
  /** Byte ranges [a, b) of the symbols and of the series messages. */
  private readonly symbols = new Pairs();
  private readonly series = new Pairs();
  private symString: (string | undefined)[] = [];
  private refs: Uint32Array = new Uint32Array(64);
  private exRefs: Uint32Array = new Uint32Array(16);
  private key = Buffer.allocUnsafe(4096);
  private keyView = new DataView(this.key.buffer, this.key.byteOffset, this.key.byteLength);

  constructor(
    private readonly index: SeriesIndex,
    private readonly st: RequestState,
  ) {}

  decode(buf: Buffer): void {
    const r = (this.r = new ProtoReader(buf, 'remote write 2.0 Request'));
    const end = buf.length;
    this.symbols.n = 0;
    this.series.n = 0;
    this.symString.length = 0;
    // First pass: where the symbols and series are (symbols may come after the series that use them).
    while (r.pos < end) {
      const t = r.uint32();
      if (t === 34 /* 4:LEN */ || t === 42 /* 5:LEN */) {
        const e = r.lenEnd(end);
        (t === 34 ? this.symbols : this.series).push(r.pos, e);
        r.pos = e;
      } else r.skip(t, end);
    }
    r.checkEnd(end);
    const sym = this.symbols;
    if (sym.n > 0 && sym.b[0] !== sym.a[0]) {
      throw invalid(`symbols[0] must be the empty string (got "${this.symbol(0)}"); is this a remote write 2.0 request?`);
    }
    for (let k = 0; k < this.series.n; k++) {
      r.pos = this.series.a[k];
      this.timeSeries(this.series.b[k]);
    }
  }

  private symbol(i: number): string {
    let s = this.symString[i];
    if (s === undefined) {
      const { a: start, b: end } = this.symbols;
      s = end[i] === start[i] ? '' : this.r.buf.toString('utf8', start[i], end[i]);
      this.symString[i] = s;
    }
    return s;
  }

  private checkRef(ref: number, what: string): number {
    if (ref >= this.symbols.n) throw invalid(`${what} refers to symbol ${ref}, but the request has ${this.symbols.n} symbols`);
    return ref;
  }

  /** Reads labels_refs (packed or not) into the series' (or an exemplar's) scratch; returns how many. */
  private readRefs(t: number, end: number, n: number, exemplar: boolean): number {
    const r = this.r;
    if (t === 8 /* 1:VARINT */) return this.pushRef(n, r.uint32(), exemplar);
    const e = r.lenEnd(end);
    while (r.pos < e) n = this.pushRef(n, r.uint32(), exemplar);
    r.checkEnd(e);
    return n;
  }

  private pushRef(n: number, v: number, exemplar: boolean): number {
    let a = exemplar ? this.exRefs : this.refs;
    if (n >= a.length) {
      a = growU32(a);
      if (exemplar) this.exRefs = a;
      else this.refs = a;
    }
    a[n] = v;
    return n + 1;
  }

  private timeSeries(end: number): void {
    const r = this.r;
    const st = this.st;
    const sample0 = st.n;
    const exp0 = st.exp.n;
    const explicit0 = st.explicit.n;
    const exemplar0 = st.exemplars.length;
    let nRefs = 0;
    let type = -1;
    let helpRef = 0;
    let unitRef = 0;
    let createdMs = 0;
    let histStart = -1;
    let hasSamples = false;
    // Histograms need the series' created timestamp (rc.3), which may follow them: read them last.
    while (r.pos < end) {
      const tagPos = r.pos;
      const t = r.uint32();
      switch (t) {
        case 10 /* 1:LEN */:
        case 8 /* 1:VARINT */:
          nRefs = this.readRefs(t, end, nRefs, false);
          break;
        case 18 /* 2:LEN */:
          this.sample(r.lenEnd(end));
          hasSamples = true;
          break;
        case 26 /* 3:LEN */: {
          const e = r.lenEnd(end);
          if (histStart < 0) histStart = tagPos;
          r.pos = e;
          break;
        }
        case 34 /* 4:LEN */:
          this.exemplar(r.lenEnd(end));
          break;
        case 42 /* 5:LEN */: {
          const e = r.lenEnd(end);
          while (r.pos < e) {
            const mt = r.uint32();
            if (mt === 8 /* 1:VARINT */) type = r.uint32();
            else if (mt === 24 /* 3:VARINT */) helpRef = this.checkRef(r.uint32(), 'metadata help_ref');
            else if (mt === 32 /* 4:VARINT */) unitRef = this.checkRef(r.uint32(), 'metadata unit_ref');
            else r.skip(mt, e);
          }
          r.checkEnd(e);
          break;
        }
        case 48 /* 6:VARINT */:
          createdMs = checkTimestamp(r.uint64(), 'a created');
          break;
        default:
          r.skip(t, end);
      }
    }
    r.checkEnd(end);
    if (createdMs > 0) st.sStart.fill(createdMs, sample0, st.n);
    const ref = this.lookup(nRefs);
    const what = ref.describe();
    if (histStart >= 0) {
      if (hasSamples) throw invalid(`series ${what} carries both samples and histograms; a 2.0 series must carry one or the other`);
      this.histograms(histStart, end, createdMs, what);
    }
    const i = st.indexOf(ref);
    st.assign(i, ref, sample0, exp0, explicit0, exemplar0);
    if (type >= 0) st.setMetadata(i, promTypeOf(type), otelUnit(this.symbol(unitRef)), this.symbol(helpRef));
  }

  private histograms(from: number, end: number, createdMs: number, what: string): void {
    const r = this.r;
    r.pos = from;
    while (r.pos < end) {
      const t = r.uint32();
      if (t === 26) readNativeHistogram(r, r.lenEnd(end), this.st, createdMs, what);
      else r.skip(t, end);
    }
  }

  /** The series for the labels_refs just read: rebuilt as 1.0 Label fields in `key`, looked up by those bytes. */
  private lookup(nRefs: number) {
    if (nRefs % 2 !== 0) throw invalid(`a series has an odd number (${nRefs}) of labels_refs; they are (name, value) pairs`);
    const buf = this.r.buf;
    const { a: start, b: end } = this.symbols;
    let n = 0;
    for (let k = 0; k < nRefs; k += 2) {
      const a = this.checkRef(this.refs[k], 'a label name');
      const b = this.checkRef(this.refs[k + 1], 'a label value');
      const nl = end[a] - start[a];
      const vl = end[b] - start[b];
      const inner = 2 + varintLen(nl) + nl + varintLen(vl) + vl;
      const need = n + 1 + varintLen(inner) + inner;
      if (need > this.key.length) this.growKey(need);
      const key = this.key;
      key[n++] = 0x0a;
      n = putVarint(key, n, inner);
      key[n++] = 0x0a;
      n = putVarint(key, n, nl);
      n = copyInto(buf, start[a], nl, key, n);
      key[n++] = 0x12;
      n = putVarint(key, n, vl);
      n = copyInto(buf, start[b], vl, key, n);
    }
    const ref = this.index.lookup(this.key, this.keyView, 0, n, this.st.last);
    this.st.last = ref;
    return ref;
  }

  private growKey(need: number): void {
    const k = Buffer.allocUnsafe(Math.max(need, this.key.length * 2));
    this.key.copy(k);
    this.key = k;
    this.keyView = new DataView(k.buffer, k.byteOffset, k.byteLength);
  }

  private sample(end: number): void {
    const r = this.r;
    let value = 0;
    let stale = false;
    let ms = 0;
    let startMs = 0;
    while (r.pos < end) {
      const t = r.uint32();
      if (t === 9 /* 1:I64 */) {
        const p = r.pos;
        value = r.double();
        stale = value !== value && r.pos <= end && isStaleNaN(r.view, p);
      } else if (t === 16 /* 2:VARINT */) ms = r.uint64();
      else if (t === 24 /* 3:VARINT */) startMs = r.uint64();
      else r.skip(t, end);
    }
    r.checkEnd(end);
    this.st.pushSample(value, checkTimestamp(ms, 'a sample'), checkTimestamp(startMs, 'a sample start'), stale);
  }

  private exemplar(end: number): void {
    const r = this.r;
    let nRefs = 0;
    let value = 0;
    let ms = 0;
    const names: string[] = [];
    const values: string[] = [];
    while (r.pos < end) {
      const t = r.uint32();
      if (t === 10 || t === 8) nRefs = this.readRefs(t, end, nRefs, true);
      else if (t === 17 /* 2:I64 */) value = r.double();
      else if (t === 24 /* 3:VARINT */) ms = r.uint64();
      else r.skip(t, end);
    }
    r.checkEnd(end);
    if (nRefs % 2 !== 0) throw invalid(`an exemplar has an odd number (${nRefs}) of labels_refs`);
    for (let k = 0; k < nRefs; k += 2) {
      names.push(this.symbol(this.checkRef(this.exRefs[k], 'an exemplar label name')));
      values.push(this.symbol(this.checkRef(this.exRefs[k + 1], 'an exemplar label value')));
    }
    checkTimestamp(ms, 'an exemplar');
    this.st.exemplars.push({ series: -1, ms, exemplar: exemplarOf(names, values, value, ms) });
  }
}

function growU32(a: Uint32Array): Uint32Array {
  const b = new Uint32Array(Math.max(16, a.length * 2));
  b.set(a);
  return b;
}

function varintLen(v: number): number {
  return v < 0x80 ? 1 : v < 0x4000 ? 2 : v < 0x200000 ? 3 : v < 0x10000000 ? 4 : 5;
}

function putVarint(b: Buffer, n: number, v: number): number {
  while (v >= 0x80) {
    b[n++] = (v & 0x7f) | 0x80;
    v >>>= 7;
  }
  b[n++] = v;
  return n;
}

function copyInto(src: Buffer, from: number, len: number, dst: Buffer, at: number): number {
  if (len > 32) return at + src.copy(dst, at, from, from + len);
  for (let i = 0; i < len; i++) dst[at + i] = src[from + i];
  return at + len;
}

