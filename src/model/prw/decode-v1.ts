import { TributaryError } from '../../errors/tributary-error.js';
import { ProtoReader } from '../proto/reader.js';
import { exemplarOf } from './exemplars.js';
import { type MetadataCache, otelUnit, promTypeOf } from './metadata.js';
import { readNativeHistogram } from './native-histogram.js';
import { type RequestState, checkTimestamp, isStaleNaN } from './request.js';
import type { SeriesIndex } from './series-index.js';

/**
 * Remote write 1.0 (prompb.WriteRequest) into the request state, in one
 * pass over the bytes: WriteRequest{timeseries=1, metadata=3};
 * TimeSeries{labels=1, samples=2, exemplars=3, histograms=4};
 * Label{name=1, value=2}; Sample{value=1 double, timestamp=2 int64 ms};
 * Exemplar{labels=1, value=2, timestamp=3};
 * MetricMetadata{type=1, metric_family_name=2, help=4, unit=5}.
 * A series' Label fields are looked up by their raw bytes; only a label set
 * not seen before is decoded.
 */
export class V1Decoder {
  private r!: ProtoReader;
  private key = Buffer.allocUnsafe(1024);

  constructor(
    private readonly index: SeriesIndex,
    private readonly metadata: MetadataCache,
    private readonly st: RequestState,
  ) {}

  decode(buf: Buffer): void {
    const r = (this.r = new ProtoReader(buf, 'remote write 1.0 WriteRequest'));
    const end = buf.length;
    while (r.pos < end) {
      const t = r.uint32();
      if (t === 10 /* 1:LEN */) this.timeSeries(r.lenEnd(end));
      else if (t === 26 /* 3:LEN */) this.familyMetadata(r.lenEnd(end));
      else r.skip(t, end);
    }
    r.checkEnd(end);
  }

  private timeSeries(end: number): void {
    const r = this.r;
    const buf = r.buf;
    const st = this.st;
    const sample0 = st.n;
    const exp0 = st.exp.n;
    const explicit0 = st.explicit.n;
    const exemplar0 = st.exemplars.length;
    // Fast paths: senders put the Label fields first. The series that followed
    // the previous one last time is compared in place; else the labels are
    // skipped quickly while each is shorter than 128 bytes.
    const first = r.pos;
    let pos = first;
    let guessed = this.index.guessAt(buf, r.view, first, end, st.last);
    if (guessed !== undefined) {
      pos += guessed.key!.bytes.length;
      if (pos < end && buf[pos] === 10) {
        guessed = undefined; // more labels follow: not the same label set
        pos = first;
      }
    }
    if (guessed === undefined) {
      while (pos < end && buf[pos] === 10 /* 1:LEN */ && buf[pos + 1] < 0x80) pos += 2 + buf[pos + 1];
      if (pos > end) pos = first; // a truncated label: let the checked path report it
    }
    let labelsStart = pos > first ? first : -1;
    let labelsEnd = pos;
    let contiguous = true;
    r.pos = pos;
    while (r.pos < end) {
      const tagPos = r.pos;
      const t = r.uint32();
      switch (t) {
        case 10 /* 1:LEN */: {
          const e = r.lenEnd(end);
          if (labelsStart < 0) labelsStart = tagPos;
          else if (tagPos !== labelsEnd) contiguous = false;
          labelsEnd = r.pos = e;
          break;
        }
        case 18 /* 2:LEN */:
          this.sample(r.lenEnd(end));
          break;
        case 26 /* 3:LEN */:
          this.exemplar(r.lenEnd(end));
          break;
        case 34 /* 4:LEN */:
          this.histogram(r.lenEnd(end), first, end);
          break;
        default:
          r.skip(t, end);
      }
    }
    r.checkEnd(end);
    const ref = !contiguous
      ? this.scattered(end, labelsStart)
      : guessed !== undefined && labelsEnd === first + guessed.key!.bytes.length
        ? guessed
        : labelsStart < 0
          ? this.index.lookup(buf, r.view, first, first, st.last) // no labels: refused for want of a name
          : this.index.lookup(buf, r.view, labelsStart, labelsEnd, st.last);
    st.last = ref;
    st.assign(st.indexOf(ref), ref, sample0, exp0, explicit0, exemplar0);
  }

  /** A native histogram; its errors name the series (whose labels may be anywhere in the message). */
  private histogram(end: number, seriesStart: number, seriesEnd: number): void {
    try {
      readNativeHistogram(this.r, end, this.st, 0);
    } catch (err) {
      if (!(err instanceof TributaryError)) throw err;
      let who = 'a series';
      try {
        const saved = this.r.pos;
        who = this.scattered(seriesEnd, seriesStart).describe();
        this.r.pos = saved;
      } catch {
        // the labels are invalid too: keep the histogram's own complaint
      }
      throw new TributaryError(err.def, err.message.replace('native histogram of a series', `native histogram of ${who}`), { cause: err });
    }
  }

  /** Label fields interleaved with other fields (legal, never seen in practice): gathered into one key. */
  private scattered(end: number, from: number) {
    const r = this.r;
    const saved = r.pos;
    r.pos = from;
    let n = 0;
    while (r.pos < end) {
      const tagPos = r.pos;
      const t = r.uint32();
      if (t === 10) {
        const e = r.lenEnd(end);
        if (n + (e - tagPos) > this.key.length) {
          const k = Buffer.allocUnsafe(Math.max(this.key.length * 2, n + (e - tagPos)));
          this.key.copy(k, 0, 0, n);
          this.key = k;
        }
        n += r.buf.copy(this.key, n, tagPos, e);
        r.pos = e;
      } else r.skip(t, end);
    }
    r.pos = saved;
    return this.index.lookup(this.key, new DataView(this.key.buffer, this.key.byteOffset, this.key.byteLength), 0, n, this.st.last);
  }

  private sample(end: number): void {
    const r = this.r;
    const buf = r.buf;
    const p = r.pos;
    // Fast path: value (tag 9) then timestamp (tag 16), as every sender writes them.
    if (buf[p] === 9 && p + 10 < end && buf[p + 9] === 16) {
      const value = r.view.getFloat64(p + 1, true);
      r.pos = p + 10;
      const ms = r.uint64();
      if (r.pos === end) {
        this.st.pushSample(value, checkTimestamp(ms, 'a sample'), 0, value !== value && isStaleNaN(r.view, p + 1));
        return;
      }
      r.pos = p;
    }
    let value = 0;
    let stale = false;
    let ms = 0;
    while (r.pos < end) {
      const t = r.uint32();
      if (t === 9 /* 1:I64 */) {
        const at = r.pos;
        value = r.double();
        stale = value !== value && r.pos <= end && isStaleNaN(r.view, at);
      } else if (t === 16 /* 2:VARINT */) ms = r.uint64();
      else r.skip(t, end);
    }
    r.checkEnd(end);
    this.st.pushSample(value, checkTimestamp(ms, 'a sample'), 0, stale);
  }

  private exemplar(end: number): void {
    const r = this.r;
    const names: string[] = [];
    const values: string[] = [];
    let value = 0;
    let ms = 0;
    while (r.pos < end) {
      const t = r.uint32();
      if (t === 10 /* 1:LEN */) {
        const e = r.lenEnd(end);
        let n = '';
        let v = '';
        while (r.pos < e) {
          const lt = r.uint32();
          if (lt === 10) n = r.string(e);
          else if (lt === 18) v = r.string(e);
          else r.skip(lt, e);
        }
        r.checkEnd(e);
        names.push(n);
        values.push(v);
      } else if (t === 17 /* 2:I64 */) value = r.double();
      else if (t === 24 /* 3:VARINT */) ms = r.uint64();
      else r.skip(t, end);
    }
    r.checkEnd(end);
    checkTimestamp(ms, 'an exemplar');
    this.st.exemplars.push({ series: -1, ms, exemplar: exemplarOf(names, values, value, ms) });
  }

  private familyMetadata(end: number): void {
    const r = this.r;
    let type = 0;
    let family = '';
    let help = '';
    let unit = '';
    while (r.pos < end) {
      const t = r.uint32();
      switch (t) {
        case 8 /* 1:VARINT */:
          type = r.uint32();
          break;
        case 18 /* 2:LEN */:
          family = r.string(end);
          break;
        case 34 /* 4:LEN */:
          help = r.string(end);
          break;
        case 42 /* 5:LEN */:
          unit = r.string(end);
          break;
        default:
          r.skip(t, end);
      }
    }
    r.checkEnd(end);
    if (family !== '') this.metadata.set(family, { type: promTypeOf(type), help, unit: otelUnit(unit) });
  }
}
