/**
 * Maps byte ranges to values already decoded from identical bytes. Senders
 * repeat the same attribute bytes for a series in every request, so the
 * decoder hashes the raw range and decodes only what it has not seen.
 * Two generations bound the memory: entries in use survive a rotation,
 * entries not seen for a whole generation are dropped.
 */

interface Entry<V> {
  readonly bytes: Buffer;
  readonly value: V;
  next: Entry<V> | undefined;
}

export class ByteIntern<V> {
  private current = new Map<number, Entry<V>>();
  private previous = new Map<number, Entry<V>>();

  constructor(private readonly capacity: number) {}

  get(buf: Buffer, start: number, end: number, hash: number): V | undefined {
    let e = this.current.get(hash);
    for (; e !== undefined; e = e.next) if (sameBytes(e.bytes, buf, start, end)) return e.value;
    e = this.previous.get(hash);
    for (; e !== undefined; e = e.next) {
      if (sameBytes(e.bytes, buf, start, end)) {
        this.put(buf, start, end, hash, e.value);
        return e.value;
      }
    }
    return undefined;
  }

  put(buf: Buffer, start: number, end: number, hash: number, value: V): void {
    if (this.current.size >= this.capacity) {
      this.previous = this.current;
      this.current = new Map();
    }
    const bytes = Buffer.allocUnsafeSlow(end - start);
    buf.copy(bytes, 0, start, end);
    this.current.set(hash, { bytes, value, next: this.current.get(hash) });
  }
}

function sameBytes(a: Buffer, buf: Buffer, start: number, end: number): boolean {
  const n = a.length;
  if (n !== end - start) return false;
  // Short ranges compare faster in JS than through a native call.
  if (n <= 64) {
    for (let i = 0; i < n; i++) if (a[i] !== buf[start + i]) return false;
    return true;
  }
  return buf.compare(a, 0, n, start, end) === 0;
}

/** murmur3 (32-bit) over buf[start, end): fast, well spread, no allocation. */
export function hashBytes(buf: Buffer, start: number, end: number): number {
  let h = (end - start) ^ 0x9747b28c;
  let i = start;
  const stop = end - 3;
  for (; i < stop; i += 4) {
    let k = buf[i] | (buf[i + 1] << 8) | (buf[i + 2] << 16) | (buf[i + 3] << 24);
    k = Math.imul(k, 0xcc9e2d51);
    k = (k << 15) | (k >>> 17);
    k = Math.imul(k, 0x1b873593);
    h ^= k;
    h = (h << 13) | (h >>> 19);
    h = (Math.imul(h, 5) + 0xe6546b64) | 0;
  }
  const rest = end - i;
  if (rest > 0) {
    let k = buf[i];
    if (rest > 1) k ^= buf[i + 1] << 8;
    if (rest > 2) k ^= buf[i + 2] << 16;
    k = Math.imul(k, 0xcc9e2d51);
    k = (k << 15) | (k >>> 17);
    k = Math.imul(k, 0x1b873593);
    h ^= k;
  }
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}
