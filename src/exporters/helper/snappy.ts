import { createRequire } from 'node:module';
import snappyjs from 'snappyjs';
import { copyBytes } from './copy-bytes.js';

/**
 * Snappy block format (what remote write uses), picking the faster
 * implementation for each direction as measured on these machines: the
 * native binding compresses faster (snappyjs when it cannot load, on a
 * platform without a prebuilt binary); decompression is the block decoder
 * below, about twice as fast as snappyjs and faster than the native
 * binding on remote-write bodies (bench/prw-receiver.ts), and strict: it
 * refuses output beyond the limit before allocating, and any body that
 * does not decode to exactly the announced length.
 */

interface NativeSnappy {
  compressSync(b: Buffer): Buffer;
  uncompressSync(b: Buffer, opts?: { asBuffer: true }): Buffer;
}

function loadNative(): NativeSnappy | undefined {
  try {
    return createRequire(import.meta.url)('snappy') as NativeSnappy;
  } catch {
    return undefined;
  }
}

const native = loadNative();

export const snappyImplementation = `${native === undefined ? 'snappyjs' : 'native'} (compress) + block decoder (decompress)`;

export function snappyCompress(b: Uint8Array): Buffer {
  if (native !== undefined) return native.compressSync(Buffer.from(b.buffer, b.byteOffset, b.byteLength));
  const out = snappyjs.compress(b);
  return Buffer.from(out.buffer, out.byteOffset, out.byteLength);
}

/**
 * A reusable output buffer for snappyUncompress, for callers that are done
 * with the decompressed bytes before the next call (a receiver that decodes
 * synchronously and keeps nothing that points into the body). Requests of
 * hundreds of KB otherwise cost a fresh allocation each, outside V8's heap:
 * page faults and external-memory pressure that triggers garbage
 * collections. Holds at most `maxKeep` bytes; larger outputs are allocated
 * per call.
 */
export class SnappyScratch {
  private buf = Buffer.allocUnsafe(0);

  constructor(private readonly maxKeep = 4 * 1024 * 1024) {}

  /** A buffer of exactly `len` bytes (contents unspecified), valid until the next call. */
  get(len: number): Buffer {
    if (len > this.maxKeep) return Buffer.allocUnsafe(len);
    if (this.buf.length < len) this.buf = Buffer.allocUnsafeSlow(Math.min(this.maxKeep, Math.max(len, this.buf.length * 2)));
    return this.buf.subarray(0, len);
  }
}

/**
 * Decompresses a snappy block, refusing output larger than `maxBytes` (a
 * RangeError) before allocating it. Corrupt input throws an Error whose
 * message starts with "snappy: corrupt input". With `scratch`, the result
 * is a view on the scratch buffer, overwritten by the next call with it.
 */
export function snappyUncompress(b: Uint8Array, maxBytes = Number.MAX_SAFE_INTEGER, scratch?: SnappyScratch): Buffer {
  let len = 0;
  let mul = 1;
  let p = 0;
  for (;;) {
    if (p >= b.length || p === 5) throw corrupt('bad length header');
    const c = b[p++];
    len += (c & 0x7f) * mul;
    if (c < 0x80) break;
    mul *= 128;
  }
  if (len > maxBytes) throw new RangeError(`snappy: uncompressed size ${len} exceeds the limit of ${maxBytes} bytes`);
  // Not zero-filled: every byte is written, or the body is refused below.
  const out = scratch === undefined ? Buffer.allocUnsafe(len) : scratch.get(len);
  const dv = new DataView(out.buffer, out.byteOffset, out.byteLength);
  const bv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const n = b.length;
  let o = 0;
  while (p < n) {
    const tag = b[p++];
    const kind = tag & 3;
    let l: number;
    if (kind === 0) {
      // Literal: length-1 in the tag, or in the next 1-4 bytes.
      l = (tag >>> 2) + 1;
      if (l > 60) {
        const extra = l - 60;
        if (p + extra > n) throw corrupt('truncated literal length');
        l = b[p];
        if (extra > 1) l |= b[p + 1] << 8;
        if (extra > 2) l |= b[p + 2] << 16;
        if (extra > 3) l += b[p + 3] * 0x1000000;
        l += 1;
        p += extra;
      }
      if (p + l > n || o + l > len) throw corrupt('literal runs past the end');
      copyBytes(out, dv, o, b, bv, p, l);
      p += l;
      o += l;
      continue;
    }
    let off: number;
    if (kind === 1) {
      if (p >= n) throw corrupt('truncated copy');
      l = ((tag >>> 2) & 7) + 4;
      off = ((tag >>> 5) << 8) | b[p++];
    } else if (kind === 2) {
      if (p + 2 > n) throw corrupt('truncated copy');
      l = (tag >>> 2) + 1;
      off = b[p] | (b[p + 1] << 8);
      p += 2;
    } else {
      if (p + 4 > n) throw corrupt('truncated copy');
      l = (tag >>> 2) + 1;
      off = (b[p] | (b[p + 1] << 8) | (b[p + 2] << 16)) + b[p + 3] * 0x1000000;
      p += 4;
    }
    if (off === 0 || off > o || o + l > len) throw corrupt('copy refers outside the output');
    let from = o - off;
    // Copies are at most 64 bytes (the format has no longer ones): a word
    // loop beats a native call for them (bench/prw-receiver.ts).
    if (off >= 4) {
      // Four bytes at a time: with off >= 4 each word read lies wholly in
      // what is already written, so overlapping copies still repeat the
      // pattern as the format defines. The last word may end up to 3 bytes
      // past the copy (rewritten by what follows) but never past `len`.
      const end = o + l;
      if (end + 3 <= len) {
        for (; o < end; o += 4, from += 4) dv.setInt32(o, dv.getInt32(from, true), true);
        o = end;
      } else while (o < end) out[o++] = out[from++];
    } else {
      // Short-period repeats, byte by byte as the format defines.
      const end = o + l;
      while (o < end) out[o++] = out[from++];
    }
  }
  if (o !== len) throw corrupt(`${o} of the announced ${len} bytes decoded`);
  return out;
}

function corrupt(why: string): Error {
  return new Error(`snappy: corrupt input (${why})`);
}

/** The uncompressed length announced by a snappy block's varint header, or undefined if malformed. */
export function uncompressedLength(b: Uint8Array): number | undefined {
  let v = 0;
  let mul = 1;
  for (let i = 0; i < 5 && i < b.length; i++) {
    v += (b[i] & 0x7f) * mul;
    if (b[i] < 0x80) return v;
    mul *= 128;
  }
  return undefined;
}
