import type { Attributes } from '../../model/attributes.js';

/**
 * Tag sets by their raw line protocol text, across requests. An agent sends
 * the same series every interval, so in steady state a tag set costs one
 * map lookup instead of a parse, a sort check and an intern. Bounded: two
 * generations of `capacity` entries; a set in steady use is promoted on each
 * hit and survives the rotation that drops the rest.
 */
export class TagSetCache {
  private current = new Map<string, Attributes>();
  private previous = new Map<string, Attributes>();

  constructor(private readonly capacity = 1 << 15) {}

  get(raw: string): Attributes | undefined {
    const hit = this.current.get(raw);
    if (hit !== undefined) return hit;
    const old = this.previous.get(raw);
    if (old !== undefined) this.set(raw, old);
    return old;
  }

  /** Keeps `raw` with a copy of its text: a substring would pin the whole request body. */
  set(raw: string, attrs: Attributes): void {
    if (this.current.size >= this.capacity) {
      this.previous = this.current;
      this.current = new Map();
    }
    this.current.set(ownCopy(raw), attrs);
  }

  get size(): number {
    return this.current.size + this.previous.size;
  }
}

/** A string that shares no storage with its source (V8 keeps longer substrings as slices of the parent). */
function ownCopy(s: string): string {
  return s.length < 13 ? s : (JSON.parse(JSON.stringify(s)) as string);
}
