import { Errors } from './catalogue.js';
import { TributaryError, asTributaryError } from './tributary-error.js';

/**
 * The one place errors become protocol answers. Receivers call these and
 * nothing else decides a status: bad input 400 / INVALID_ARGUMENT, overload
 * 429 or 503 with Retry-After / RESOURCE_EXHAUSTED or UNAVAILABLE with
 * RetryInfo, auth 401/403 / UNAUTHENTICATED / PERMISSION_DENIED.
 */

/** Default advice when a retryable error carries no delay of its own. */
export const DEFAULT_RETRY_AFTER_MS = 1000;

export interface ProtocolError {
  readonly error: TributaryError;
  readonly http: number;
  readonly grpc: number;
  /** Set for retryable errors: how long the client should wait. */
  readonly retryAfterMs: number | undefined;
  readonly message: string;
}

export function toProtocolError(err: unknown): ProtocolError {
  const e = asTributaryError(err);
  const retryAfterMs = e.retryable ? (e.retryAfterMs ?? DEFAULT_RETRY_AFTER_MS) : undefined;
  // An exporter's retryable failure seen by a receiver means "downstream is unavailable".
  const http = e.def.http === 0 ? Errors.INTERNAL.http : e.def.http;
  return { error: e, http, grpc: e.def.grpc, retryAfterMs, message: `${e.code}: ${e.message}` };
}

/** Retry-After in whole seconds (RFC 9110 delay-seconds), at least 1. */
export function retryAfterHeader(ms: number): string {
  return String(Math.max(1, Math.ceil(ms / 1000)));
}

export { TributaryError };
