import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * Constant-time matching of presented secrets (tokens, passwords). Both
 * sides are first reduced to an HMAC-SHA256 under a key made at process
 * start, so every comparison is of 32 equal-length bytes, whatever the
 * lengths of the secrets: the time taken tells nothing about how much of a
 * guess was right, nor about the length of the real secret.
 */

const KEY = randomBytes(32);

export function digestOf(secret: string | Buffer): Buffer {
  return createHmac('sha256', KEY).update(secret).digest();
}

/** Whether two secrets are equal, in time independent of where they differ. */
export function secretEquals(a: string | Buffer, b: string | Buffer): boolean {
  return timingSafeEqual(digestOf(a), digestOf(b));
}

/**
 * A set of secrets, each with a value (the token's identity). `match`
 * compares the presented secret with every entry, with no early exit, so
 * its time depends only on how many entries there are, not on which one
 * matched or how close a wrong guess came.
 */
export class SecretSet<T> {
  private readonly digests: readonly Buffer[];
  private readonly values: readonly T[];

  constructor(
    entries: Iterable<readonly [string, T]>,
    private readonly equal: (a: Buffer, b: Buffer) => boolean = timingSafeEqual,
  ) {
    const d: Buffer[] = [];
    const v: T[] = [];
    for (const [secret, value] of entries) {
      d.push(digestOf(secret));
      v.push(value);
    }
    this.digests = d;
    this.values = v;
  }

  get size(): number {
    return this.digests.length;
  }

  match(presented: string): T | undefined {
    const p = digestOf(presented);
    let found = -1;
    for (let i = 0; i < this.digests.length; i++) {
      // equal() runs for every entry, before the test of found.
      if (this.equal(this.digests[i], p) && found < 0) found = i;
    }
    return found < 0 ? undefined : this.values[found];
  }
}
