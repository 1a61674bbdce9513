import { ALT_HASH_SEED, type AnyValue, HASH_SEED, altHashAnyValue, altHashString, anyValueEqual, fmix32, hashAnyValue, hashString } from './any-value.js';

/**
 * An immutable, interned attribute set. Keys are unique and sorted, so two sets
 * with the same content are equal element by element, and interning makes them
 * usually the same object. Code may memoise per set by `id` (or by the object),
 * but must not rely on identity for correctness: after the intern table
 * rotates, the same content can come back as a new object with a new id.
 */
export class Attributes {
  static readonly EMPTY: Attributes = new Attributes([], [], hashEntries([], []), 0);

  private constructor(
    readonly keys: readonly string[],
    readonly values: readonly AnyValue[],
    readonly hash: number,
    readonly id: number,
  ) {}

  /** hash2, once computed (-1: not yet). */
  private alt = -1;

  get size(): number {
    return this.keys.length;
  }

  /**
   * A second 32-bit content hash, independent of `hash`, computed on first
   * use and kept. With `hash` it names the content by 64 bits, for state
   * that must outlive interning (see the class comment): equal content
   * always gives equal pairs, different content an equal pair with
   * probability about 2^-64.
   */
  get hash2(): number {
    if (this.alt < 0) {
      let h = ALT_HASH_SEED;
      for (let i = 0; i < this.keys.length; i++) h = altHashAnyValue(altHashString(h, this.keys[i]), this.values[i]);
      this.alt = fmix32(h);
    }
    return this.alt;
  }

  get(key: string): AnyValue | undefined {
    const i = this.indexOf(key);
    return i < 0 ? undefined : this.values[i];
  }

  has(key: string): boolean {
    return this.indexOf(key) >= 0;
  }

  indexOf(key: string): number {
    // Sets are small (typically < 20); a linear scan beats binary search here.
    const keys = this.keys;
    for (let i = 0; i < keys.length; i++) if (keys[i] === key) return i;
    return -1;
  }

  equals(other: Attributes): boolean {
    if (this === other) return true;
    if (this.hash !== other.hash || this.keys.length !== other.keys.length) return false;
    for (let i = 0; i < this.keys.length; i++) {
      if (this.keys[i] !== other.keys[i] || !anyValueEqual(this.values[i], other.values[i])) return false;
    }
    return true;
  }

  /** Returns a set with `key` set to `value` (added or replaced). */
  with(key: string, value: AnyValue): Attributes {
    const i = this.indexOf(key);
    if (i >= 0 && anyValueEqual(this.values[i], value)) return this;
    const keys = this.keys.slice();
    const values = this.values.slice();
    if (i >= 0) values[i] = value;
    else {
      keys.push(key);
      values.push(value);
    }
    return Attributes.of(keys, values);
  }

  without(key: string): Attributes {
    const i = this.indexOf(key);
    if (i < 0) return this;
    const keys = this.keys.slice();
    const values = this.values.slice();
    keys.splice(i, 1);
    values.splice(i, 1);
    return Attributes.of(keys, values);
  }

  toObject(): Record<string, AnyValue> {
    const o: Record<string, AnyValue> = {};
    for (let i = 0; i < this.keys.length; i++) o[this.keys[i]] = this.values[i];
    return o;
  }

  /**
   * Builds (or finds) the interned set for these pairs. The arrays are taken
   * over by the callee: the caller must not use them afterwards. When a key
   * repeats, the last value wins, as with a map.
   */
  static of(keys: string[], values: AnyValue[]): Attributes {
    if (keys.length === 0) return Attributes.EMPTY;
    if (!isSortedUnique(keys)) [keys, values] = sortUnique(keys, values);
    const hash = hashEntries(keys, values);
    return table.intern(keys, values, hash);
  }

  static fromObject(o: Readonly<Record<string, AnyValue>>): Attributes {
    const keys = Object.keys(o);
    return Attributes.of(keys, keys.map((k) => o[k]));
  }

  /** @internal for the intern table only */
  static create(keys: readonly string[], values: readonly AnyValue[], hash: number, id: number): Attributes {
    return new Attributes(keys, values, hash, id);
  }
}

function hashEntries(keys: readonly string[], values: readonly AnyValue[]): number {
  let h = HASH_SEED;
  for (let i = 0; i < keys.length; i++) h = hashAnyValue(hashString(h, keys[i]), values[i]);
  return h >>> 0;
}

function isSortedUnique(keys: readonly string[]): boolean {
  for (let i = 1; i < keys.length; i++) if (!(keys[i - 1] < keys[i])) return false;
  return true;
}

function sortUnique(keys: string[], values: AnyValue[]): [string[], AnyValue[]] {
  const idx = keys.map((_, i) => i);
  // Stable sort by key, then keep the last occurrence of each key.
  idx.sort((a, b) => (keys[a] < keys[b] ? -1 : keys[a] > keys[b] ? 1 : a - b));
  const k: string[] = [];
  const v: AnyValue[] = [];
  for (const i of idx) {
    if (k.length > 0 && k[k.length - 1] === keys[i]) v[v.length - 1] = values[i];
    else {
      k.push(keys[i]);
      v.push(values[i]);
    }
  }
  return [k, v];
}

/**
 * Bounded intern table with two generations: lookups hit the current map and
 * then the previous one (promoting the entry); when the current one fills up,
 * the previous one is dropped. Memory stays bounded without per-entry LRU work,
 * and sets in steady use survive rotation.
 */
class InternTable {
  private current = new Map<number, Attributes | Attributes[]>();
  private previous = new Map<number, Attributes | Attributes[]>();
  private nextId = 1;

  constructor(private readonly capacity: number) {}

  intern(keys: readonly string[], values: readonly AnyValue[], hash: number): Attributes {
    let hit = find(this.current.get(hash), keys, values);
    if (hit !== undefined) return hit;
    hit = find(this.previous.get(hash), keys, values);
    if (hit === undefined) hit = Attributes.create(keys, values, hash, this.nextId++);
    this.insert(hash, hit);
    return hit;
  }

  get size(): number {
    return this.current.size + this.previous.size;
  }

  private insert(hash: number, a: Attributes): void {
    if (this.current.size >= this.capacity) {
      this.previous = this.current;
      this.current = new Map();
    }
    const slot = this.current.get(hash);
    if (slot === undefined) this.current.set(hash, a);
    else if (Array.isArray(slot)) slot.push(a);
    else this.current.set(hash, [slot, a]);
  }
}

function find(slot: Attributes | Attributes[] | undefined, keys: readonly string[], values: readonly AnyValue[]): Attributes | undefined {
  if (slot === undefined) return undefined;
  if (!Array.isArray(slot)) return sameEntries(slot, keys, values) ? slot : undefined;
  for (const a of slot) if (sameEntries(a, keys, values)) return a;
  return undefined;
}

function sameEntries(a: Attributes, keys: readonly string[], values: readonly AnyValue[]): boolean {
  if (a.keys.length !== keys.length) return false;
  for (let i = 0; i < keys.length; i++) {
    if (a.keys[i] !== keys[i] || !anyValueEqual(a.values[i], values[i])) return false;
  }
  return true;
}

const table = new InternTable(1 << 18);

/** Number of interned sets held (both generations), for self-telemetry. */
export function internedAttributeSets(): number {
  return table.size;
}
