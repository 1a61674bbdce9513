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
