import type { AuthInfo } from '../../component/component.js';
import { int, section, z } from '../../config/schema.js';
import { Errors } from '../../errors/catalogue.js';
import { TributaryError } from '../../errors/tributary-error.js';
import type { SelfMetrics } from '../../telemetry/self-metrics.js';

/**
 * Per-caller rate limits for receivers: token buckets of requests and of
 * data points, one pair per key (a tenant from the credential, or the client
 * address). A caller over its limit is answered 429 / RESOURCE_EXHAUSTED
 * with Retry-After set to when its bucket will allow the request; other
 * keys are not affected.
 *
 * Bounds: at most `max_keys` buckets are held; beyond that the least recently
 * used one is dropped (it is the idlest, and a dropped key starts again with
 * a full bucket, which errs towards letting data in). Refusals are counted
 * per key, but only the first `max_metric_keys` keys get a label of their
 * own; the rest share the label "_other", so a flood of addresses cannot
 * blow up the gateway's own metrics.
 */

const rate = (what: string) => z.number({ error: `must be a number of ${what} per second` }).positive({ message: 'must be more than 0' }).optional();

const limitsShape = {
  requests_per_second: rate('requests'),
  /** Requests allowed at once after an idle spell; default: one second's worth (at least 1). */
  burst: int(undefined, 1),
  data_points_per_second: rate('data points'),
  /** Data points allowed at once; default: one second's worth. A single request larger than this passes when the bucket is full, and is paid back before the next. */
  data_points_burst: int(undefined, 1),
};

export const rateLimitSchema = section({
  /** `client.address`, `auth.<attribute>` (for example auth.tenant) or `metadata.<header>`. */
  key: z
    .string({ error: 'must be a string' })
    .default('client.address')
    .refine((k) => parseKey(k) !== undefined, { message: 'must be client.address, auth.<attribute> or metadata.<header> (for example auth.tenant)' }),
  ...limitsShape,
  /** Other limits for some key values (a tenant that may send more). Keys not listed get the limits above. */
  overrides: z.record(z.string(), section(limitsShape), { error: 'must be a map from key value to limits' }).default({}),
  max_keys: int(10_000, 1),
  max_metric_keys: int(50, 0),
});
export type RateLimitConfig = z.infer<typeof rateLimitSchema>;
type Limits = Pick<RateLimitConfig, keyof typeof limitsShape>;

export function validateRateLimit(c: RateLimitConfig | undefined, path: string): string[] {
  if (c === undefined) return [];
  const out: string[] = [];
  const check = (l: Limits, at: string): void => {
    if (l.requests_per_second === undefined && l.data_points_per_second === undefined) out.push(`${at}: set requests_per_second, data_points_per_second or both`);
    if (l.burst !== undefined && l.requests_per_second === undefined) out.push(`${at}::burst: only applies with requests_per_second`);
    if (l.data_points_burst !== undefined && l.data_points_per_second === undefined) out.push(`${at}::data_points_burst: only applies with data_points_per_second`);
  };
  check(c, path);
  for (const [k, l] of Object.entries(c.overrides)) check(l, `${path}::overrides::${k}`);
  return out;
}

type KeySpec = { readonly from: 'address' } | { readonly from: 'auth' | 'metadata'; readonly name: string };

function parseKey(k: string): KeySpec | undefined {
  if (k === 'client.address') return { from: 'address' };
  const m = /^(auth|metadata)\.(.+)$/.exec(k);
  if (m === null) return undefined;
  return m[1] === 'auth' ? { from: 'auth', name: m[2] } : { from: 'metadata', name: m[2].toLowerCase() };
}

/** What a key is taken from: the request as the receiver saw it. */
export interface Caller {
  readonly address: string | undefined;
  readonly auth: AuthInfo | undefined;
  /** A request header (HTTP) or metadata entry (gRPC), by lower-case name. */
  header(name: string): string | undefined;
}

class Bucket {
  private tokens: number;
  private at: number;

  constructor(
    private readonly perSecond: number,
    private readonly burst: number,
    now: number,
  ) {
    this.tokens = burst;
    this.at = now;
  }

  /**
   * Takes `n` if the bucket holds min(n, burst); returns 0 then, or the
   * milliseconds until it will. Taking may leave the bucket in debt (n > burst).
   */
  take(n: number, now: number): number {
    this.tokens = Math.min(this.burst, this.tokens + ((now - this.at) / 1000) * this.perSecond);
    this.at = now;
    const need = Math.min(n, this.burst);
    if (this.tokens >= need) {
      this.tokens -= n;
      return 0;
    }
    // Less a hair, so that floating-point dust does not add a millisecond.
    return Math.max(1, Math.ceil(((need - this.tokens) / this.perSecond) * 1000 - 1e-6));
  }
}

interface Entry {
  readonly requests: Bucket | undefined;
  readonly points: Bucket | undefined;
  readonly limits: Limits;
}

export class RateLimiter {
  private readonly spec: KeySpec;
  private readonly entries = new Map<string, Entry>();
  private readonly labelled = new Set<string>();

  constructor(
    private readonly receiver: string,
    private readonly config: RateLimitConfig,
    private readonly metrics: SelfMetrics,
    private readonly now: () => number = () => performance.now(),
  ) {
    this.spec = parseKey(config.key)!;
  }

  /** The bucket key of a caller; the client address when the configured key is absent from the request. */
  keyOf(c: Caller): string {
    let v: string | undefined;
    if (this.spec.from === 'auth') v = c.auth?.attributes[this.spec.name];
    else if (this.spec.from === 'metadata') v = c.header(this.spec.name);
    if (v !== undefined && v !== '') return v;
    return c.address ?? '';
  }

  /** Admits one request of `key`, or throws TRIB_ERR_LIMIT_RATE with the delay after which it would pass. */
  admitRequest(key: string): void {
    const e = this.entry(key);
    if (e.requests === undefined) return;
    const wait = e.requests.take(1, this.now());
    if (wait > 0) this.refuse(key, 'requests', `${e.limits.requests_per_second} requests per second`, wait);
  }

  /** Admits `n` data points of `key` (after decoding), or throws as admitRequest does. */
  admitPoints(key: string, n: number): void {
    if (n <= 0) return;
    const e = this.entry(key);
    if (e.points === undefined) return;
    const wait = e.points.take(n, this.now());
    if (wait > 0) this.refuse(key, 'data_points', `${e.limits.data_points_per_second} data points per second`, wait);
  }

  /** Keys held now (bounded by max_keys). */
  get size(): number {
    return this.entries.size;
  }

  private entry(key: string): Entry {
    let e = this.entries.get(key);
    if (e !== undefined) {
      // Most recently used last: the first entry is the one to drop.
      this.entries.delete(key);
      this.entries.set(key, e);
      return e;
    }
    if (this.entries.size >= this.config.max_keys) this.entries.delete(this.entries.keys().next().value!);
    const limits = Object.hasOwn(this.config.overrides, key) ? this.config.overrides[key] : this.config;
    const now = this.now();
    const rps = limits.requests_per_second;
    const pps = limits.data_points_per_second;
    e = {
      limits,
      requests: rps === undefined ? undefined : new Bucket(rps, limits.burst ?? Math.max(1, Math.ceil(rps)), now),
      points: pps === undefined ? undefined : new Bucket(pps, limits.data_points_burst ?? Math.max(1, Math.ceil(pps)), now),
    };
    this.entries.set(key, e);
    return e;
  }

  private refuse(key: string, limit: 'requests' | 'data_points', what: string, waitMs: number): never {
    this.metrics.receiverRateLimited.inc({ receiver: this.receiver, key: this.label(key), limit });
    throw new TributaryError(Errors.RATE_LIMITED, `${this.config.key} "${key}" is over its limit of ${what}; retry in ${Math.ceil(waitMs / 1000)}s`, {
      retryAfterMs: waitMs,
    });
  }

  private label(key: string): string {
    if (this.labelled.has(key)) return key;
    if (this.labelled.size < this.config.max_metric_keys) {
      this.labelled.add(key);
      return key;
    }
    return '_other';
  }
}
