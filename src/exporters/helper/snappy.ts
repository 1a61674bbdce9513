import { createRequire } from 'node:module';
import snappyjs from 'snappyjs';

/**
 * Snappy block format (what remote write uses), picking the faster
 * implementation for each direction as measured on these machines: the
 * native binding compresses faster, snappyjs decompresses faster. When the
 * native binding cannot load (a platform without a prebuilt binary), both
 * directions fall back to snappyjs.
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

export const snappyImplementation = native === undefined ? 'snappyjs' : 'native (compress) + snappyjs (decompress)';

export function snappyCompress(b: Uint8Array): Buffer {
  if (native !== undefined) return native.compressSync(Buffer.from(b.buffer, b.byteOffset, b.byteLength));
  const out = snappyjs.compress(b);
  return Buffer.from(out.buffer, out.byteOffset, out.byteLength);
}

/** Decompresses a snappy block, refusing output larger than `maxBytes` before allocating it. */
export function snappyUncompress(b: Uint8Array, maxBytes = Number.MAX_SAFE_INTEGER): Buffer {
  const len = uncompressedLength(b);
  if (len === undefined) throw new Error('snappy: corrupt input (bad length header)');
  if (len > maxBytes) throw new RangeError(`snappy: uncompressed size ${len} exceeds the limit of ${maxBytes} bytes`);
  const out = snappyjs.uncompress(b);
  return Buffer.from(out.buffer, out.byteOffset, out.byteLength);
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
