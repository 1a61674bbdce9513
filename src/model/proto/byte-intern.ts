import { fmix32 } from '../any-value.js';

/**
 * Maps byte ranges to values already decoded from identical bytes. Senders
 * repeat the same attribute bytes for a series in every request, so the
 * decoder hashes the raw range and decodes only what it has not seen.
 * Two generations bound the memory: entries in use survive a rotation,
 * entries not seen for a whole generation are dropped.
 */

export interface Entry<V> {
  readonly bytes: Buffer;
  readonly view: DataView;
  readonly value: V;
  next: Entry<V> | undefined;
}

export class ByteIntern<V> {
  private current = new Map<number, Entry<V>>();
  private previous = new Map<number, Entry<V>>();

  constructor(private readonly capacity: number) {}

  get(buf: Buffer, view: DataView, start: number, end: number, hash: number): Entry<V> | undefined {
    let e = this.current.get(hash);
    for (; e !== undefined; e = e.next) if (sameBytes(e, buf, view, start, end)) return e;
    e = this.previous.get(hash);
    for (; e !== undefined; e = e.next) {
      if (sameBytes(e, buf, view, start, end)) return this.put(buf, start, end, hash, e.value);
    }
    return undefined;
  }

  /** Stores a copy of the range for `value`; returns the entry (callers may keep it to compare against). */
  put(buf: Buffer, start: number, end: number, hash: number, value: V): Entry<V> {
    if (this.current.size >= this.capacity) {
      this.previous = this.current;
      this.current = new Map();
    }
    const bytes = Buffer.allocUnsafeSlow(end - start);
    buf.copy(bytes, 0, start, end);
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const e = { bytes, view, value, next: this.current.get(hash) };
    this.current.set(hash, e);
    return e;
  }

  /** True if `e` holds exactly buf[start, end): a check without hashing, for a likely candidate. */
  static matches<V>(e: Entry<V>, buf: Buffer, view: DataView, start: number, end: number): boolean {
    return sameBytes(e, buf, view, start, end);
  }
}

export interface StoredBytes {
  readonly bytes: Buffer;
  readonly view: DataView;
}

function sameBytes<V>(e: Entry<V>, buf: Buffer, view: DataView, start: number, end: number): boolean {
  return bytesEqual(e, buf, view, start, end);
}

/** Whether buf[start, end) holds exactly the stored bytes. */
export function bytesEqual(e: StoredBytes, buf: Buffer, view: DataView, start: number, end: number): boolean {
  const n = e.bytes.length;
  if (n !== end - start) return false;
  // Sixteen bytes per step, as two doubles through DataViews: faster than a
  // native call for the short ranges label and attribute lists are, and
  // than narrower reads. Doubles compare equal only for identical bits,
  // except +0/-0 (and NaNs compare unequal): any chunk that is unequal or
  // zero is settled byte by byte, so the answer is exact.
  if (n <= 512) {
    const ev = e.view;
    const bytes = e.bytes;
    let i = 0;
    for (; i + 16 <= n; i += 16) {
      const x = ev.getFloat64(i, true);
      const x2 = ev.getFloat64(i + 8, true);
      if (x !== view.getFloat64(start + i, true) || x2 !== view.getFloat64(start + i + 8, true) || x === 0 || x2 === 0) break;
    }
    for (; i + 8 <= n; i += 8) {
      const x = ev.getFloat64(i, true);
      if (x !== view.getFloat64(start + i, true) || x === 0) break;
    }
    for (; i < n; i++) if (bytes[i] !== buf[start + i]) return false;
    return true;
  }
  return buf.compare(e.bytes, 0, n, start, end) === 0;
}

/**
 * murmur3-style (32-bit) hash of view[start, end), four bytes per step
 * through a DataView (measurably faster than assembling words from bytes):
 * fast, well spread, no allocation.
 */
export function hashRange(view: DataView, start: number, end: number): number {
  let h = (end - start) ^ 0x9747b28c;
  let i = start;
  const stop = end - 3;
  for (; i < stop; i += 4) {
    let k = view.getInt32(i, true);
    k = Math.imul(k, 0xcc9e2d51);
    k = (k << 15) | (k >>> 17);
    k = Math.imul(k, 0x1b873593);
    h ^= k;
    h = (h << 13) | (h >>> 19);
    h = (Math.imul(h, 5) + 0xe6546b64) | 0;
  }
  for (; i < end; i++) h = Math.imul(h ^ view.getUint8(i), 0x01000193);
  return fmix32(h);
}

/** hashRange over a whole buffer (creates a view: for use off the hot path). */
export function hashBuffer(b: Uint8Array): number {
  return hashRange(new DataView(b.buffer, b.byteOffset, b.byteLength), 0, b.byteLength);
}
