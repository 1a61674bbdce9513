import { Errors } from '../../errors/catalogue.js';
import { TributaryError } from '../../errors/tributary-error.js';

/** Protobuf wire types (protobuf encoding spec). */
export const WireType = { VARINT: 0, I64: 1, LEN: 2, SGROUP: 3, EGROUP: 4, I32: 5 } as const;

const TWO32 = 4294967296;

/**
 * A minimal protobuf wire reader for hand-written decoders on the hot path.
 * Callers pass the end of the current message; reads past it are detected by
 * `checkEnd` / `lenEnd` rather than on every byte, which keeps varint reads
 * branch-light. Reads beyond the buffer yield undefined bytes (treated as 0)
 * and are caught by the same checks, since every end is within the buffer.
 */
export class ProtoReader {
  pos = 0;
  readonly view: DataView;

  constructor(
    readonly buf: Buffer,
    readonly what: string,
  ) {
    this.view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  }

  fail(message: string): never {
    throw new TributaryError(Errors.DECODE_PROTOBUF, `invalid ${this.what}: ${message} (at byte ${this.pos})`);
  }

  uint32(): number {
    const buf = this.buf;
    let pos = this.pos;
    let b = buf[pos++];
    let v = b & 0x7f;
    if (b >= 0x80) {
      b = buf[pos++];
      v |= (b & 0x7f) << 7;
      if (b >= 0x80) {
        b = buf[pos++];
        v |= (b & 0x7f) << 14;
        if (b >= 0x80) {
          b = buf[pos++];
          v |= (b & 0x7f) << 21;
          if (b >= 0x80) {
            b = buf[pos++];
            v = (v >>> 0) + (b & 0x0f) * 0x10000000;
            if (b >= 0x80) {
              // A 64-bit varint read as 32 bits: the high bits are dropped, as protobuf does.
              let k = 0;
              while (buf[pos++] >= 0x80) if (++k === 5) this.fail('varint is longer than 10 bytes');
            }
            this.pos = pos;
            return v >>> 0;
          }
        }
      }
    }
    this.pos = pos;
    return v >>> 0;
  }

  /** int32 fields are sign-extended 64-bit varints on the wire. */
  int32(): number {
    return this.uint32() | 0;
  }

  sint32(): number {
    const v = this.uint32();
    return (v >>> 1) ^ -(v & 1);
  }

  bool(): boolean {
    return this.uint32() !== 0;
  }

  /** An unsigned 64-bit varint as a double (exact below 2^53). */
  uint64(): number {
    const buf = this.buf;
    let pos = this.pos;
    let v = 0;
    let mul = 1;
    for (let k = 0; k < 10; k++) {
      const b = buf[pos++];
      v += (b & 0x7f) * mul;
      if (b < 0x80) {
        this.pos = pos;
        return v;
      }
      mul *= 128;
    }
    this.pos = pos;
    return this.fail('varint is longer than 10 bytes');
  }

  /** A signed 64-bit varint (int64) as a bigint, for the rare exact paths. */
  int64BigInt(): bigint {
    const buf = this.buf;
    let pos = this.pos;
    let v = 0n;
    let shift = 0n;
    for (let k = 0; k < 10; k++) {
      const b = buf[pos++];
      v |= BigInt(b & 0x7f) << shift;
      if (b < 0x80) {
        this.pos = pos;
        return BigInt.asIntN(64, v);
      }
      shift += 7n;
    }
    this.pos = pos;
    return this.fail('varint is longer than 10 bytes');
  }

  fixed32(): number {
    const buf = this.buf;
    const p = this.pos;
    this.pos = p + 4;
    return (buf[p] | (buf[p + 1] << 8) | (buf[p + 2] << 16)) + buf[p + 3] * 0x1000000;
  }

  /** fixed64 as a double (exact below 2^53). */
  fixed64(): number {
    const lo = this.fixed32();
    return lo + this.fixed32() * TWO32;
  }

  /** sfixed64 as a double (exact within ±2^53). */
  sfixed64(): number {
    const lo = this.fixed32();
    const hi = this.fixed32() | 0;
    return hi * TWO32 + lo;
  }

  sfixed64BigInt(): bigint {
    const lo = this.fixed32();
    const hi = this.fixed32();
    return BigInt.asIntN(64, (BigInt(hi) << 32n) | BigInt(lo));
  }

  double(): number {
    const p = this.pos;
    this.pos = p + 8;
    if (this.pos > this.buf.length) return 0; // caught by the caller's end check
    return this.view.getFloat64(p, true);
  }

  /** Reads a length prefix and returns the end of the field's bytes, checked against `end`. */
  lenEnd(end: number): number {
    const len = this.uint32();
    const e = this.pos + len;
    if (e > end) this.fail('length-delimited field runs past the end of its message (truncated?)');
    return e;
  }

  string(end: number): string {
    const e = this.lenEnd(end);
    const s = e - this.pos < 1 ? '' : this.buf.toString('utf8', this.pos, e);
    this.pos = e;
    return s;
  }

  bytes(end: number): Uint8Array {
    const e = this.lenEnd(end);
    const b = new Uint8Array(this.buf.subarray(this.pos, e));
    this.pos = e;
    return b;
  }

  /** Skips the value of a field whose tag was just read. */
  skip(tag: number, end: number): void {
    if (tag >>> 3 === 0) this.fail('invalid field number 0');
    switch (tag & 7) {
      case WireType.VARINT:
        this.uint64();
        break;
      case WireType.I64:
        this.pos += 8;
        break;
      case WireType.LEN:
        this.pos = this.lenEnd(end);
        break;
      case WireType.I32:
        this.pos += 4;
        break;
      case WireType.SGROUP:
        this.skipGroup(tag >>> 3, end);
        break;
      default:
        this.fail(`invalid wire type ${tag & 7}`);
    }
    if (this.pos > end) this.fail('field runs past the end of its message (truncated?)');
  }

  private skipGroup(field: number, end: number): void {
    for (;;) {
      if (this.pos >= end) this.fail('unterminated group');
      const tag = this.uint32();
      if ((tag & 7) === WireType.EGROUP) {
        if (tag >>> 3 !== field) this.fail('mismatched end group');
        return;
      }
      this.skip(tag, end);
    }
  }

  /** Fails unless the message ended exactly at `end`. */
  checkEnd(end: number): void {
    if (this.pos !== end) this.fail(this.pos > end ? 'message runs past its end (truncated?)' : 'trailing bytes');
  }
}
