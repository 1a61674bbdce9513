import { describe, expect, it } from 'vitest';
import { RateLimiter } from './sender-pool.js';

describe('request-rate budget', () => {
  it('lets a second of burst through, then spaces requests one interval apart', () => {
    let now = 0;
    const r = new RateLimiter(4, () => now);
    expect([r.reserve(), r.reserve(), r.reserve(), r.reserve()]).toEqual([0, 0, 0, 0]);
    expect(r.reserve()).toBe(250);
    expect(r.reserve()).toBe(500);
    now = 1000; // four tokens came back; two were owed
    expect(r.reserve()).toBe(0);
    expect(r.reserve()).toBe(0);
    expect(r.reserve()).toBe(250);
  });

  it('has no limit at 0', () => {
    const r = new RateLimiter(0, () => 0);
    for (let i = 0; i < 1000; i++) expect(r.reserve()).toBe(0);
  });
});
