import { ProtoReader } from '../../model/proto/reader.js';
import { ProtoWriter } from '../../model/proto/writer.js';
import { MIN_COPY, SnappyBlockWriter } from '../helper/snappy-writer.js';

/**
 * A series' encoded Label fields (remote write 1.0, tag 1 each), with the
 * snappy elements that write them, framed as a TimeSeries, as
 * back-references to the series written just before (see shard-writer.ts).
 * Series come out in the same order request after request, so the
 * elements are worked out once per neighbour and reused.
 */

let nextId = 1;

export class LabelBytes {
  /** Identifies this label set as someone's neighbour (a number, so a neighbour is not kept alive). */
  readonly id = nextId++;
  /** Byte length of the labels (a field: reading the buffer's own would touch one more object per series). */
  readonly length: number;
  private elemsBase = 0;
  private elemsDistance = -1;
  /** The neighbour seen last time, when its elements are not made yet. */
  private candidate = 0;
  /** How many times elements were made: a series whose neighbours keep alternating stops after MAX_ENCODES. */
  private encodes = 0;
  /**
   * The snappy elements against the neighbour (see prepared()), packed
   * little-endian into words: a small typed array lives inside V8's heap
   * with its contents, so a series costs one memory access here, and the
   * words are stored four bytes at a time.
   */
  private elems: Int32Array = EMPTY;
  private elemsLength = 0;
  private elemsSample = 0;
  private framedLength = 0;

  constructor(readonly bytes: Buffer) {
    this.length = bytes.length;
  }

  /**
   * Whether this series' frame and labels can be written as snappy
   * elements (write()) after `prev`, `distance` bytes after the start of
   * prev's frame in the uncompressed request, with a Sample field of `g`
   * bytes (prev's: `prevG`). The frame is the TimeSeries field's tag and
   * length before the labels and the Sample field's first three bytes
   * after them (tag, length, the value's tag). The elements are copies of
   * `prev` where they agree, literals where they differ; they are worked
   * out the second time in a row this series follows `prev` and kept,
   * since the same series usually follows the same one at the same
   * distance request after request. A series whose neighbour keeps
   * changing (a sender that shuffles its series) is never worked out: it
   * goes to the general compressor, which costs less than a new set of
   * elements each time.
   */
  prepared(prev: LabelBytes, distance: number, g: number, prevG: number): boolean {
    if (this.elemsBase === prev.id && this.elemsDistance === distance && this.elemsSample === g) return true;
    if (this.candidate !== prev.id || this.encodes >= MAX_ENCODES) {
      this.candidate = prev.id;
      return false;
    }
    this.encode(prev, distance, g, prevG);
    return true;
  }

  /** Writes the elements prepared() made sure of; returns the uncompressed bytes they stand for. */
  write(sw: SnappyBlockWriter): number {
    sw.words(this.elems, this.elemsLength, this.framedLength);
    return this.framedLength;
  }

  private encode(prev: LabelBytes, distance: number, g: number, prevG: number): void {
    const head = frame(this.length + g);
    const tail = Buffer.from([0x12, g - 2, 0x09]);
    const framed = Buffer.concat([head, this.bytes, tail]);
    const ranges = matchFramed(head, this.bytes, tail, frame(prev.length + prevG), prev.bytes, Buffer.from([0x12, prevG - 2, 0x09]));
    const e = encodeElements(framed, ranges, distance);
    const words = new Int32Array((e.length + 3) >>> 2);
    for (let i = 0; i < e.length; i++) words[i >>> 2] |= e[i] << (8 * (i & 3));
    this.elems = words;
    this.encodes++;
    this.elemsLength = e.length;
    this.framedLength = framed.length;
    this.elemsBase = prev.id;
    this.elemsDistance = distance;
    this.elemsSample = g;
  }
}

/** A TimeSeries field's tag and length. */
function frame(inner: number): Buffer {
  return Buffer.from(new ProtoWriter(8).tag(1, 2).uint32(inner).view());
}

const EMPTY = new Int32Array(0);

/**
 * Elements made for one label set at most. Making them costs about ten
 * times what the general compressor spends on the series; a series whose
 * neighbour changes now and then (the first of a sender's block in a
 * batch of many senders) stays within this, one whose neighbours
 * alternate for good goes to the general compressor after it.
 */
const MAX_ENCODES = 16;

interface Fields {
  /** Per field: start, where its content starts (after tag and length), name start, name end, end. */
  readonly at: number[];
  readonly n: number;
}

/** The Label fields of `b`, or undefined if it is not a plain run of Label{name=1, value=2} fields, name first. */
function fields(b: Buffer): Fields | undefined {
  const at: number[] = [];
  const r = new ProtoReader(b, 'label set');
  const end = b.length;
  try {
    while (r.pos < end) {
      const start = r.pos;
      if (r.uint32() !== 10 /* 1:LEN */) return undefined;
      const fieldEnd = r.lenEnd(end);
      const inner = r.pos;
      if (r.uint32() !== 10 /* name, 1:LEN */) return undefined;
      const nameEnd = r.lenEnd(fieldEnd);
      at.push(start, inner, r.pos, nameEnd, fieldEnd);
      r.pos = fieldEnd;
    }
  } catch {
    return undefined;
  }
  return { at, n: at.length / 5 };
}

function sameName(a: Buffer, as: number, ae: number, b: Buffer, bs: number, be: number): boolean {
  if (ae - as !== be - bs) return false;
  for (let i = 0; i < ae - as; i++) if (a[as + i] !== b[bs + i]) return false;
  return true;
}

/**
 * Ranges of `cur` equal to ranges of `prev`, label by label, as triples
 * (start in cur, start in prev, length), increasing in cur and not
 * overlapping: a label whose name is in `prev` is copied whole when
 * identical, otherwise its common start (from the field's tag when both
 * fields are as long, else from the name) and its common end are; ranges
 * that continue each other in both merge. Labels with other names stay
 * literal. Short ranges are included: they may join a frame's (matchFramed).
 */
export function matchLabels(cur: Buffer, prev: Buffer): Int32Array {
  const c = fields(cur);
  const p = fields(prev);
  if (c === undefined || p === undefined) return EMPTY;
  const out: number[] = [];
  const push = (q: number, r: number, len: number): void => pushRange(out, q, r, len);
  let next = 0;
  for (let i = 0; i < c.n; i++) {
    const [cs, ci, cn, cne, ce] = c.at.slice(5 * i, 5 * i + 5);
    // The same name in prev: label sets are sorted, so it is usually the next one.
    let j = -1;
    for (let t = 0; t < p.n; t++) {
      const k = (next + t) % p.n;
      if (sameName(cur, cn, cne, prev, p.at[5 * k + 2], p.at[5 * k + 3])) {
        j = k;
        break;
      }
    }
    if (j < 0) continue;
    next = j + 1;
    const ps = p.at[5 * j];
    const pi = p.at[5 * j + 1];
    const pe = p.at[5 * j + 4];
    if (ce - cs === pe - ps && cur.compare(prev, ps, pe, cs, ce) === 0) {
      push(cs, ps, ce - cs);
      continue;
    }
    // Different values: the common start (from the field's tag when the
    // lengths agree, else from its name), then the common end.
    const from = ce - cs === pe - ps ? 0 : ci - cs;
    const cf = cs + from;
    const pf = ps + (from === 0 ? 0 : pi - ps);
    let pre = 0;
    const max = Math.min(ce - cf, pe - pf);
    while (pre < max && cur[cf + pre] === prev[pf + pre]) pre++;
    let suf = 0;
    const maxSuf = max - pre;
    while (suf < maxSuf && cur[ce - 1 - suf] === prev[pe - 1 - suf]) suf++;
    push(cf, pf, pre);
    push(ce - suf, pe - suf, suf);
  }
  return Int32Array.from(out);
}

/** Adds a range (here, there, length), merged into the last one when it continues it in both. */
function pushRange(out: number[], q: number, r: number, len: number): void {
  if (len <= 0) return;
  const k = out.length;
  if (k > 0 && out[k - 3] + out[k - 1] === q && out[k - 2] + out[k - 1] === r) out[k - 1] += len;
  else out.push(q, r, len);
}

/**
 * Copy ranges between two framed series, `head + labels + tail` each (the
 * TimeSeries field's tag and length before the labels, the Sample field's
 * first bytes after them): the frames are copied too when they are equal,
 * which joins the copies of the last label of one series, the next one's
 * frame and its first label into one. Ranges shorter than a copy is worth
 * are left out.
 */
export function matchFramed(head: Uint8Array, cur: Buffer, tail: Uint8Array, prevHead: Uint8Array, prev: Buffer, prevTail: Uint8Array): Int32Array {
  const out: number[] = [];
  const h = head.length;
  const ph = prevHead.length;
  if (Buffer.compare(head, prevHead) === 0) pushRange(out, 0, 0, h);
  const m = matchLabels(cur, prev);
  for (let i = 0; i < m.length; i += 3) pushRange(out, m[i] + h, m[i + 1] + ph, m[i + 2]);
  if (Buffer.compare(tail, prevTail) === 0) pushRange(out, h + cur.length, ph + prev.length, tail.length);
  const kept: number[] = [];
  for (let i = 0; i < out.length; i += 3) if (out[i + 2] >= MIN_COPY) kept.push(out[i], out[i + 1], out[i + 2]);
  return Int32Array.from(kept);
}

/** Snappy elements for `bytes` given copy ranges (see matches) against bytes that start `distance` bytes earlier. */
export function encodeElements(bytes: Buffer, ranges: Int32Array, distance: number): Buffer {
  const sw = new SnappyBlockWriter(256);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  // The earlier bytes are not in this writer: a placeholder length lets it accept the copies' offsets.
  sw.skip(distance);
  let q = 0;
  for (let i = 0; i < ranges.length; i += 3) {
    const mq = ranges[i];
    if (mq > q) sw.literal(bytes, view, q, mq);
    sw.copy(distance + mq - ranges[i + 1], ranges[i + 2]);
    q = mq + ranges[i + 2];
  }
  if (q < bytes.length) sw.literal(bytes, view, q, bytes.length);
  return sw.takeElements();
}
