import { HASH_SEED, fmix32, hashString } from '../../model/any-value.js';

/**
 * A consistent hash ring: each backend owns VIRTUAL_NODES points on a 32-bit
 * circle, and a key belongs to the backend of the first point at or after
 * the key's hash (wrapping round). The Collector's loadbalancing exporter
 * uses a ring of this kind too, with 100 positions per backend.
 *
 * Why a ring: when a backend joins, only keys that now fall on its points
 * move (to it); when one leaves, only its keys move (to the neighbours).
 * Every other key keeps its backend, so stateful second-tier processors
 * (deltatocumulative) keep their streams. Two first-tier replicas with the
 * same membership route every key the same way: positions depend only on
 * the endpoint strings, and key hashes only on content.
 *
 * With 100 points per backend the share of keys per backend stays within a
 * few percent of even for small rings (measured in ring.test.ts).
 */
export const VIRTUAL_NODES = 100;

export class HashRing {
  /** Point positions, ascending. */
  private readonly positions: Uint32Array;
  /** owner[i]: index in `members` of the backend at positions[i]. */
  private readonly owner: Uint16Array;

  /** `members` in any order; the ring sorts and de-duplicates them. */
  constructor(members: readonly string[]) {
    this.members = [...new Set(members)].sort();
    if (this.members.length > 0xffff) throw new Error('a hash ring holds at most 65535 backends');
    const pts: { pos: number; owner: number }[] = [];
    this.members.forEach((m, owner) => {
      for (let v = 0; v < VIRTUAL_NODES; v++) pts.push({ pos: positionOf(m, v), owner });
    });
    // Ties (vanishingly rare) break by endpoint name, so every replica builds the same ring.
    pts.sort((a, b) => a.pos - b.pos || (this.members[a.owner] < this.members[b.owner] ? -1 : 1));
    this.positions = Uint32Array.from(pts, (p) => p.pos);
    this.owner = Uint16Array.from(pts, (p) => p.owner);
  }

  /** Sorted, unique. */
  readonly members: readonly string[];

  get size(): number {
    return this.members.length;
  }

  /** The index in `members` of the backend owning a 32-bit key hash, or -1 for an empty ring. */
  indexOf(keyHash: number): number {
    const p = this.positions;
    if (p.length === 0) return -1;
    const k = keyHash >>> 0;
    let lo = 0;
    let hi = p.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (p[mid] < k) lo = mid + 1;
      else hi = mid;
    }
    return this.owner[lo === p.length ? 0 : lo];
  }

  /** The endpoint owning a key hash, or undefined for an empty ring. */
  memberOf(keyHash: number): string | undefined {
    const i = this.indexOf(keyHash);
    return i < 0 ? undefined : this.members[i];
  }
}

function positionOf(member: string, vnode: number): number {
  return fmix32(hashString(HASH_SEED, `${member}#${vnode}`));
}
