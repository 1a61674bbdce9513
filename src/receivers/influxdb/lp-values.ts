/**
 * Scalar values of Influx line protocol, read straight from the request text
 * without a substring per value where that can be avoided: floats, integers
 * (`i`), unsigned integers (`u`), booleans and timestamps. Each reader returns
 * a value or sets `LpValue.problem` to what was expected, for the parser to
 * put in its error message. Rules: the InfluxDB v2 line protocol reference
 * ("Data types and format").
 */

/** The outcome of the last read: value, whether it is an integer, or the problem. */
export class LpValue {
  value = 0;
  isInt = 0;
  /** Set when the text is not a valid value; undefined after a successful read. */
  problem: string | undefined = undefined;
  /** Timestamp in uint64 nanoseconds, as two uint32 words. */
  lo = 0;
  hi = 0;
}

const TWO32 = 4294967296;
// Exact powers of ten as doubles (10^22 is the largest exact one): Clinger's fast path.
const POW10 = Array.from({ length: 23 }, (_, i) => Number(`1e${i}`));
const INT64_MAX = '9223372036854775807';
const INT64_MIN_ABS = '9223372036854775808';
const UINT64_MAX = '18446744073709551615';

const isDigit = (c: number): boolean => c >= 48 && c <= 57;

/**
 * Reads a float: `-?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?`. Up to 15 significant
 * digits and a decimal exponent within ±22, the result is one exact division
 * or multiplication, hence correctly rounded; longer forms go to Number().
 */
export function readFloat(s: string, start: number, end: number, out: LpValue): void {
  let i = start;
  const neg = s.charCodeAt(i) === 45;
  if (neg) i++;
  let mant = 0;
  let sig = 0;
  let digits = 0;
  let exp = 0;
  let c = s.charCodeAt(i);
  while (i < end && isDigit(c)) {
    if (sig > 0 || c !== 48) {
      if (sig < 15) mant = mant * 10 + (c - 48);
      else exp++;
      sig++;
    }
    digits++;
    c = s.charCodeAt(++i);
  }
  if (i < end && c === 46) {
    c = s.charCodeAt(++i);
    while (i < end && isDigit(c)) {
      if (sig > 0 || c !== 48) {
        if (sig < 15) {
          mant = mant * 10 + (c - 48);
          exp--;
        }
        sig++;
      } else exp--;
      digits++;
      c = s.charCodeAt(++i);
    }
  }
  if (digits === 0) return fail(out, 'a number');
  if (i < end && (c === 101 || c === 69)) {
    c = s.charCodeAt(++i);
    let eneg = false;
    if (c === 43 || c === 45) {
      eneg = c === 45;
      c = s.charCodeAt(++i);
    }
    let e = 0;
    const e0 = i;
    while (i < end && isDigit(c)) {
      if (e < 100000) e = e * 10 + (c - 48);
      c = s.charCodeAt(++i);
    }
    if (i === e0) return fail(out, 'a number');
    exp += eneg ? -e : e;
  }
  if (i !== end) return fail(out, 'a number');
  let v: number;
  if (sig <= 15 && exp >= -22 && exp <= 22) v = exp < 0 ? mant / POW10[-exp] : mant * POW10[exp];
  else v = Number(s.substring(neg ? start + 1 : start, end));
  if (!Number.isFinite(v)) return fail(out, 'a float within the 64-bit range');
  out.value = neg ? -v : v;
  out.isInt = 0;
  out.problem = undefined;
}

/** Reads `-?\d+` (the caller has cut the `i`) and checks the int64 range. */
export function readInt(s: string, start: number, end: number, out: LpValue): void {
  const neg = s.charCodeAt(start) === 45;
  readDigits(s, neg ? start + 1 : start, end, neg ? INT64_MIN_ABS : INT64_MAX, out);
  if (out.problem !== undefined) {
    out.problem = out.problem === 'range' ? 'an integer within the int64 range' : 'an integer';
    return;
  }
  if (neg) out.value = -out.value;
}

/**
 * Reads `\d+` (the caller has cut the `u`) up to 2^64-1. The model stores
 * values as doubles with an int flag that means int64, so values above
 * 2^63-1 become doubles.
 */
export function readUint(s: string, start: number, end: number, out: LpValue): void {
  readDigits(s, start, end, UINT64_MAX, out);
  if (out.problem !== undefined) {
    out.problem = out.problem === 'range' ? 'an unsigned integer within the uint64 range' : 'an unsigned integer';
    return;
  }
  if (out.value >= 9007199254740992 && exceeds(s, start, end, INT64_MAX)) out.isInt = 0;
}

/** Digits only, at most `max` (a decimal string); sets value (a double) and isInt = 1. */
function readDigits(s: string, start: number, end: number, max: string, out: LpValue): void {
  if (start >= end) return fail(out, 'syntax');
  let v = 0;
  for (let i = start; i < end; i++) {
    const c = s.charCodeAt(i);
    if (!isDigit(c)) return fail(out, 'syntax');
    v = v * 10 + (c - 48);
  }
  // Below 2^53 the loop is exact; above, compare the digits themselves.
  if (v >= 9007199254740992) {
    if (exceeds(s, start, end, max)) return fail(out, 'range');
    v = Number(s.substring(start, end));
  }
  out.value = v;
  out.isInt = 1;
  out.problem = undefined;
}

/** Whether the digit run s[start, end) is a larger number than `max`. */
function exceeds(s: string, start: number, end: number, max: string): boolean {
  while (start < end - 1 && s.charCodeAt(start) === 48) start++;
  const n = end - start;
  if (n !== max.length) return n > max.length;
  for (let i = 0; i < n; i++) {
    const d = s.charCodeAt(start + i) - max.charCodeAt(i);
    if (d !== 0) return d > 0;
  }
  return false;
}

/** Reads one of t, T, true, True, TRUE, f, F, false, False, FALSE. */
export function readBool(s: string, start: number, end: number, out: LpValue): void {
  const n = end - start;
  const c = s.charCodeAt(start);
  let v = -1;
  if (n === 1) v = c === 116 || c === 84 ? 1 : c === 102 || c === 70 ? 0 : -1;
  else if (n === 4 && (s.startsWith('true', start) || s.startsWith('True', start) || s.startsWith('TRUE', start))) v = 1;
  else if (n === 5 && (s.startsWith('false', start) || s.startsWith('False', start) || s.startsWith('FALSE', start))) v = 0;
  if (v < 0) return fail(out, 'a boolean (t, T, true, True, TRUE, f, F, false, False, FALSE)');
  out.value = v;
  out.isInt = 1;
  out.problem = undefined;
}

/** Timestamp precisions, as the write APIs name them, and the factors that take each to nanoseconds. */
export type Precision = 'ns' | 'us' | 'ms' | 's' | 'm' | 'h';

/** Multipliers applied one after another (each small enough for exact 32-bit limb arithmetic). */
const STEPS: Record<Precision, readonly number[]> = {
  ns: [],
  us: [1000],
  ms: [1000, 1000],
  s: [1000, 1000, 1000],
  m: [1000, 1000, 1000, 60],
  h: [1000, 1000, 1000, 3600],
};

export const PRECISION_UNITS: Record<Precision, string> = {
  ns: 'nanoseconds',
  us: 'microseconds',
  ms: 'milliseconds',
  s: 'seconds',
  m: 'minutes',
  h: 'hours',
};

/**
 * Reads an integer timestamp in `precision` units into out.lo/out.hi
 * (uint64 nanoseconds), exactly, with no BigInt: the value is kept as two
 * 32-bit limbs in doubles. InfluxDB accepts int64 nanoseconds; the model
 * holds times since 1970, so negative timestamps are refused.
 */
export function readTimestamp(s: string, start: number, end: number, precision: Precision, out: LpValue): void {
  if (s.charCodeAt(start) === 45) return fail(out, 'a timestamp at or after 1970-01-01 (Tributary cannot represent earlier times)');
  let lo = 0;
  let hi = 0;
  for (let i = start; i < end; i++) {
    const c = s.charCodeAt(i);
    if (!isDigit(c)) return fail(out, `an integer number of ${PRECISION_UNITS[precision]}`);
    lo = lo * 10 + (c - 48);
    const carry = Math.floor(lo / TWO32);
    lo -= carry * TWO32;
    hi = hi * 10 + carry;
    if (hi >= 2147483648) return fail(out, 'a timestamp within the int64 nanosecond range (before 2262-04-11)');
  }
  for (const k of STEPS[precision]) {
    lo *= k;
    const carry = Math.floor(lo / TWO32);
    lo -= carry * TWO32;
    hi = hi * k + carry;
    if (hi >= 2147483648) return fail(out, 'a timestamp within the int64 nanosecond range (before 2262-04-11)');
  }
  out.lo = lo;
  out.hi = hi;
  out.problem = undefined;
}

function fail(out: LpValue, expected: string): void {
  out.problem = expected;
}
