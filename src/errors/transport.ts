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

/**
 * Answers for AWS Query-family APIs (the CloudWatch PutMetricData receiver
 * speaks AWS Query, AWS JSON 1.0 and Smithy RPC v2 CBOR, all with the Query
 * error vocabulary). An error that carries an `apiCode` answers with that
 * code and the status AWS uses for it; any other error is mapped from its
 * catalogue entry to the code AWS clients treat the same way: overload to
 * `Throttling` (400), which every AWS SDK retries with throttling backoff,
 * and outages to `ServiceUnavailable` (503), which they retry as transient.
 */
export interface AwsProtocolError {
  readonly error: TributaryError;
  readonly http: number;
  /** The AWS Query error code, as in `<Code>` and `x-amzn-query-error`. */
  readonly code: string;
  /** `Sender` for the caller's faults (4xx), `Receiver` for ours (5xx). */
  readonly fault: 'Sender' | 'Receiver';
  readonly message: string;
  readonly retryAfterMs: number | undefined;
}

/** HTTP statuses of the AWS error codes this gateway answers with (AWS API Reference, Common Errors). */
const AWS_CODE_STATUS: Readonly<Record<string, number>> = {
  IncompleteSignature: 400,
  InvalidAction: 400,
  InvalidClientTokenId: 403,
  InvalidParameterCombination: 400,
  InvalidParameterValue: 400,
  MalformedQueryString: 404,
  MissingAction: 400,
  MissingAuthenticationToken: 403,
  MissingParameter: 400,
  NoSuchVersion: 400,
  RequestEntityTooLarge: 413,
  SerializationException: 400,
  SignatureDoesNotMatch: 403,
  UnknownOperationException: 400,
  UnsupportedMediaType: 415,
};

const OVERLOAD: ReadonlySet<string> = new Set([Errors.QUEUE_FULL.code, Errors.RATE_LIMITED.code, Errors.MEMORY_LIMITED.code]);

export function toAwsError(err: unknown): AwsProtocolError {
  const e = asTributaryError(err);
  const retryAfterMs = e.retryable ? (e.retryAfterMs ?? DEFAULT_RETRY_AFTER_MS) : undefined;
  if (e.apiCode !== undefined) {
    const http = AWS_CODE_STATUS[e.apiCode] ?? (e.def.http === 0 ? 500 : e.def.http);
    return { error: e, http, code: e.apiCode, fault: http >= 500 ? 'Receiver' : 'Sender', message: e.message, retryAfterMs };
  }
  let http: number;
  let code: string;
  if (OVERLOAD.has(e.code)) [http, code] = [400, 'Throttling'];
  else if (e.retryable) [http, code] = [503, 'ServiceUnavailable'];
  else if (e.def === Errors.BODY_TOO_LARGE) [http, code] = [413, 'RequestEntityTooLarge'];
  else if (e.def === Errors.MEDIA_TYPE || e.def === Errors.ENCODING_UNSUPPORTED) [http, code] = [415, 'UnsupportedMediaType'];
  else if (e.def === Errors.UNAUTHENTICATED) [http, code] = [403, 'InvalidClientTokenId'];
  else if (e.def === Errors.FORBIDDEN) [http, code] = [403, 'AccessDenied'];
  else if (e.def.http >= 400 && e.def.http < 500) [http, code] = [400, 'InvalidParameterValue'];
  else [http, code] = [500, 'InternalFailure'];
  return { error: e, http, code, fault: http >= 500 ? 'Receiver' : 'Sender', message: `${e.code}: ${e.message}`, retryAfterMs };
}
