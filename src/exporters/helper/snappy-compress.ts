/**
 * Snappy block-format compression in TypeScript, for the remote-write
 * exporters' hot path. Remote-write bodies repeat each series' label bytes
 * many times over, so most of the input ends up in long copies, and a
 * compressor that extends matches four bytes at a time spends little per
 * byte; the native binding (compiled for any x86-64) measured slower on
 * these bodies, see bench/prw.ts.
 *
 * The output is the format as the reference implementation writes it: the
 * input in fragments of 64 KiB, matches only within a fragment (so every
 * copy has a 1- or 2-byte offset), literals and copies as the format
 * description defines them. Any snappy decoder reads it.
 */

const FRAGMENT = 1 << 16;
const HASH_BITS = 14;
/** Bytes at a fragment's end where no match starts (the reference's input margin). */
const MARGIN = 15;
const MIN_FRAGMENT_TO_MATCH = 17;

const table = new Uint16Array(1 << HASH_BITS);
let scratch = new Uint8Array(0);

/** The most bytes snappy can need for `n` input bytes. */
export function maxCompressedLength(n: number): number {
  return 32 + n + Math.floor(n / 6);
}

function hash(x: number): number {
  return Math.imul(x, 0x1e35a7bd) >>> (32 - HASH_BITS);
}

/**
 * Compresses `input` into a new Buffer of exactly the compressed length,
 * after `headroom` bytes left for the caller (a record header, say).
 */
export function snappyCompressJs(input: Uint8Array, headroom = 0): Buffer {
  const n = input.length;
  const need = headroom + maxCompressedLength(n);
  if (scratch.length < need) scratch = new Uint8Array(Math.max(need, scratch.length * 2));
  const out = scratch;
  let o = headroom;
  // Preamble: the uncompressed length as a varint.
  let v = n;
  while (v >= 0x80) {
    out[o++] = (v & 0x7f) | 0x80;
    v = Math.floor(v / 128);
  }
  out[o++] = v;
  const inView = new DataView(input.buffer, input.byteOffset, input.byteLength);
  for (let start = 0; start < n; start += FRAGMENT) {
    o = fragment(input, inView, start, Math.min(n, start + FRAGMENT), out, o);
  }
  const result = Buffer.allocUnsafeSlow(o);
  result.set(out.subarray(0, o));
  return result;
}

function fragment(src: Uint8Array, view: DataView, base: number, end: number, out: Uint8Array, o: number): number {
  let nextEmit = base;
  if (end - base >= MIN_FRAGMENT_TO_MATCH) {
    table.fill(0);
    const limit = end - MARGIN;
    let ip = base + 1;
    let nextHash = hash(view.getUint32(ip, true));
    outer: for (;;) {
      // Look for a 4-byte match, skipping faster the longer none is found.
      let skip = 32;
      let nextIp = ip;
      let candidate: number;
      do {
        ip = nextIp;
        const h = nextHash;
        nextIp = ip + (skip++ >> 5);
        if (nextIp > limit) break outer;
        nextHash = hash(view.getUint32(nextIp, true));
        candidate = base + table[h];
        table[h] = ip - base;
      } while (view.getUint32(ip, true) !== view.getUint32(candidate, true));
      o = literal(src, nextEmit, ip, out, o);
      // Copies, as long as the bytes after one match start another.
      for (;;) {
        const from = ip;
        let len = 4;
        let a = candidate + 4;
        let b = ip + 4;
        while (b + 4 <= end && view.getUint32(a, true) === view.getUint32(b, true)) {
          a += 4;
          b += 4;
        }
        while (b < end && src[a] === src[b]) {
          a++;
          b++;
        }
        len = b - from;
        ip = b;
        o = copy(from - candidate, len, out, o);
        nextEmit = ip;
        if (ip >= limit) break outer;
        table[hash(view.getUint32(ip - 1, true))] = ip - 1 - base;
        const h = hash(view.getUint32(ip, true));
        candidate = base + table[h];
        table[h] = ip - base;
        if (view.getUint32(ip, true) !== view.getUint32(candidate, true)) break;
      }
      ip++;
      nextHash = hash(view.getUint32(ip, true));
    }
  }
  return nextEmit < end ? literal(src, nextEmit, end, out, o) : o;
}

function literal(src: Uint8Array, from: number, to: number, out: Uint8Array, o: number): number {
  const len = to - from;
  if (len === 0) return o;
  const n = len - 1;
  if (n < 60) out[o++] = n << 2;
  else if (n < 0x100) {
    out[o++] = 60 << 2;
    out[o++] = n;
  } else if (n < 0x10000) {
    out[o++] = 61 << 2;
    out[o++] = n & 0xff;
    out[o++] = n >>> 8;
  } else if (n < 0x1000000) {
    out[o++] = 62 << 2;
    out[o++] = n & 0xff;
    out[o++] = (n >>> 8) & 0xff;
    out[o++] = n >>> 16;
  } else {
    out[o++] = 63 << 2;
    out[o++] = n & 0xff;
    out[o++] = (n >>> 8) & 0xff;
    out[o++] = (n >>> 16) & 0xff;
    out[o++] = n >>> 24;
  }
  if (len < 16) for (let i = 0; i < len; i++) out[o + i] = src[from + i];
  else out.set(src.subarray(from, to), o);
  return o + len;
}

/** A copy of `len` bytes from `offset` back (offset < 65536: matches stay within a fragment). */
function copy(offset: number, len: number, out: Uint8Array, o: number): number {
  // Long copies as 64-byte pieces; the reference keeps the last piece at least 4 long.
  while (len >= 68) {
    out[o++] = 2 | (63 << 2);
    out[o++] = offset & 0xff;
    out[o++] = offset >>> 8;
    len -= 64;
  }
  if (len > 64) {
    out[o++] = 2 | (59 << 2);
    out[o++] = offset & 0xff;
    out[o++] = offset >>> 8;
    len -= 60;
  }
  if (len < 12 && offset < 2048) {
    out[o++] = 1 | ((len - 4) << 2) | ((offset >>> 8) << 5);
    out[o++] = offset & 0xff;
  } else {
    out[o++] = 2 | ((len - 1) << 2);
    out[o++] = offset & 0xff;
    out[o++] = offset >>> 8;
  }
  return o;
}
