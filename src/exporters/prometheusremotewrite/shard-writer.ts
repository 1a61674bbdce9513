import { ProtoWriter } from '../../model/proto/writer.js';
import { snappyCompress } from '../helper/snappy.js';
import { MIN_COPY, SnappyBlockWriter } from '../helper/snappy-writer.js';
import type { LabelBytes } from './label-bytes.js';
import { type ExemplarOut, sampleFieldSize, writeExemplar, writeSample } from './prompb.js';
import { RequestMetadata } from './request-metadata.js';

/**
 * Builds the snappy-compressed WriteRequests of one shard. A request is
 * closed when the next series would push it past `maxBytes` (uncompressed),
 * so requests stay within the receiver's size limit (AMP: 1 MB) without a
 * second pass.
 *
 * Compression happens as series are written. A series of one sample
 * (nearly every series) that follows another is written straight as snappy
 * elements: its label set as copies of the previous label set where they
 * agree (LabelBytes.prepared, worked out once per neighbour), its sample
 * as copies of the previous sample where the bytes agree (the timestamp,
 * often the value's exponent). Everything else (a request's first series,
 * series with exemplars or several samples, native histograms, metadata)
 * is written as protobuf bytes and compressed by the general compressor
 * before the next element. The result is an ordinary snappy block.
 *
 * A general compressor searches every position of the request for
 * repeats; here the repeats are known, and the labels, most of a request,
 * cost one short copy of cached elements per series (bench prw-forward).
 */

/** Pending protobuf bytes shorter than this are written as a literal, not compressed. */
const GENERAL_FROM = 256;

export class ShardWriter {
  /** Protobuf bytes not written to `sw` yet: they come after everything in it. */
  private readonly w = new ProtoWriter(64 * 1024);
  private readonly sw = new SnappyBlockWriter();
  private readonly metadata = new RequestMetadata();
  /** Samples and histograms in the current request. */
  private items = 0;
  readonly requests: { body: Buffer; items: number }[] = [];
  /** The label set written last and where its TimeSeries field starts (uncompressed), or undefined when the next series must start afresh. */
  private prev: LabelBytes | undefined;
  private prevAt = 0;
  /** The length of the previous series' Sample field. */
  private prevG = 0;
  /** The Sample field being written (bytes 7-10: the high word of the value, its sign, exponent and top of the mantissa). */
  private readonly sample = new ProtoWriter(32);
  /** The previous sample field: where it starts (uncompressed; < 0 when none), its timestamp and the high word of its value. */
  private prevSampleAt = -1;
  private prevTs = -1;
  private prevHigh = 0;

  constructor(private readonly maxBytes: number) {}

  /** The uncompressed size of the current request so far. */
  private get size(): number {
    return this.sw.length + this.w.pos;
  }

  /**
   * Makes room for `bytes` more, closing the current request if it would
   * overflow, and returns the writer for protobuf bytes. Whatever is written
   * through it breaks the chain of neighbours: the next series starts afresh.
   */
  room(bytes: number): ProtoWriter {
    this.fit(bytes);
    this.prev = undefined;
    this.prevSampleAt = -1;
    return this.w;
  }

  private fit(bytes: number): void {
    const size = this.size;
    // fit() is called before each series is written: the series belongs to the request as it is now.
    if (size > 0 && size + bytes + this.metadata.bytes > this.maxBytes) this.flush();
  }

  /** A TimeSeries of one sample (the common case). */
  single(labels: LabelBytes, value: number, ts: number, stale: boolean, exemplars?: readonly ExemplarOut[]): void {
    if (exemplars !== undefined && exemplars.length > 0) {
      const w = this.room(labels.length + 64 * (1 + exemplars.length));
      this.items++;
      w.tag(1, 2).fork();
      w.raw(labels.bytes);
      writeSample(w, value, ts, stale);
      for (const e of exemplars) writeExemplar(w, e);
      w.join();
      return;
    }
    const sample = this.sample.reset();
    writeSample(sample, value, ts, stale);
    const g = sample.pos;
    const inner = labels.length + g;
    this.fit(inner + 6);
    this.items++;
    const prev = this.prev;
    const sw = this.sw;
    const w = this.w;
    // Where this series starts in the uncompressed request.
    const at = sw.length + w.pos;
    if (prev !== undefined && labels.prepared(prev, at - this.prevAt, g, this.prevG)) {
      this.drain();
      // Frame, labels and the sample's first 3 bytes; then the rest of the sample.
      labels.write(sw);
      this.sampleElements(g, ts);
    } else {
      // The first of a chain, or a new neighbour: protobuf bytes, compressed with what surrounds them.
      w.ensure(inner + 6);
      w.buf[w.pos++] = 0x0a;
      w.uint32(inner);
      w.raw(labels.bytes);
      this.prevSampleAt = sw.length + w.pos;
      w.raw(sample.view());
    }
    this.prevAt = at;
    this.prev = labels;
    this.prevG = g;
    this.prevTs = ts;
    this.prevHigh = sample.dataView.getInt32(7, true);
  }

  /**
   * The sample in `sample` (g bytes) as elements. Neighbouring series'
   * samples usually share the timestamp and often the value's high word:
   * those trailing bytes become a copy of the previous sample's, the rest
   * a literal. Known from the numbers, no byte comparison needed.
   */
  private sampleElements(g: number, ts: number): void {
    const sw = this.sw;
    const at = sw.length - 3;
    const pAt = this.prevSampleAt;
    this.prevSampleAt = at;
    let same = 0;
    const sample = this.sample;
    if (pAt >= 0 && ts === this.prevTs && ts !== 0 && at - pAt < 65536) {
      same = g - 11;
      if (sample.dataView.getInt32(7, true) === this.prevHigh) same += 4;
    }
    if (same < MIN_COPY) {
      sw.literal(sample.buf, sample.dataView, 3, g);
      return;
    }
    sw.literal(sample.buf, sample.dataView, 3, g - same);
    sw.copy(at - pAt, same);
  }

  /** Moves pending protobuf bytes into the block: compressed when long enough to be worth a call. */
  private drain(): void {
    const w = this.w;
    if (w.pos === 0) return;
    if (w.pos >= GENERAL_FROM) this.sw.splice(snappyCompress(w.view()), w.pos);
    else this.sw.literal(w.buf, w.dataView, 0, w.pos);
    w.reset();
  }

  /** A TimeSeries with several samples of one series, in time order. */
  many(labels: LabelBytes, values: ArrayLike<number>, times: ArrayLike<number>, from: number, to: number, exemplars?: readonly ExemplarOut[]): void {
    let inner = labels.length;
    for (let k = from; k < to; k++) inner += sampleFieldSize(times[k]);
    const w = this.room(inner + 6 + 64 * (exemplars?.length ?? 0));
    this.items += to - from;
    w.tag(1, 2);
    if (exemplars === undefined || exemplars.length === 0) {
      w.uint32(inner);
      w.raw(labels.bytes);
      for (let k = from; k < to; k++) writeSample(w, values[k], times[k], false);
      return;
    }
    w.fork();
    w.raw(labels.bytes);
    for (let k = from; k < to; k++) writeSample(w, values[k], times[k], false);
    for (const e of exemplars) writeExemplar(w, e);
    w.join();
  }

  /** Counts samples or histograms written directly through room(). */
  counted(n: number): void {
    this.items += n;
  }

  /** Records that the current request carries a family, for `send_metadata`. */
  noteFamily(family: string, type: number, help: string, unit: string): void {
    this.metadata.note(family, type, help, unit);
  }

  /** Closes the current request (if any). */
  flush(): void {
    if (this.size === 0) return;
    this.metadata.writeTo(this.w);
    this.drain();
    this.requests.push({ body: this.sw.finish(), items: this.items });
    this.items = 0;
    this.prev = undefined;
    this.prevSampleAt = -1;
  }

  /** Takes the finished requests, leaving the writer empty. */
  take(): { body: Buffer; items: number }[] {
    this.flush();
    return this.requests.splice(0);
  }
}
