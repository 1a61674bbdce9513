/**
 * Writes a snappy block element by element: literals and back-references
 * ("copies") chosen by the caller, for data whose repeats the caller knows
 * in advance (remote-write series whose label sets differ from the previous
 * series' in a field or two, see prometheusremotewrite/shard-writer.ts).
 * Format, from the snappy format description: a varint of the uncompressed
 * length, then elements; a literal's tag holds length-1 below 60, else 60..63 for 1..4 bytes of
 * length-1 that follow; a copy is 1 (length 4..11, offset < 2048, 2 bytes),
 * 2 (length 1..64, offset < 65536, 3 bytes) or 4 (length 1..64, 5 bytes).
 * Copies may overlap their own output. Elements of separately compressed
 * blocks can be spliced in (`splice`): their offsets are relative, so they
 * only ever reach back into their own bytes.
 */

import { varintSize } from '../../model/proto/writer.js';
import { copyBytes } from './copy-bytes.js';

/** The shortest repeat worth a copy element: a copy takes 2-3 bytes, and the format's short form starts at 4. */
export const MIN_COPY = 4;

/** Room for the length header, written last in front of the elements. */
const HEADER = 5;

export class SnappyBlockWriter {
  private out: Buffer;
  private dv: DataView;
  private o = HEADER;
  /** Where the open literal's tag byte is, or -1. */
  private litTag = -1;
  /** Uncompressed bytes described so far. */
  private n = 0;

  constructor(initial = 64 * 1024) {
    this.out = Buffer.allocUnsafe(Math.max(initial, 64));
    this.dv = new DataView(this.out.buffer, this.out.byteOffset, this.out.byteLength);
  }

  /** Uncompressed length so far. */
  get length(): number {
    return this.n;
  }

  /** Appends src[a, b) as literal bytes, joined to a literal written just before; `view` is a DataView on `src`. */
  literal(src: Uint8Array, view: DataView, a: number, b: number): void {
    const len = b - a;
    if (len <= 0) return;
    this.ensure(len + 5);
    if (this.litTag < 0) this.litTag = this.o++;
    copyBytes(this.out, this.dv, this.o, src, view, a, len);
    this.o += len;
    this.n += len;
  }

  /** Appends a copy of `len` bytes from `offset` bytes back (1 <= offset <= length so far). */
  copy(offset: number, len: number): void {
    if (offset <= 0 || offset > this.n) throw new RangeError(`snappy copy offset ${offset} outside the ${this.n} bytes written`);
    this.closeLiteral();
    this.n += len;
    this.ensure(5 * Math.ceil(len / 64) + 5);
    const out = this.out;
    let o = this.o;
    while (len > 0) {
      if (len <= 11 && len >= 4 && offset < 2048) {
        out[o++] = 1 | ((len - 4) << 2) | ((offset >>> 8) << 5);
        out[o++] = offset & 0xff;
        break;
      }
      // Chunks of 64; a tail of 1-3 is avoided by leaving 4 for the last one.
      const l = len > 64 ? (len < 68 ? len - 4 : 64) : len;
      if (offset < 65536) {
        out[o++] = 2 | ((l - 1) << 2);
        out[o++] = offset & 0xff;
        out[o++] = offset >>> 8;
      } else {
        out[o++] = 3 | ((l - 1) << 2);
        out.writeUInt32LE(offset, o);
        o += 4;
      }
      len -= l;
    }
    this.o = o;
  }

  /** Appends `len` bytes of ready-made elements (no length header), packed little-endian into `words`, describing `rawLen` bytes. */
  words(words: Int32Array, len: number, rawLen: number): void {
    this.closeLiteral();
    // Whole words: up to 3 bytes past the end are written and then overwritten by what follows.
    this.ensure(len + 4);
    const dv = this.dv;
    const o = this.o;
    const n = (len + 3) >>> 2;
    for (let i = 0; i < n; i++) dv.setInt32(o + 4 * i, words[i], true);
    this.o = o + len;
    this.n += rawLen;
  }

  /** Appends the elements of a whole snappy block (as another compressor made it) describing `rawLen` bytes. */
  splice(block: Uint8Array, rawLen: number): void {
    let p = 0;
    while (block[p] >= 0x80) p++;
    p++;
    this.closeLiteral();
    const len = block.length - p;
    this.ensure(len);
    this.out.set(block.subarray(p), this.o);
    this.o += len;
    this.n += rawLen;
  }

  /** Counts `n` bytes as written without writing them: for elements that will follow bytes written elsewhere. */
  skip(n: number): void {
    this.closeLiteral();
    this.n += n;
  }

  /** The elements written so far, without a length header (a new buffer); the writer starts over empty. */
  takeElements(): Buffer {
    this.closeLiteral();
    const b = Buffer.from(this.out.subarray(HEADER, this.o));
    this.o = HEADER;
    this.n = 0;
    return b;
  }

  /** The finished block (a new buffer); the writer starts over empty. */
  finish(): Buffer {
    this.closeLiteral();
    const size = varintSize(this.n) + this.o - HEADER;
    const b = Buffer.allocUnsafe(size);
    let v = this.n;
    let p = 0;
    while (v >= 128) {
      b[p++] = (v % 128) | 128;
      v = Math.floor(v / 128);
    }
    b[p++] = v;
    this.out.copy(b, p, HEADER, this.o);
    this.o = HEADER;
    this.n = 0;
    return b;
  }

  private closeLiteral(): void {
    const t = this.litTag;
    if (t < 0) return;
    this.litTag = -1;
    const len = this.o - t - 1;
    const m = len - 1;
    if (m < 60) {
      this.out[t] = m << 2;
      return;
    }
    // Longer literals carry their length in 1-4 bytes after the tag: move the bytes up to make room.
    const extra = m < 0x100 ? 1 : m < 0x10000 ? 2 : m < 0x1000000 ? 3 : 4;
    this.ensure(extra);
    const out = this.out;
    out.copyWithin(t + 1 + extra, t + 1, this.o);
    out[t] = (59 + extra) << 2;
    for (let k = 0; k < extra; k++) out[t + 1 + k] = (m >>> (8 * k)) & 0xff;
    this.o += extra;
  }

  private ensure(n: number): void {
    if (this.o + n <= this.out.length) return;
    let size = this.out.length * 2;
    while (size < this.o + n) size *= 2;
    const b = Buffer.allocUnsafe(size);
    this.out.copy(b, 0, 0, this.o);
    this.out = b;
    this.dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  }
}
