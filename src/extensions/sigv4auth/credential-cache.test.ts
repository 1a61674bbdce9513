import type { AwsCredentialIdentity } from '@smithy/types';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { TributaryError } from '../../errors/tributary-error.js';
import { CredentialCache } from './credential-cache.js';

const MIN = 60_000;

/** A provider under the test's control: each load() waits until the test settles it. */
class FakeProvider {
  calls = 0;
  private pending: { resolve: (c: AwsCredentialIdentity) => void; reject: (e: unknown) => void }[] = [];

  load = (): Promise<AwsCredentialIdentity> => {
    this.calls++;
    return new Promise((resolve, reject) => this.pending.push({ resolve, reject }));
  };

  get waiting(): number {
    return this.pending.length;
  }

  give(id: string, validForMs?: number): void {
    const p = this.pending.shift();
    if (p === undefined) throw new Error('no load is waiting');
    p.resolve({ accessKeyId: id, secretAccessKey: 's', ...(validForMs === undefined ? {} : { sessionToken: 't', expiration: new Date(Date.now() + validForMs) }) });
  }

  fail(message: string): void {
    const p = this.pending.shift();
    if (p === undefined) throw new Error('no load is waiting');
    p.reject(new Error(message));
  }
}

/** Lets pending promise callbacks run (fake timers do not block microtasks). */
const flush = () => vi.advanceTimersByTimeAsync(0);

describe('CredentialCache', () => {
  let provider: FakeProvider;
  let failures: { err: unknown; until: Date }[];
  let recoveries: number;
  let cache: CredentialCache;

  beforeEach(() => {
    vi.useFakeTimers({ now: new Date('2026-01-01T00:00:00Z') });
    provider = new FakeProvider();
    failures = [];
    recoveries = 0;
    cache = new CredentialCache({
      load: provider.load,
      onRefreshFailed: (err, until) => failures.push({ err, until }),
      onRecovered: () => recoveries++,
    });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('shares one load among concurrent callers', async () => {
    const all = Promise.all([cache.get(), cache.get(), cache.get()]);
    expect(provider.calls).toBe(1);
    provider.give('A', 60 * MIN);
    expect((await all).map((c) => c.accessKeyId)).toEqual(['A', 'A', 'A']);
  });

  it('keeps long-term credentials without reloading', async () => {
    const first = cache.get();
    provider.give('STATIC');
    await first;
    await vi.advanceTimersByTimeAsync(24 * 60 * MIN);
    expect((await cache.get()).accessKeyId).toBe('STATIC');
    expect(provider.calls).toBe(1);
  });

  it('serves cached credentials until 5 minutes before expiry, then refreshes in the background', async () => {
    const first = cache.get();
    provider.give('A', 60 * MIN);
    await first;

    await vi.advanceTimersByTimeAsync(54 * MIN);
    expect((await cache.get()).accessKeyId).toBe('A');
    expect(provider.calls).toBe(1);

    await vi.advanceTimersByTimeAsync(2 * MIN); // 4 minutes left: inside the refresh window
    const during = await cache.get();
    expect(during.accessKeyId).toBe('A'); // not held up by the refresh
    expect(provider.calls).toBe(2);
    expect((await cache.get()).accessKeyId).toBe('A'); // still one refresh
    expect(provider.calls).toBe(2);

    provider.give('B', 60 * MIN);
    await flush();
    expect((await cache.get()).accessKeyId).toBe('B');
  });

  it('keeps using valid credentials when a refresh fails, logs once, and retries after a pause', async () => {
    const first = cache.get();
    provider.give('A', 60 * MIN);
    await first;
    await vi.advanceTimersByTimeAsync(57 * MIN);

    expect((await cache.get()).accessKeyId).toBe('A');
    provider.fail('STS unreachable');
    await flush();
    expect(failures).toHaveLength(1);
    expect(String(failures[0].err)).toContain('STS unreachable');
    expect(failures[0].until.toISOString()).toBe('2026-01-01T01:00:00.000Z');

    // Within the pause: no new attempt, still the old credentials.
    expect((await cache.get()).accessKeyId).toBe('A');
    expect(provider.calls).toBe(2);

    await vi.advanceTimersByTimeAsync(6_000);
    expect((await cache.get()).accessKeyId).toBe('A');
    expect(provider.calls).toBe(3);
    provider.fail('STS still unreachable');
    await flush();
    expect(failures).toHaveLength(1); // logged once per failure streak

    await vi.advanceTimersByTimeAsync(6_000);
    await cache.get();
    provider.give('B', 60 * MIN);
    await flush();
    expect(recoveries).toBe(1);
    expect((await cache.get()).accessKeyId).toBe('B');
  });

  it('throws a retryable error when no valid credentials can be had, and does not retry at once', async () => {
    const first = cache.get();
    provider.fail('could not load credentials from any providers');
    const err = await first.catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TributaryError);
    expect((err as TributaryError).code).toBe('TRIB_ERR_AUTH_CREDENTIALS');
    expect((err as TributaryError).retryable).toBe(true);
    expect((err as TributaryError).message).toContain('could not load credentials from any providers');
    expect((err as TributaryError).retryAfterMs).toBeGreaterThan(0);

    await expect(cache.get()).rejects.toMatchObject({ code: 'TRIB_ERR_AUTH_CREDENTIALS' });
    expect(provider.calls).toBe(1);

    await vi.advanceTimersByTimeAsync(6_000);
    const again = cache.get();
    expect(provider.calls).toBe(2);
    provider.give('LATE', 60 * MIN);
    expect((await again).accessKeyId).toBe('LATE');
  });

  it('does not sign with credentials about to expire: callers wait for new ones', async () => {
    const first = cache.get();
    provider.give('A', 60 * MIN);
    await first;
    await vi.advanceTimersByTimeAsync(59 * MIN + 45_000); // 15 s left

    const next = cache.get();
    expect(provider.calls).toBe(2);
    provider.give('B', 60 * MIN);
    expect((await next).accessKeyId).toBe('B');
  });

  it('fails when the refresh fails after the credentials expired', async () => {
    const first = cache.get();
    provider.give('A', 10 * MIN);
    await first;
    await vi.advanceTimersByTimeAsync(6 * MIN); // refresh window
    await cache.get();
    provider.fail('IMDS timeout');
    await flush();
    await vi.advanceTimersByTimeAsync(4 * MIN); // expired now

    const late = cache.get();
    provider.fail('IMDS timeout');
    await expect(late).rejects.toMatchObject({ code: 'TRIB_ERR_AUTH_CREDENTIALS', retryable: true });
  });

  it('invalidate() makes the next caller load anew and drops a load that was running', async () => {
    const first = cache.get();
    provider.give('OLD');
    await first;

    const racing = cache.get(); // served from cache
    expect((await racing).accessKeyId).toBe('OLD');

    cache.invalidate();
    const next = cache.get();
    expect(provider.calls).toBe(2);
    cache.invalidate(); // the shared file changed again while loading
    const newest = cache.get();
    expect(provider.calls).toBe(3);
    provider.give('STALE');
    provider.give('NEW');
    expect((await next).accessKeyId).toBe('STALE'); // that caller gets what it waited for...
    expect((await newest).accessKeyId).toBe('NEW');
    expect(cache.peek()?.accessKeyId).toBe('NEW'); // ...but the stale load is not kept
    expect((await cache.get()).accessKeyId).toBe('NEW');
  });
});
