import type { AwsCredentialIdentity } from '@smithy/types';
import { Errors } from '../../errors/catalogue.js';
import { TributaryError } from '../../errors/tributary-error.js';

/**
 * Holds the current AWS credentials for the signing path and refreshes them
 * ahead of expiry, so that a request almost never waits for STS or IMDS:
 *
 * - fresh (no expiry, or more than `refreshBeforeMs` left): returned as is;
 * - in the refresh window but still valid: returned at once while one
 *   background refresh runs; if that refresh fails the old credentials stay
 *   in use (logged once per failure streak) and it is tried again after
 *   `retryAfterMs`;
 * - missing or expired: callers wait for the refresh; concurrent callers
 *   share it. If it fails they get a retryable TRIB_ERR_AUTH_CREDENTIALS,
 *   and for `retryAfterMs` later callers get the same error without a new
 *   attempt, so a burst of exports cannot hammer STS or IMDS.
 *
 * `invalidate()` forgets everything (the shared files changed); a load that
 * was running then is not stored.
 */

export interface CredentialCacheOptions {
  /** Fetches new credentials (the SDK provider chain); called only from here. */
  readonly load: () => Promise<AwsCredentialIdentity>;
  /** Refresh this long before expiry (the SDK's own window is 5 minutes). */
  readonly refreshBeforeMs?: number;
  /** Credentials with less than this left are not used at all (clock skew, request time). */
  readonly minValidityMs?: number;
  /** Pause after a failed load before the next attempt. */
  readonly retryAfterMs?: number;
  /** Told once per failure streak when a refresh fails and older credentials remain in use. */
  readonly onRefreshFailed?: (err: unknown, validUntil: Date) => void;
  /** Told when a load succeeds after failures. */
  readonly onRecovered?: (creds: AwsCredentialIdentity) => void;
}

export class CredentialCache {
  private current: AwsCredentialIdentity | undefined;
  private inflight: Promise<AwsCredentialIdentity> | undefined;
  private generation = 0;
  private lastError: unknown;
  private nextAttemptAt = 0;
  private failing = false;
  private readonly refreshBeforeMs: number;
  private readonly minValidityMs: number;
  private readonly retryAfterMs: number;

  constructor(private readonly opts: CredentialCacheOptions) {
    this.refreshBeforeMs = opts.refreshBeforeMs ?? 5 * 60_000;
    this.minValidityMs = opts.minValidityMs ?? 30_000;
    this.retryAfterMs = opts.retryAfterMs ?? 5_000;
  }

  /** The credentials to sign with now. Throws a retryable TributaryError when there are none. */
  get(): Promise<AwsCredentialIdentity> {
    const c = this.current;
    if (c !== undefined) {
      const exp = c.expiration;
      if (exp === undefined) return Promise.resolve(c);
      const left = exp.getTime() - Date.now();
      if (left > this.refreshBeforeMs) return Promise.resolve(c);
      if (left > this.minValidityMs) {
        if (this.inflight === undefined && Date.now() >= this.nextAttemptAt) this.refresh().catch(() => undefined);
        return Promise.resolve(c);
      }
    }
    if (this.inflight !== undefined) return this.inflight;
    if (Date.now() < this.nextAttemptAt) return Promise.reject(this.unavailable(this.lastError));
    return this.refresh();
  }

  /** Forgets the credentials and any pause after failure; the next get() loads anew. */
  invalidate(): void {
    this.current = undefined;
    this.inflight = undefined;
    this.nextAttemptAt = 0;
    this.generation++;
  }

  /** The credentials held now, if any (for logging and tests). */
  peek(): AwsCredentialIdentity | undefined {
    return this.current;
  }

  private refresh(): Promise<AwsCredentialIdentity> {
    // finally() runs asynchronously, so `p` is assigned before it is compared.
    const p: Promise<AwsCredentialIdentity> = this.load(this.generation).finally(() => {
      if (this.inflight === p) this.inflight = undefined;
    });
    this.inflight = p;
    return p;
  }

  private async load(gen: number): Promise<AwsCredentialIdentity> {
    try {
      const creds = await this.opts.load();
      if (gen === this.generation) {
        this.current = creds;
        this.nextAttemptAt = 0;
        if (this.failing) {
          this.failing = false;
          this.opts.onRecovered?.(creds);
        }
      }
      return creds;
    } catch (err) {
      if (gen !== this.generation) throw this.unavailable(err);
      this.lastError = err;
      this.nextAttemptAt = Date.now() + this.retryAfterMs;
      const old = this.current;
      const stillValid = old?.expiration !== undefined && old.expiration.getTime() - Date.now() > this.minValidityMs;
      if (stillValid && !this.failing) this.opts.onRefreshFailed?.(err, old.expiration!);
      this.failing = true;
      if (stillValid) return old;
      throw this.unavailable(err);
    }
  }

  private unavailable(err: unknown): TributaryError {
    if (err instanceof TributaryError) return err;
    const why = err instanceof Error ? err.message : String(err);
    const retryAfterMs = Math.max(0, this.nextAttemptAt - Date.now()) || this.retryAfterMs;
    return new TributaryError(Errors.AUTH_CREDENTIALS, `no valid AWS credentials for SigV4 signing: ${why}`, { cause: err, retryAfterMs });
  }
}
