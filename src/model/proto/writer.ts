/**
 * A protobuf wire writer into one growable buffer. Nested messages are written
 * in place: `fork()` reserves one byte for the length, `join()` writes it and,
 * when the length needs more bytes, moves the body once (memmove). Small
 * messages, the vast majority, never move.
 */

const TWO32 = 4294967296;

export class ProtoWriter {
  buf: Buffer;
  /** A view on `buf` for fixed-width writes (kept in step with buf). */
  private dv: DataView;
  pos = 0;
  private readonly stack: number[] = [];

  constructor(initial = 4096) {
    this.buf = Buffer.allocUnsafe(initial);
    this.dv = new DataView(this.buf.buffer, this.buf.byteOffset, this.buf.byteLength);
  }

  reset(): this {
    this.pos = 0;
    // Setting an array's length is a runtime call even when it changes nothing.
    if (this.stack.length !== 0) this.stack.length = 0;
    return this;
  }

  ensure(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.pos + n) size *= 2;
    const b = Buffer.allocUnsafe(size);
    this.buf.copy(b, 0, 0, this.pos);
    this.setBuffer(b);
  }

  /** A DataView on `buf` (replaced when the buffer grows: read it after writing). */
  get dataView(): DataView {
    return this.dv;
  }

  private setBuffer(b: Buffer): void {
    this.buf = b;
    this.dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  }

  /** Field tag: (field << 3) | wireType. */
  tag(field: number, wire: number): this {
    return this.uint32((field << 3) | wire);
  }

  uint32(v: number): this {
    this.ensure(5);
    const buf = this.buf;
    let pos = this.pos;
    v >>>= 0;
    while (v > 127) {
      buf[pos++] = (v & 127) | 128;
      v >>>= 7;
    }
    buf[pos++] = v;
    this.pos = pos;
    return this;
  }

  /** int32: negative values take 10 bytes (sign-extended), as protobuf requires. */
  int32(v: number): this {
    return v < 0 ? this.int64(v) : this.uint32(v);
  }

  sint32(v: number): this {
    return this.uint32((v << 1) ^ (v >> 31));
  }

  /** A non-negative integer up to 2^53 as a varint. */
  uint64(v: number): this {
    this.ensure(10);
    const buf = this.buf;
    let pos = this.pos;
    while (v >= 128) {
      buf[pos++] = (v % 128) | 128;
      v = Math.floor(v / 128);
    }
    buf[pos++] = v;
    this.pos = pos;
    return this;
  }

  /** A signed integer (within ±2^53) as a two's complement 64-bit varint. */
  int64(v: number): this {
    if (v >= 0) return this.uint64(v);
    return this.int64BigInt(BigInt(Math.trunc(v)));
  }

  int64BigInt(v: bigint): this {
    let u = BigInt.asUintN(64, v);
    this.ensure(10);
    while (u >= 128n) {
      this.buf[this.pos++] = Number(u & 127n) | 128;
      u >>= 7n;
    }
    this.buf[this.pos++] = Number(u);
    return this;
  }

  bool(v: boolean): this {
    this.ensure(1);
    this.buf[this.pos++] = v ? 1 : 0;
    return this;
  }

  fixed32(v: number): this {
    this.ensure(4);
    this.buf.writeUInt32LE(v >>> 0, this.pos);
    this.pos += 4;
    return this;
  }

  /** fixed64 / sfixed64 from a double holding an integer (exact within 2^53). */
  fixed64(v: number): this {
    this.ensure(8);
    if (v >= 0) {
      this.buf.writeUInt32LE(v % TWO32, this.pos);
      this.buf.writeUInt32LE(Math.floor(v / TWO32) % TWO32, this.pos + 4);
    } else {
      this.buf.writeBigUInt64LE(BigInt.asUintN(64, BigInt(Math.trunc(v))), this.pos);
    }
    this.pos += 8;
    return this;
  }

  /** fixed64 from a (low, high) uint32 pair, as timestamps are stored. */
  fixed64Pair(lo: number, hi: number): this {
    this.ensure(8);
    this.buf.writeUInt32LE(lo, this.pos);
    this.buf.writeUInt32LE(hi, this.pos + 4);
    this.pos += 8;
    return this;
  }

  double(v: number): this {
    this.ensure(8);
    this.dv.setFloat64(this.pos, v, true);
    this.pos += 8;
    return this;
  }

  string(s: string): this {
    // Worst case 3 bytes per UTF-16 unit, plus the length prefix.
    this.ensure(s.length * 3 + 5);
    if (s.length < 128 && isAscii(s)) {
      const buf = this.buf;
      buf[this.pos++] = s.length;
      for (let i = 0; i < s.length; i++) buf[this.pos + i] = s.charCodeAt(i);
      this.pos += s.length;
      return this;
    }
    const len = Buffer.byteLength(s, 'utf8');
    this.uint32(len);
    this.buf.write(s, this.pos, len, 'utf8');
    this.pos += len;
    return this;
  }

  bytes(b: Uint8Array): this {
    this.uint32(b.length);
    this.ensure(b.length);
    this.buf.set(b, this.pos);
    this.pos += b.length;
    return this;
  }

  /** Raw bytes already in wire form (for example a cached encoded message). */
  raw(b: Uint8Array): this {
    this.ensure(b.length);
    this.buf.set(b, this.pos);
    this.pos += b.length;
    return this;
  }

  /** Starts a length-delimited field whose tag was just written. */
  fork(): this {
    this.ensure(1);
    this.stack.push(this.pos);
    this.pos += 1;
    return this;
  }

  /** Ends the innermost fork, writing its length. */
  join(): this {
    const at = this.stack.pop();
    if (at === undefined) throw new Error('ProtoWriter.join without fork');
    const len = this.pos - at - 1;
    if (len < 128) {
      this.buf[at] = len;
      return this;
    }
    const extra = varintSize(len) - 1;
    this.ensure(extra);
    this.buf.copyWithin(at + 1 + extra, at + 1, this.pos);
    this.pos += extra;
    let p = at;
    let v = len;
    while (v > 127) {
      this.buf[p++] = (v & 127) | 128;
      v >>>= 7;
    }
    this.buf[p] = v;
    return this;
  }

  /** The bytes written so far, as a copy the caller owns. */
  finish(): Buffer {
    // allocUnsafe + copy is a memcpy; Buffer.from(view) would copy element by element.
    const out = Buffer.allocUnsafe(this.pos);
    this.buf.copy(out, 0, 0, this.pos);
    return out;
  }

  /** The bytes written so far, as a view valid until the next write or reset. */
  view(): Buffer {
    return this.buf.subarray(0, this.pos);
  }

  /**
   * Hands over the bytes written so far without copying them, and starts
   * over on a new buffer of the same capacity (cheaper than copying out).
   */
  detach(): Buffer {
    const out = this.buf.subarray(0, this.pos);
    this.setBuffer(Buffer.allocUnsafe(this.buf.length));
    this.pos = 0;
    this.stack.length = 0;
    return out;
  }
}

export function varintSize(v: number): number {
  if (v < 0x80) return 1;
  if (v < 0x4000) return 2;
  if (v < 0x200000) return 3;
  if (v < 0x10000000) return 4;
  if (v < 0x800000000) return 5;
  let n = 5;
  v = Math.floor(v / 0x800000000);
  while (v > 0) {
    n++;
    v = Math.floor(v / 128);
  }
  return n;
}

function isAscii(s: string): boolean {
  for (let i = 0; i < s.length; i++) if (s.charCodeAt(i) > 127) return false;
  return true;
}
