import { describe, expect, it } from 'vitest';
import type { AuthInfo } from '../../component/component.js';
import { formatIssues } from '../../config/schema.js';
import { TributaryError } from '../../errors/tributary-error.js';
import { toProtocolError } from '../../errors/transport.js';
import { SelfMetrics } from '../../telemetry/self-metrics.js';
import { type Caller, RateLimiter, rateLimitSchema, validateRateLimit } from './rate-limit.js';
import { nodeServerTimeouts } from './server-settings.js';

/** A limiter on a hand-turned clock: no real time passes in these tests. */
function limiter(raw: object) {
  const clock = { now: 1_000_000 };
  const metrics = new SelfMetrics({ processMetrics: false });
  const config = rateLimitSchema.parse(raw);
  expect(validateRateLimit(config, 'rate_limit')).toEqual([]);
  const l = new RateLimiter('otlp', config, metrics, () => clock.now);
  const advance = (ms: number): void => {
    clock.now += ms;
  };
  return { l, advance, metrics };
}

/** 0 when admitted, else the Retry-After the refusal advertises (ms). */
function tryRequest(l: RateLimiter, key: string): number {
  try {
    l.admitRequest(key);
    return 0;
  } catch (err) {
    expect(err).toBeInstanceOf(TributaryError);
    expect((err as TributaryError).code).toBe('TRIB_ERR_LIMIT_RATE');
    return (err as TributaryError).retryAfterMs!;
  }
}

function tryPoints(l: RateLimiter, key: string, n: number): number {
  try {
    l.admitPoints(key, n);
    return 0;
  } catch (err) {
    return (err as TributaryError).retryAfterMs!;
  }
}

const caller = (address: string | undefined, attributes: Record<string, string> | undefined, headers: Record<string, string> = {}): Caller => ({
  address,
  auth: attributes === undefined ? undefined : ({ authenticator: 'a', subject: 's', attributes } satisfies AuthInfo),
  header: (n) => headers[n],
});

describe('request buckets', () => {
  it('admits the burst, then one request per 1/rate, with the wait as Retry-After', () => {
    const { l, advance } = limiter({ requests_per_second: 2, burst: 3 });
    expect([tryRequest(l, 'a'), tryRequest(l, 'a'), tryRequest(l, 'a')]).toEqual([0, 0, 0]);
    expect(tryRequest(l, 'a')).toBe(500);
    advance(499);
    expect(tryRequest(l, 'a')).toBe(1);
    advance(1);
    expect(tryRequest(l, 'a')).toBe(0);
    expect(tryRequest(l, 'a')).toBe(500);
  });

  it('one key over its limit does not affect another', () => {
    const { l } = limiter({ requests_per_second: 1 });
    expect(tryRequest(l, 'acme')).toBe(0);
    expect(tryRequest(l, 'acme')).toBeGreaterThan(0);
    expect(tryRequest(l, 'globex')).toBe(0);
  });

  it('refills up to the burst only', () => {
    const { l, advance } = limiter({ requests_per_second: 10, burst: 2 });
    advance(60_000);
    expect([tryRequest(l, 'a'), tryRequest(l, 'a'), tryRequest(l, 'a')]).toEqual([0, 0, 100]);
  });

  it('the default burst is one second of requests', () => {
    const { l } = limiter({ requests_per_second: 4 });
    expect([0, 1, 2, 3, 4].map(() => tryRequest(l, 'a'))).toEqual([0, 0, 0, 0, 250]);
  });

  it('overrides give some keys other limits', () => {
    const { l } = limiter({ requests_per_second: 1, overrides: { big: { requests_per_second: 3 } } });
    expect([0, 1, 2, 3].map(() => tryRequest(l, 'big'))).toEqual([0, 0, 0, 334]);
    expect([0, 1].map(() => tryRequest(l, 'small'))).toEqual([0, 1000]);
    expect([0, 1].map(() => tryRequest(l, 'constructor'))).toEqual([0, 1000]);
  });

  it('maps to 429 / RESOURCE_EXHAUSTED with Retry-After in whole seconds', () => {
    const { l } = limiter({ requests_per_second: 0.5 });
    tryRequest(l, 'a');
    let err: unknown;
    try {
      l.admitRequest('a');
    } catch (e) {
      err = e;
    }
    const p = toProtocolError(err);
    expect([p.http, p.grpc, p.retryAfterMs]).toEqual([429, 8, 2000]);
    expect(p.message).toBe('TRIB_ERR_LIMIT_RATE: client.address "a" is over its limit of 0.5 requests per second; retry in 2s');
  });
});

describe('data point buckets', () => {
  it('admits points up to the rate; a request larger than the burst passes on a full bucket and is paid back', () => {
    const { l, advance } = limiter({ data_points_per_second: 100, data_points_burst: 100 });
    expect(tryPoints(l, 'a', 60)).toBe(0);
    expect(tryPoints(l, 'a', 60)).toBe(200);
    advance(200);
    expect(tryPoints(l, 'a', 60)).toBe(0);
    advance(1_000);
    expect(tryPoints(l, 'a', 1_000)).toBe(0);
    expect(tryPoints(l, 'a', 1)).toBe(9_010);
  });

  it('request and point limits apply together', () => {
    const { l } = limiter({ requests_per_second: 100, data_points_per_second: 10 });
    expect(tryRequest(l, 'a')).toBe(0);
    expect(tryPoints(l, 'a', 10)).toBe(0);
    expect(tryRequest(l, 'a')).toBe(0);
    expect(tryPoints(l, 'a', 5)).toBe(500);
  });

  it('an empty request costs nothing', () => {
    const { l } = limiter({ data_points_per_second: 1 });
    expect(tryPoints(l, 'a', 1)).toBe(0);
    expect(tryPoints(l, 'a', 0)).toBe(0);
  });
});

describe('keys', () => {
  it.each([
    ['client.address', caller('10.0.0.1', { tenant: 'acme' }), '10.0.0.1'],
    ['auth.tenant', caller('10.0.0.1', { tenant: 'acme' }), 'acme'],
    ['auth.tenant, without auth: the address', caller('10.0.0.1', undefined), '10.0.0.1'],
    ['auth.tenant, attribute absent: the address', caller('10.0.0.1', { site: 'x' }), '10.0.0.1'],
    ['metadata.X-Scope-OrgID', caller('10.0.0.1', undefined, { 'x-scope-orgid': 'team-a' }), 'team-a'],
  ])('%s', (key, c, want) => {
    const { l } = limiter({ key: key.split(',')[0], requests_per_second: 1 });
    expect(l.keyOf(c)).toBe(want);
  });

  it('holds at most max_keys buckets, dropping the least recently used', () => {
    const { l } = limiter({ requests_per_second: 1, max_keys: 3 });
    for (const k of ['a', 'b', 'c']) tryRequest(l, k);
    expect(tryRequest(l, 'a')).toBeGreaterThan(0); // a is now the most recent
    tryRequest(l, 'd'); // drops b
    expect(l.size).toBe(3);
    expect(tryRequest(l, 'b')).toBe(0); // b starts again full (and drops c)
    expect(tryRequest(l, 'a')).toBeGreaterThan(0); // a kept its state
  });

  it('labels refusals by key for the first max_metric_keys keys, then "_other"', async () => {
    const { l, metrics } = limiter({ requests_per_second: 1, max_metric_keys: 2 });
    for (const k of ['t1', 't2', 't3', 't4']) {
      tryRequest(l, k);
      tryRequest(l, k);
    }
    tryRequest(l, 't1');
    const text = await metrics.text();
    const rows = text.split('\n').filter((r) => r.startsWith('tributary_receiver_rate_limited_requests_total{'));
    expect(rows.sort()).toEqual([
      'tributary_receiver_rate_limited_requests_total{receiver="otlp",key="_other",limit="requests"} 2',
      'tributary_receiver_rate_limited_requests_total{receiver="otlp",key="t1",limit="requests"} 2',
      'tributary_receiver_rate_limited_requests_total{receiver="otlp",key="t2",limit="requests"} 1',
    ]);
  });
});

describe('config', () => {
  it.each([
    ['no limit', {}, /rate_limit: set requests_per_second, data_points_per_second or both/],
    ['burst without a request rate', { data_points_per_second: 5, burst: 3 }, /rate_limit::burst: only applies with requests_per_second/],
    ['an override without a limit', { requests_per_second: 1, overrides: { a: {} } }, /rate_limit::overrides::a: set requests_per_second/],
    ['a zero rate', { requests_per_second: 0 }, /rate_limit::requests_per_second: must be more than 0/],
    ['an unknown key source', { key: 'tenant', requests_per_second: 1 }, /rate_limit::key: must be client.address, auth.<attribute> or metadata.<header>/],
  ])('%s', (_name, raw, message) => {
    const r = rateLimitSchema.safeParse(raw);
    const errors = r.success ? validateRateLimit(r.data, 'rate_limit') : formatIssues(r.error.issues, ['rate_limit'], raw);
    expect(errors.join('\n')).toMatch(message);
  });
});

describe('Node server timeouts from the confighttp settings', () => {
  it.each([
    ['the defaults', { read_timeout: 0, read_header_timeout: 60_000, idle_timeout: 60_000 }, { headersTimeout: 60_000, requestTimeout: 0, keepAliveTimeout: 60_000, connectionsCheckingInterval: 15_000 }],
    ['zero header and idle take read_timeout', { read_timeout: 10_000, read_header_timeout: 0, idle_timeout: 0 }, { headersTimeout: 10_000, requestTimeout: 10_000, keepAliveTimeout: 10_000, connectionsCheckingInterval: 2_500 }],
    ['a header timeout longer than read_timeout is cut to it', { read_timeout: 5_000, read_header_timeout: 60_000, idle_timeout: 1_000 }, { headersTimeout: 5_000, requestTimeout: 5_000, keepAliveTimeout: 1_000, connectionsCheckingInterval: 1_250 }],
    ['all zero: no limits', { read_timeout: 0, read_header_timeout: 0, idle_timeout: 0 }, { headersTimeout: 0, requestTimeout: 0, keepAliveTimeout: 0, connectionsCheckingInterval: 15_000 }],
    ['short timeouts are checked often, not more than every 100ms', { read_timeout: 0, read_header_timeout: 200, idle_timeout: 60_000 }, { headersTimeout: 200, requestTimeout: 0, keepAliveTimeout: 60_000, connectionsCheckingInterval: 100 }],
  ])('%s', (_name, s, want) => {
    expect(nodeServerTimeouts(s)).toEqual(want);
  });
});
