/**
 * OTLP AnyValue as plain JS values. Integers are bigint so that an int attribute
 * stays an int through the gateway (OTLP distinguishes int_value from double_value).
 */
export type AnyValue = string | boolean | number | bigint | Uint8Array | readonly AnyValue[] | KvList | null;

/** A kvlist_value: an ordered list of key/value pairs, kept as received. */
export class KvList {
  constructor(
    readonly keys: readonly string[],
    readonly values: readonly AnyValue[],
  ) {}
}

const FNV_OFFSET = 0x811c9dc5;
const FNV_PRIME = 0x01000193;

export function hashString(h: number, s: string): number {
  for (let i = 0; i < s.length; i++) {
    h = Math.imul(h ^ s.charCodeAt(i), FNV_PRIME);
  }
  // A separator so that ("ab","c") and ("a","bc") hash differently.
  return Math.imul(h ^ 0xff, FNV_PRIME);
}

export function hashAnyValue(h: number, v: AnyValue): number {
  if (typeof v === 'string') return hashString(Math.imul(h ^ 1, FNV_PRIME), v);
  if (typeof v === 'boolean') return Math.imul(h ^ (v ? 3 : 2), FNV_PRIME);
  if (typeof v === 'number') return hashString(Math.imul(h ^ 4, FNV_PRIME), String(v));
  if (typeof v === 'bigint') return hashString(Math.imul(h ^ 5, FNV_PRIME), v.toString());
  if (v === null) return Math.imul(h ^ 6, FNV_PRIME);
  if (v instanceof Uint8Array) {
    h = Math.imul(h ^ 7, FNV_PRIME);
    for (let i = 0; i < v.length; i++) h = Math.imul(h ^ v[i], FNV_PRIME);
    return h;
  }
  if (v instanceof KvList) {
    h = Math.imul(h ^ 8, FNV_PRIME);
    for (let i = 0; i < v.keys.length; i++) h = hashAnyValue(hashString(h, v.keys[i]), v.values[i]);
    return h;
  }
  h = Math.imul(h ^ 9, FNV_PRIME);
  for (const e of v) h = hashAnyValue(h, e);
  return h;
}

export const HASH_SEED = FNV_OFFSET;

/**
 * A second 32-bit content hash, independent of hashAnyValue (another
 * multiplier, seed and mixing): with it, content is identified by 64 bits
 * where the identity of interned objects cannot be relied on (state kept
 * across intern-table rotations, see Attributes.hash2). Values other than
 * strings are hashed through a type-tagged canonical string, which is equal
 * exactly when anyValueEqual says the values are.
 */
export const ALT_HASH_SEED = 0x3c6ef372;

function altMix(h: number, k: number): number {
  k = Math.imul(k, 0xcc9e2d51);
  k = Math.imul((k << 15) | (k >>> 17), 0x1b873593);
  h ^= k;
  h = (h << 13) | (h >>> 19);
  return (Math.imul(h, 5) + 0xe6546b64) | 0;
}

export function altHashString(h: number, s: string): number {
  for (let i = 0; i < s.length; i++) h = altMix(h, s.charCodeAt(i));
  return altMix(h, 0x10000 + s.length);
}

export function altHashAnyValue(h: number, v: AnyValue): number {
  return typeof v === 'string' ? altHashString(altMix(h, 1), v) : altHashString(altMix(h, 2), canonicalString(v));
}

/** Final avalanche (MurmurHash3 fmix32): every input bit affects every output bit. */
export function fmix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

function canonicalString(v: AnyValue): string {
  if (typeof v === 'string') return `s${v.length}:${v}`;
  if (typeof v === 'boolean') return v ? 't' : 'f';
  if (typeof v === 'number') return `n${String(v)};`;
  if (typeof v === 'bigint') return `i${v.toString()};`;
  if (v === null) return 'z';
  if (v instanceof Uint8Array) return `b${v.length}:${Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString('latin1')}`;
  if (v instanceof KvList) {
    let out = `m${v.keys.length}:`;
    for (let i = 0; i < v.keys.length; i++) out += `${v.keys[i].length}:${v.keys[i]}${canonicalString(v.values[i])}`;
    return out;
  }
  let out = `a${v.length}:`;
  for (const e of v) out += canonicalString(e);
  return out;
}

export function anyValueEqual(a: AnyValue, b: AnyValue): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) {
    // NaN is equal to itself for identity purposes.
    return typeof a === 'number' && typeof b === 'number' && Number.isNaN(a) && Number.isNaN(b);
  }
  if (a instanceof Uint8Array) {
    if (!(b instanceof Uint8Array) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
    return true;
  }
  if (a instanceof KvList) {
    if (!(b instanceof KvList) || a.keys.length !== b.keys.length) return false;
    for (let i = 0; i < a.keys.length; i++) {
      if (a.keys[i] !== b.keys[i] || !anyValueEqual(a.values[i], b.values[i])) return false;
    }
    return true;
  }
  if (!Array.isArray(b) || b instanceof Uint8Array || b instanceof KvList) return false;
  const arr = a as readonly AnyValue[];
  if (arr.length !== b.length) return false;
  for (let i = 0; i < arr.length; i++) if (!anyValueEqual(arr[i], b[i])) return false;
  return true;
}

/** The string form used where only strings fit (Prometheus labels, CloudWatch dimensions). */
export function anyValueToString(v: AnyValue): string {
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'bigint' || typeof v === 'boolean') return String(v);
  if (v === null) return '';
  if (v instanceof Uint8Array) return Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString('base64');
  return JSON.stringify(anyValueToJson(v));
}

/** Plain JSON (not OTLP/JSON) form, for string conversion of arrays and maps. */
export function anyValueToJson(v: AnyValue): unknown {
  if (typeof v === 'bigint') return Number(v);
  if (v instanceof Uint8Array) return Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString('base64');
  if (v instanceof KvList) {
    const o: Record<string, unknown> = {};
    for (let i = 0; i < v.keys.length; i++) o[v.keys[i]] = anyValueToJson(v.values[i]);
    return o;
  }
  if (Array.isArray(v)) return v.map(anyValueToJson);
  return v;
}
