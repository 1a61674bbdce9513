import { describe, expect, it } from 'vitest';
import { SampleRing } from './sample-ring.js';

const s = (at: number, entries: Record<string, number>) => ({ at, values: new Map(Object.entries(entries)) });

describe('SampleRing', () => {
  it('has no rate until two samples some time apart', () => {
    const r = new SampleRing(3);
    expect(r.rate('a')).toBeUndefined();
    r.push(s(1000, { a: 5 }));
    expect(r.rate('a')).toBeUndefined();
    r.push(s(1000, { a: 9 }));
    expect(r.rate('a')).toBeUndefined();
  });

  it('computes the increase per second over the window and forgets the oldest sample', () => {
    const r = new SampleRing(3);
    r.push(s(0, { a: 0 }));
    r.push(s(5000, { a: 50 }));
    expect(r.rate('a')).toBe(10);
    r.push(s(10_000, { a: 100, b: 20 }));
    expect(r.rate('a')).toBe(10);
    expect(r.rate('b')).toBe(2); // absent in the oldest sample: counted from zero
    r.push(s(15_000, { a: 100, b: 20 }));
    expect(r.size).toBe(3);
    expect(r.windowSeconds()).toBe(10);
    expect(r.rate('a')).toBe(5);
    expect(r.rate('missing')).toBe(0);
  });

  it('reads a counter that went down as reset', () => {
    const r = new SampleRing(2);
    r.push(s(0, { a: 100 }));
    r.push(s(10_000, { a: 30 }));
    expect(r.rate('a')).toBe(3);
  });

  it('refuses a ring too small to give a rate', () => {
    expect(() => new SampleRing(1)).toThrow(/at least two/);
  });
});
