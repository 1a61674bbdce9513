/**
 * Merges config documents in order, as the Collector merges several
 * --config sources: maps merge key by key, anything else (lists included)
 * is replaced by the later value.
 */
export function mergeConfigs(docs: readonly unknown[]): Record<string, unknown> {
  let out: unknown = {};
  for (const d of docs) out = mergeValue(out, d);
  return (isMap(out) ? out : {}) as Record<string, unknown>;
}

function isMap(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

function mergeValue(a: unknown, b: unknown): unknown {
  if (b === undefined) return a;
  if (!isMap(a) || !isMap(b)) return b;
  const out: Record<string, unknown> = { ...a };
  for (const [k, v] of Object.entries(b)) out[k] = k in out ? mergeValue(out[k], v) : v;
  return out;
}

/** Freezes plain objects and arrays, recursively; class instances (factories, ids) are left alone. */
export function deepFreeze<T>(v: T): T {
  if (v === null || typeof v !== 'object' || Object.isFrozen(v)) return v;
  const proto = Object.getPrototypeOf(v);
  if (proto === Object.prototype || proto === null || Array.isArray(v)) {
    Object.freeze(v);
    for (const x of Object.values(v as object)) deepFreeze(x);
  }
  return v;
}
