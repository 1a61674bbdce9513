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

function sameBytes<V>(e: Entry<V>, buf: Buffer, view: DataView, start: number, end: number): boolean {
  const n = e.bytes.length;
  if (n !== end - start) return false;
  // Four bytes at a time through DataViews: faster than a native call for the
  // short ranges attribute lists are, and than comparing byte by byte.
  if (n <= 512) {
    const ev = e.view;
    let i = 0;
    for (; i + 4 <= n; i += 4) if (ev.getInt32(i, true) !== view.getInt32(start + i, true)) return false;
    for (; i < n; i++) if (e.bytes[i] !== buf[start + i]) return false;
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
