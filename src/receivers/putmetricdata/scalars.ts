/**
 * Scalars as the three protocols carry them: AWS Query as text, AWS JSON
 * 1.0 as JSON numbers (non-finite doubles as "NaN"/"Infinity"/"-Infinity"
 * strings, timestamps as epoch seconds), RPC v2 CBOR as numbers, bigints
 * and tag 1 (epoch-seconds timestamps). The readers accept each protocol's
 * form and return undefined for anything else.
 */

const DECIMAL = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;

export function readDouble(v: unknown): number | undefined {
  if (typeof v === 'number') return v;
  if (typeof v === 'bigint') return Number(v);
  if (typeof v !== 'string') return undefined;
  if (DECIMAL.test(v)) return Number(v);
  if (v === 'NaN') return NaN;
  if (v === 'Infinity') return Infinity;
  if (v === '-Infinity') return -Infinity;
  return undefined;
}

// ISO 8601 as the SDKs write it: 2026-03-01T11:59:00Z, with up to nanosecond fractions and an offset.
const ISO = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(Z|[+-]\d{2}:?\d{2})$/i;

// The data of one request usually share one timestamp: the last text read is remembered.
let lastIso = '';
let lastIsoMs: number | undefined;

/** Milliseconds since the epoch (with a fraction when the input has sub-millisecond precision). */
export function readTimestampMs(v: unknown): number | undefined {
  if (typeof v === 'number') return Number.isFinite(v) ? v * 1000 : undefined;
  if (typeof v === 'bigint') return Number(v) * 1000;
  if (typeof v === 'string') {
    if (v === lastIso) return lastIsoMs;
    const ms = DECIMAL.test(v) ? Number(v) * 1000 : parseIso(v);
    lastIso = v;
    lastIsoMs = ms;
    return ms;
  }
  if (v !== null && typeof v === 'object' && 'tag' in v && 'value' in v) {
    const t = v as { tag: unknown; value: unknown };
    if (Number(t.tag) === 1 && (typeof t.value === 'number' || typeof t.value === 'bigint')) return readTimestampMs(t.value);
  }
  return undefined;
}

function parseIso(s: string): number | undefined {
  const m = ISO.exec(s);
  if (m === null) return undefined;
  const [y, mo, d, h, mi, se] = [m[1], m[2], m[3], m[4], m[5], m[6]].map(Number);
  if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || se > 60) return undefined;
  let ms = Date.UTC(y, mo - 1, d, h, mi, se);
  if (new Date(ms).getUTCDate() !== d) return undefined; // 31 February and the like
  if (m[7] !== undefined) ms += Number(`0.${m[7]}`) * 1000;
  const z = m[8];
  if (z !== 'Z' && z !== 'z') {
    const sign = z[0] === '-' ? -1 : 1;
    const digits = z.slice(1).replace(':', '');
    ms -= sign * (Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2))) * 60_000;
  }
  return ms;
}

/** A value for an error message: quoted if text, cut to a readable length. */
export function show(v: unknown): string {
  let s: string;
  if (typeof v === 'string') s = v;
  else if (typeof v === 'bigint' || typeof v === 'number' || typeof v === 'boolean') s = String(v);
  else if (v === null || v === undefined) s = 'null';
  else if (Array.isArray(v)) s = 'a list';
  else s = 'a structure';
  return s.length > 64 ? `${s.slice(0, 61)}...` : s;
}
