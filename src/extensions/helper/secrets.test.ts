import { timingSafeEqual } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { SecretSet, digestOf, secretEquals } from './secrets.js';

describe('secretEquals', () => {
  const cases: [string, string, boolean][] = [
    ['same', 'same', true],
    ['same', 'samf', false],
    ['short', 'a much longer secret', false],
    ['', '', true],
    ['', 'x', false],
    ['prefix', 'prefix-and-more', false],
    ['naïve', 'naïve', true],
  ];
  it.each(cases)('%j vs %j -> %s', (a, b, want) => {
    expect(secretEquals(a, b)).toBe(want);
  });

  it('compares fixed-size digests, whatever the secret lengths', () => {
    expect(digestOf('a').length).toBe(32);
    expect(digestOf('x'.repeat(10_000)).length).toBe(32);
  });
});

describe('SecretSet', () => {
  const entries: [string, string][] = [
    ['alpha-token', 'a'],
    ['bravo-token', 'b'],
    ['charlie-token', 'c'],
  ];

  it.each([
    ['alpha-token', 'a'],
    ['charlie-token', 'c'],
    ['charlie-toke', undefined],
    ['charlie-token ', undefined],
    ['', undefined],
  ])('match(%j) -> %s', (presented, want) => {
    expect(new SecretSet(entries).match(presented)).toBe(want);
  });

  it.each(['alpha-token', 'bravo-token', 'charlie-token', 'nobody', 'a'])('compares %j with every entry, whichever matches', (presented) => {
    const calls: number[] = [];
    const counting = (a: Buffer, b: Buffer): boolean => {
      calls.push(a.length, b.length);
      return timingSafeEqual(a, b);
    };
    new SecretSet(entries, counting).match(presented);
    expect(calls).toEqual([32, 32, 32, 32, 32, 32]);
  });

  it('keeps the first of equal secrets (callers refuse duplicates before)', () => {
    expect(new SecretSet([['t', 1], ['t', 2]]).match('t')).toBe(1);
  });
});
