/**
 * Timestamps are OTLP's uint64 nanoseconds since the epoch, stored without loss
 * as two uint32 words (low, high) in a Uint32Array: slot 2i is the low word of
 * point i and slot 2i+1 the high word. This matches the little-endian fixed64
 * layout on the wire, and avoids a BigInt per point.
 */

const TWO32 = 4294967296;
// 2^32 = 4294 * 1e6 + 967296: lets us divide by 1e6 exactly in doubles.
const Q = 4294;
const R = 967296;

/** Milliseconds since the epoch (floor), exact for every uint64 input. */
export function nsPairToMs(lo: number, hi: number): number {
  return hi * Q + Math.floor((hi * R + lo) / 1e6);
}

export function timeMs(times: Uint32Array, i: number): number {
  return nsPairToMs(times[2 * i], times[2 * i + 1]);
}

export function timeIsZero(times: Uint32Array, i: number): boolean {
  return times[2 * i] === 0 && times[2 * i + 1] === 0;
}

/** Nanoseconds as a double: exact up to 2^53 ns (~104 days); for arithmetic on intervals only. */
export function timeNsApprox(times: Uint32Array, i: number): number {
  return times[2 * i + 1] * TWO32 + times[2 * i];
}

export function timeBigInt(times: Uint32Array, i: number): bigint {
  return (BigInt(times[2 * i + 1]) << 32n) | BigInt(times[2 * i]);
}

export function timeString(times: Uint32Array, i: number): string {
  const hi = times[2 * i + 1];
  if (hi < 0x200000) return String(hi * TWO32 + times[2 * i]); // below 2^53: exact as a double
  return timeBigInt(times, i).toString();
}

export function setTimeBigInt(times: Uint32Array, i: number, ns: bigint): void {
  times[2 * i] = Number(ns & 0xffffffffn);
  times[2 * i + 1] = Number((ns >> 32n) & 0xffffffffn);
}

/** Sets a time from milliseconds (an integer, as in Prometheus remote write). */
export function setTimeMs(times: Uint32Array, i: number, ms: number): void {
  // ms * 1e6 exceeds 2^53 for every date after 1970-04, so split ms into 32-bit
  // words first: each partial product stays below 2^53 and is exact. This is the
  // hot path of remote-write decoding, where a BigInt per sample would dominate.
  if (ms >= 0 && ms < MAX_EXACT_MS && Number.isInteger(ms)) {
    const h = Math.floor(ms / TWO32);
    const low = (ms - h * TWO32) * 1e6; // < 2^52
    const carry = Math.floor(low / TWO32);
    times[2 * i] = low - carry * TWO32;
    times[2 * i + 1] = h * 1e6 + carry;
    return;
  }
  setTimeBigInt(times, i, BigInt(Math.trunc(ms)) * 1000000n);
}

/** The largest millisecond count whose nanoseconds fit in uint64 (2^64 / 1e6, about the year 2554). */
const MAX_EXACT_MS = 18446744073709;

/** Parses a decimal uint64 string (OTLP/JSON) into the pair; returns false if it is not one. */
export function setTimeString(times: Uint32Array, i: number, s: string): boolean {
  if (!/^\d{1,20}$/.test(s)) return false;
  const v = BigInt(s);
  if (v > 0xffffffffffffffffn) return false;
  setTimeBigInt(times, i, v);
  return true;
}

export function nowNs(): bigint {
  return BigInt(Date.now()) * 1000000n;
}

/** Compares point i of a with point j of b: negative, zero or positive. */
export function compareTimes(a: Uint32Array, i: number, b: Uint32Array, j: number): number {
  const d = a[2 * i + 1] - b[2 * j + 1];
  return d !== 0 ? d : a[2 * i] - b[2 * j];
}
