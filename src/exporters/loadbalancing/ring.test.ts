import { describe, expect, it } from 'vitest';
import { fmix32 } from '../../model/any-value.js';
import { HashRing } from './ring.js';

const keys = Array.from({ length: 20_000 }, (_, i) => fmix32(i * 2654435761));

function owners(ring: HashRing): string[] {
  return keys.map((k) => ring.memberOf(k)!);
}

describe('HashRing', () => {
  it('is empty without members', () => {
    expect(new HashRing([]).memberOf(42)).toBeUndefined();
  });

  it('spreads keys over every backend, none far from an even share', () => {
    const ring = new HashRing(['10.0.0.1:4317', '10.0.0.2:4317', '10.0.0.3:4317', '10.0.0.4:4317']);
    const counts = new Map<string, number>();
    for (const o of owners(ring)) counts.set(o, (counts.get(o) ?? 0) + 1);
    expect(counts.size).toBe(4);
    for (const n of counts.values()) expect(n / keys.length).toBeGreaterThan(0.15);
  });

  it('does not depend on the order members are listed in', () => {
    expect(owners(new HashRing(['b:1', 'a:1', 'c:1']))).toEqual(owners(new HashRing(['c:1', 'b:1', 'a:1', 'a:1'])));
  });

  it('moves only the keys of a backend that leaves, and only keys to a backend that joins', () => {
    const before = owners(new HashRing(['a:4317', 'b:4317', 'c:4317']));
    const without = owners(new HashRing(['a:4317', 'c:4317']));
    const withD = owners(new HashRing(['a:4317', 'b:4317', 'c:4317', 'd:4317']));
    let movedOut = 0;
    let movedIn = 0;
    const wrong: string[] = [];
    for (let i = 0; i < keys.length; i++) {
      if (before[i] !== without[i]) {
        if (before[i] !== 'b:4317') wrong.push(`key ${i} moved from ${before[i]} when b left`);
        movedOut++;
      }
      if (before[i] !== withD[i]) {
        if (withD[i] !== 'd:4317') wrong.push(`key ${i} moved to ${withD[i]} when d joined`);
        movedIn++;
      }
    }
    expect(wrong).toEqual([]);
    expect(movedOut).toBe(before.filter((o) => o === 'b:4317').length);
    // About a quarter of the keys go to the fourth backend.
    expect(movedIn / keys.length).toBeGreaterThan(0.15);
    expect(movedIn / keys.length).toBeLessThan(0.35);
  });
});
