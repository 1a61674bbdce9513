/**
 * A compact table of streams keyed by 64-bit keys (see stream-key.ts), for
 * processors that keep state per stream. Streams live in numbered slots;
 * what a processor keeps per stream lives in its own typed arrays indexed
 * by slot (struct of arrays), which the table asks it to grow. There is no
 * object and no Map entry per stream: a stream costs 12 bytes here (key,
 * last-seen second) plus 8 to 16 bytes of index at a load of at most one
 * half, plus what the processor keeps.
 *
 * The index is open addressing with linear probing over slot numbers;
 * removal shifts later entries back (no tombstones), so lookups stay short
 * however many streams come and go.
 */
export class StreamTable {
  keyLo: Uint32Array;
  keyHi: Uint32Array;
  /** Unix second the stream was last touched, plus one (fits until 2106); 0 marks a free slot. */
  seen: Uint32Array;
  private index: Int32Array;
  private mask: number;
  private freeSlots: Int32Array;
  private nFree = 0;
  /** Slots below this have been used at least once. */
  private used = 0;
  private count = 0;
  private lastSweep = -Infinity;
  /** Set by acquire(): whether the slot it returned was created by that call. */
  created = false;

  /**
   * @param grow called with the new slot capacity whenever it grows (and once
   *   at construction), so the owner grows its per-slot arrays to match.
   */
  constructor(
    private readonly grow: (capacity: number) => void,
    initialCapacity = 1024,
  ) {
    const cap = 1 << Math.ceil(Math.log2(Math.max(16, initialCapacity)));
    this.keyLo = new Uint32Array(cap);
    this.keyHi = new Uint32Array(cap);
    this.seen = new Uint32Array(cap);
    this.freeSlots = new Int32Array(0);
    this.index = new Int32Array(cap * 2);
    this.mask = cap * 2 - 1;
    grow(cap);
  }

  get size(): number {
    return this.count;
  }

  get capacity(): number {
    return this.keyLo.length;
  }

  /** The slot of a key, or -1. */
  find(lo: number, hi: number): number {
    const index = this.index;
    const mask = this.mask;
    for (let i = lo & mask; ; i = (i + 1) & mask) {
      const e = index[i];
      if (e === 0) return -1;
      const s = e - 1;
      if (this.keyLo[s] === lo && this.keyHi[s] === hi) return s;
    }
  }

  /**
   * The slot of a key, touched at `nowMs`, created if it is new and there
   * is room: below `limit` streams (0: no limit), or once `sweep` (called at
   * most once a second while at the limit) has freed some. Returns -1 when
   * there is no room. `created` tells whether this call created the slot.
   * Streams in use are never evicted to make room, only stale ones.
   */
  acquire(lo: number, hi: number, nowMs: number, limit: number, sweep: (nowMs: number) => void): number {
    const s = this.find(lo, hi);
    if (s >= 0) {
      this.created = false;
      this.seen[s] = this.second(nowMs);
      return s;
    }
    if (limit > 0 && this.count >= limit) {
      if (nowMs - this.lastSweep < 1000) return -1;
      this.lastSweep = nowMs;
      sweep(nowMs);
      if (this.count >= limit) return -1;
    }
    this.created = true;
    return this.insert(lo, hi, nowMs);
  }

  /** Adds a key that find() did not find; returns its slot, touched at `nowMs`. */
  insert(lo: number, hi: number, nowMs: number): number {
    let slot: number;
    if (this.nFree > 0) slot = this.freeSlots[--this.nFree];
    else {
      if (this.used === this.keyLo.length) this.growTo(this.keyLo.length * 2);
      slot = this.used++;
    }
    this.keyLo[slot] = lo;
    this.keyHi[slot] = hi;
    this.seen[slot] = this.second(nowMs);
    this.place(slot);
    this.count++;
    return slot;
  }

  touch(slot: number, nowMs: number): void {
    this.seen[slot] = this.second(nowMs);
  }

  /** Removes a stream; its slot may be handed out again by the next insert. */
  remove(slot: number): void {
    const index = this.index;
    const mask = this.mask;
    let i = this.keyLo[slot] & mask;
    while (index[i] !== slot + 1) i = (i + 1) & mask;
    index[i] = 0;
    // Shift back the entries after the hole that would no longer be found from their home position.
    for (let j = (i + 1) & mask; index[j] !== 0; j = (j + 1) & mask) {
      const home = this.keyLo[index[j] - 1] & mask;
      const stays = i <= j ? i < home && home <= j : i < home || home <= j;
      if (stays) continue;
      index[i] = index[j];
      index[j] = 0;
      i = j;
    }
    this.seen[slot] = 0;
    if (this.nFree === this.freeSlots.length) {
      const f = new Int32Array(Math.max(64, this.freeSlots.length * 2));
      f.set(this.freeSlots);
      this.freeSlots = f;
    }
    this.freeSlots[this.nFree++] = slot;
    this.count--;
  }

  /**
   * Removes every stream not touched for `maxAgeMs` (to the second),
   * calling `onEvict(slot)` before each removal; returns how many.
   */
  sweep(nowMs: number, maxAgeMs: number, onEvict?: (slot: number) => void): number {
    const cutoff = this.second(nowMs) - Math.ceil(maxAgeMs / 1000);
    let n = 0;
    for (let s = 0; s < this.used; s++) {
      const t = this.seen[s];
      if (t !== 0 && t < cutoff) {
        onEvict?.(s);
        this.remove(s);
        n++;
      }
    }
    return n;
  }

  /** Calls fn for every live slot. */
  forEach(fn: (slot: number) => void): void {
    for (let s = 0; s < this.used; s++) if (this.seen[s] !== 0) fn(s);
  }

  /** Bytes held by the table itself (not the owner's per-slot arrays). */
  bytes(): number {
    return this.keyLo.byteLength + this.keyHi.byteLength + this.seen.byteLength + this.index.byteLength + this.freeSlots.byteLength;
  }

  private second(nowMs: number): number {
    return Math.max(1, Math.floor(nowMs / 1000) + 1);
  }

  private place(slot: number): void {
    const index = this.index;
    const mask = this.mask;
    let i = this.keyLo[slot] & mask;
    while (index[i] !== 0) i = (i + 1) & mask;
    index[i] = slot + 1;
  }

  private growTo(cap: number): void {
    const lo = new Uint32Array(cap);
    lo.set(this.keyLo);
    const hi = new Uint32Array(cap);
    hi.set(this.keyHi);
    const seen = new Uint32Array(cap);
    seen.set(this.seen);
    this.keyLo = lo;
    this.keyHi = hi;
    this.seen = seen;
    this.index = new Int32Array(cap * 2);
    this.mask = cap * 2 - 1;
    for (let s = 0; s < this.used; s++) if (this.seen[s] !== 0) this.place(s);
    this.grow(cap);
  }
}

/** A typed array of at least `n` elements (at least doubling, so appends cost O(1) amortised), keeping the contents. */
export function grown<T extends Float64Array | Uint32Array | Int32Array | Uint8Array | Int8Array>(a: T, n: number): T {
  if (a.length >= n) return a;
  const b = new (a.constructor as new (n: number) => T)(Math.max(n, 2 * a.length));
  b.set(a);
  return b;
}
