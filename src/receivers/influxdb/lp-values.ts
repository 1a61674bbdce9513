/**
 * Scalar values of Influx line protocol, read straight from the request
 * text: floats, integers (`i`), unsigned integers (`u`), booleans and
 * timestamps. Each reader starts at a value, reads as far as the value's
 * grammar goes (never past `end`), and returns where it stopped: the
 * caller checks that a delimiter follows, so a value's characters are
 * visited once. The result is in an LpValue; `problem` says what was
 * expected when the text is not a valid value. Rules: the InfluxDB v2 line
 * protocol reference ("Data types and format").
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
const TWO53 = 9007199254740992;
// Exact powers of ten as doubles (10^22 is the largest exact one): Clinger's fast path.
const POW10 = Array.from({ length: 23 }, (_, i) => Number(`1e${i}`));
const INT64_MAX = '9223372036854775807';
const INT64_MIN_ABS = '9223372036854775808';
const UINT64_MAX = '18446744073709551615';
const INT_OUT_OF_RANGE = 'an integer within the int64 range';
const UINT_OUT_OF_RANGE = 'an unsigned integer within the uint64 range';

const isDigit = (c: number): boolean => c >= 48 && c <= 57;

/**
 * Reads a number: a float `-?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?`, an integer
 * `-?\d+i` (int64) or an unsigned integer `\d+u` (uint64). Floats with up to
 * 15 significant digits and a decimal exponent within ±22 are one exact
 * division or multiplication, hence correctly rounded; longer forms go to
 * Number(). The model keeps values as doubles with an int flag that means
 * int64, so unsigned values above 2^63-1 become doubles.
 */
export function readNumber(s: string, start: number, end: number, out: LpValue): number {
  out.problem = undefined;
  let i = start;
  let c = s.charCodeAt(i);
  const neg = c === 45;
  if (neg) c = s.charCodeAt(++i);
  const d0 = i;
  let mant = 0;
  let sig = 0;
  let exp = 0;
  while (i < end && isDigit(c)) {
    if (sig > 0 || c !== 48) {
      if (sig < 15) mant = mant * 10 + (c - 48);
      else exp++;
      sig++;
    }
    c = s.charCodeAt(++i);
  }
  let digits = i - d0;
  let float = false;
  if (i < end && c === 46) {
    float = true;
    c = s.charCodeAt(++i);
    const f0 = i;
    while (i < end && isDigit(c)) {
      if (sig > 0 || c !== 48) {
        if (sig < 15) {
          mant = mant * 10 + (c - 48);
          exp--;
        }
        sig++;
      } else exp--;
      c = s.charCodeAt(++i);
    }
    digits += i - f0;
  }
  if (digits === 0) return fail(out, 'a number', i);
  if (i < end && (c === 101 || c === 69)) {
    float = true;
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
    if (i === e0) return fail(out, 'a number', i);
    exp += eneg ? -e : e;
  }
  if (i < end && (c === 105 || c === 117)) {
    const unsigned = c === 117;
    if (float) return fail(out, unsigned ? 'an unsigned integer' : 'an integer', i + 1);
    if (unsigned && neg) return fail(out, 'an unsigned integer', i + 1);
    let v = mant;
    out.isInt = 1;
    if (sig > 15) {
      // Beyond 15 digits, compare the digits themselves against the type's limit.
      if (exceeds(s, d0, i, unsigned ? UINT64_MAX : neg ? INT64_MIN_ABS : INT64_MAX)) return fail(out, unsigned ? UINT_OUT_OF_RANGE : INT_OUT_OF_RANGE, i + 1);
      v = Number(s.substring(d0, i));
      if (unsigned && v >= TWO53 && exceeds(s, d0, i, INT64_MAX)) out.isInt = 0;
    }
    out.value = neg ? -v : v;
    return i + 1;
  }
  let v: number;
  if (sig <= 15 && exp >= -22 && exp <= 22) v = exp < 0 ? mant / POW10[-exp] : mant * POW10[exp];
  else v = Number(s.substring(d0, i));
  if (!Number.isFinite(v)) return fail(out, 'a float within the 64-bit range', i);
  out.value = neg ? -v : v;
  out.isInt = 0;
  return i;
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

/** Reads one of t, T, true, True, TRUE, f, F, false, False, FALSE, as 1 or 0. */
export function readBool(s: string, start: number, end: number, out: LpValue): number {
  out.problem = undefined;
  out.isInt = 1;
  const c = s.charCodeAt(start);
  out.value = c === 116 || c === 84 ? 1 : 0;
  const word = c === 116 ? 'true' : c === 84 ? (s.charCodeAt(start + 1) === 82 ? 'TRUE' : 'True') : c === 102 ? 'false' : c === 70 ? (s.charCodeAt(start + 1) === 65 ? 'FALSE' : 'False') : '';
  if (word === '') return fail(out, BOOLEAN, start);
  if (start + word.length <= end && s.startsWith(word, start)) return start + word.length;
  return start + 1;
}

export const BOOLEAN = 'a boolean (t, T, true, True, TRUE, f, F, false, False, FALSE)';

/** Timestamp precisions, as the write APIs name them. */
export type Precision = 'ns' | 'us' | 'ms' | 's' | 'm' | 'h';

/** Multipliers to nanoseconds, applied one after another (each small enough for exact 32-bit limb arithmetic). */
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

const TIME_RANGE = 'a timestamp within the int64 nanosecond range (before 2262-04-11)';

/**
 * Reads the digits of a timestamp in `precision` units into out.lo/out.hi
 * (uint64 nanoseconds), exactly, with no BigInt: the value is kept as two
 * 32-bit limbs in doubles. InfluxDB accepts int64 nanoseconds; the model
 * holds times since 1970, so a negative timestamp is refused.
 */
export function readTimestamp(s: string, start: number, end: number, precision: Precision, out: LpValue): number {
  out.problem = undefined;
  if (s.charCodeAt(start) === 45) return fail(out, 'a timestamp at or after 1970-01-01 (Tributary cannot represent earlier times)', start + 1);
  let lo = 0;
  let hi = 0;
  let i = start;
  for (; i < end; i++) {
    const c = s.charCodeAt(i);
    if (!isDigit(c)) break;
    lo = lo * 10 + (c - 48);
    const carry = Math.floor(lo / TWO32);
    lo -= carry * TWO32;
    hi = hi * 10 + carry;
    if (hi >= 2147483648) return fail(out, TIME_RANGE, i + 1);
  }
  if (i === start) return fail(out, `an integer number of ${PRECISION_UNITS[precision]}`, i);
  for (const k of STEPS[precision]) {
    lo *= k;
    const carry = Math.floor(lo / TWO32);
    lo -= carry * TWO32;
    hi = hi * k + carry;
    if (hi >= 2147483648) return fail(out, TIME_RANGE, i);
  }
  out.lo = lo;
  out.hi = hi;
  return i;
}

function fail(out: LpValue, expected: string, at: number): number {
  out.problem = expected;
  return at;
}
