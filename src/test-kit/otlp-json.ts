/**
 * Normalises OTLP/JSON so that equivalent encodings compare equal: 64-bit
 * integers as strings or numbers, default values left out or present,
 * attribute lists in any order (they are maps).
 */
export function normaliseOtlpJson(v: unknown): unknown {
  if (Array.isArray(v)) {
    const out = v.map(normaliseOtlpJson);
    if (out.length > 0 && out.every((e) => e !== null && typeof e === 'object' && 'key' in (e as object))) {
      out.sort((a, b) => String((a as { key: string }).key).localeCompare(String((b as { key: string }).key)));
    }
    return out;
  }
  if (v !== null && typeof v === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) {
      const n = normaliseOtlpJson(x);
      if (n === undefined || n === 0 || n === '' || n === false) continue;
      if (Array.isArray(n) && n.length === 0) continue;
      if (n !== null && typeof n === 'object' && !Array.isArray(n) && Object.keys(n).length === 0 && k !== 'value') continue;
      out[k] = n;
    }
    return out;
  }
  if (typeof v === 'string' && /^-?\d+$/.test(v)) return Number(v);
  return v;
}
