import { duration } from '../../config/schema.js';
import { type RateLimitConfig, rateLimitSchema, validateRateLimit } from './rate-limit.js';

/**
 * Protection settings every receiver's server config includes, so that each
 * HTTP receiver offers the same keys with the same defaults:
 *
 * - the Collector's confighttp timeouts, with its defaults: read_header_timeout
 *   (1m; slow-header clients are cut off), idle_timeout (1m; keep-alive
 *   connections closed after that long without a request), read_timeout
 *   (0: no limit on reading a whole request). As in Go's net/http, a zero
 *   read_header_timeout or idle_timeout takes read_timeout's value;
 * - rate_limit (Tributary): per-tenant or per-address token buckets.
 *
 * Spread into a receiver's `section({...})`; gRPC servers take only rate_limit.
 */
export const httpServerSettings = {
  read_timeout: duration('0s'),
  read_header_timeout: duration('1m'),
  idle_timeout: duration('1m'),
  rate_limit: rateLimitSchema.optional(),
};

export const grpcServerSettings = {
  rate_limit: rateLimitSchema.optional(),
};

export interface HttpServerSettings {
  readonly read_timeout: number;
  readonly read_header_timeout: number;
  readonly idle_timeout: number;
  readonly rate_limit?: RateLimitConfig;
}

/** Cross-field checks of the settings, with paths relative to the receiver's section. */
export function validateServerSettings(c: { readonly rate_limit?: RateLimitConfig }, path = ''): string[] {
  return validateRateLimit(c.rate_limit, `${path}rate_limit`);
}

/** Node's server timeouts for the settings (milliseconds; 0 is no limit). */
export interface NodeServerTimeouts {
  readonly headersTimeout: number;
  readonly requestTimeout: number;
  readonly keepAliveTimeout: number;
  /** How often Node checks connections against the two timeouts above (its default, 30s, is too coarse for short ones). */
  readonly connectionsCheckingInterval: number;
}

export function nodeServerTimeouts(s: Pick<HttpServerSettings, 'read_timeout' | 'read_header_timeout' | 'idle_timeout'>): NodeServerTimeouts {
  const requestTimeout = s.read_timeout;
  let headersTimeout = s.read_header_timeout > 0 ? s.read_header_timeout : requestTimeout;
  // Node refuses a header timeout longer than the whole-request timeout; reading the whole request bounds the headers anyway.
  if (requestTimeout > 0 && headersTimeout > requestTimeout) headersTimeout = requestTimeout;
  const keepAliveTimeout = s.idle_timeout > 0 ? s.idle_timeout : requestTimeout;
  const shortest = Math.min(...[headersTimeout, requestTimeout].filter((t) => t > 0), 60_000);
  const connectionsCheckingInterval = Math.min(30_000, Math.max(100, Math.floor(shortest / 4)));
  return { headersTimeout, requestTimeout, keepAliveTimeout, connectionsCheckingInterval };
}
