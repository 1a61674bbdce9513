import { describe, expect, it } from 'vitest';
import { compareTimes, nsPairToMs, setTimeBigInt, setTimeMs, setTimeString, timeBigInt, timeMs, timeString } from './time.js';

describe('time pairs', () => {
  const cases: bigint[] = [0n, 1n, 999_999n, 1_000_000n, 1_700_000_000_123_456_789n, 0xffffffffffffffffn, 9_007_199_254_740_993n];
  it.each(cases)('round-trips %s exactly', (ns) => {
    const t = new Uint32Array(2);
    setTimeBigInt(t, 0, ns);
    expect(timeBigInt(t, 0)).toBe(ns);
    expect(timeString(t, 0)).toBe(ns.toString());
    expect(timeMs(t, 0)).toBe(Number(ns / 1_000_000n));
  });

  it('divides by 1e6 exactly at millisecond boundaries', () => {
    // 1_700_000_000_000_000_000 - 1 is a value where a naive double division rounds up.
    const ns = 1_700_000_000_000_000_000n - 1n;
    const t = new Uint32Array(2);
    setTimeBigInt(t, 0, ns);
    expect(nsPairToMs(t[0], t[1])).toBe(1_699_999_999_999);
  });

  it('sets from milliseconds and from decimal strings', () => {
    const t = new Uint32Array(4);
    setTimeMs(t, 0, 1_700_000_000_123);
    expect(timeBigInt(t, 0)).toBe(1_700_000_000_123_000_000n);
    expect(setTimeString(t, 1, '18446744073709551615')).toBe(true);
    expect(timeBigInt(t, 1)).toBe(0xffffffffffffffffn);
    expect(setTimeString(t, 1, '18446744073709551616')).toBe(false);
    expect(setTimeString(t, 1, '-1')).toBe(false);
    expect(compareTimes(t, 0, t, 1)).toBeLessThan(0);
  });
});

describe('setTimeMs', () => {
  const cases = [0, 1, 999, 4294967295, 4294967296, 1_700_000_000_123, 1_800_000_000_999, 9_007_199_254_740, 18446744073709];
  it.each(cases)('%s ms is exact without BigInt', (ms) => {
    const t = new Uint32Array(2);
    setTimeMs(t, 0, ms);
    expect(timeBigInt(t, 0)).toBe(BigInt(ms) * 1_000_000n);
  });
});
