import { ProtoWriter, varintSize } from '../../model/proto/writer.js';
import { snappyCompress } from '../helper/snappy.js';
import { type ExemplarOut, sampleFieldSize, writeExemplar, writeMetadata, writeSample } from './prompb.js';

/**
 * Builds the WriteRequests of one shard. A request is closed when the next
 * series would push it past `maxBytes` (uncompressed), so requests stay
 * within the receiver's size limit (AMP: 1 MB) without a second pass.
 * Closed requests are compressed straight from the writer's buffer, which
 * is then reused: the uncompressed bytes are never copied.
 */
export class ShardWriter {
  private readonly w = new ProtoWriter(64 * 1024);
  private readonly metadata = new Map<string, { type: number; help: string; unit: string }>();
  private metadataBytes = 0;
  /** Samples and histograms in the current request. */
  private items = 0;
  readonly requests: { body: Buffer; items: number }[] = [];

  constructor(private readonly maxBytes: number) {}

  /** Makes room for `bytes` more, closing the current request if it would overflow. */
  room(bytes: number): ProtoWriter {
    if (this.w.pos > 0 && this.w.pos + bytes + this.metadataBytes > this.maxBytes) this.flush();
    // room() is called before each series is written: the series belongs to the request as it is now.
    return this.w;
  }

  /** A TimeSeries of one sample (the common case), length computed up front so nothing moves. */
  single(labels: Buffer, value: number, ts: number, stale: boolean, exemplars?: readonly ExemplarOut[]): void {
    if (exemplars !== undefined && exemplars.length > 0) {
      const w = this.room(labels.length + 64 * (1 + exemplars.length));
      this.items++;
      w.tag(1, 2).fork();
      w.raw(labels);
      writeSample(w, value, ts, stale);
      for (const e of exemplars) writeExemplar(w, e);
      w.join();
      return;
    }
    const inner = labels.length + sampleFieldSize(ts);
    const w = this.room(inner + 6);
    this.items++;
    w.ensure(inner + 6);
    w.buf[w.pos++] = 0x0a;
    w.uint32(inner);
    w.raw(labels);
    writeSample(w, value, ts, stale);
  }

  /** A TimeSeries with several samples of one series, in time order. */
  many(labels: Buffer, values: ArrayLike<number>, times: ArrayLike<number>, from: number, to: number, exemplars?: readonly ExemplarOut[]): void {
    let inner = labels.length;
    for (let k = from; k < to; k++) inner += sampleFieldSize(times[k]);
    const w = this.room(inner + 6 + 64 * (exemplars?.length ?? 0));
    this.items += to - from;
    w.tag(1, 2);
    if (exemplars === undefined || exemplars.length === 0) {
      w.uint32(inner);
      w.raw(labels);
      for (let k = from; k < to; k++) writeSample(w, values[k], times[k], false);
      return;
    }
    w.fork();
    w.raw(labels);
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
    if (this.metadata.has(family)) return;
    this.metadata.set(family, { type, help, unit });
    this.metadataBytes += family.length + help.length + unit.length + 16;
  }

  /** Closes the current request (if any). */
  flush(): void {
    if (this.w.pos === 0) return;
    for (const [family, m] of this.metadata) writeMetadata(this.w, m.type, family, m.help, m.unit);
    this.metadata.clear();
    this.metadataBytes = 0;
    this.requests.push({ body: snappyCompress(this.w.view()), items: this.items });
    this.items = 0;
    this.w.reset();
  }

  /** Takes the finished requests, leaving the writer empty. */
  take(): { body: Buffer; items: number }[] {
    this.flush();
    return this.requests.splice(0);
  }
}

export { varintSize };
