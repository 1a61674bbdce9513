import { TributaryError } from '../../../errors/tributary-error.js';

/**
 * What an AWS SDK error means for a request to CloudWatch or CloudWatch
 * Logs: retry it later (throttling, 5xx, network, timeouts, credentials not
 * available yet, clock skew the SDK corrects on its own), or give it up
 * (any other 4xx: bad signature, access denied, invalid parameter). The
 * detail is AWS's own code and message, which is what operators search for.
 */

export type AwsVerdict =
  | { readonly kind: 'retry'; readonly reason: string; readonly detail: string }
  | { readonly kind: 'permanent'; readonly reason: string; readonly detail: string };

/** Error codes AWS SDKs treat as throttling (CloudWatch answers Throttling; Logs ThrottlingException). */
const THROTTLING = new Set([
  'Throttling',
  'ThrottlingException',
  'ThrottledException',
  'RequestThrottledException',
  'TooManyRequestsException',
  'RequestLimitExceeded',
  'RequestThrottled',
  'SlowDown',
  'BandwidthLimitExceeded',
  'PriorRequestNotComplete',
]);

const TRANSIENT = new Set(['ServiceUnavailable', 'ServiceUnavailableException', 'InternalFailure', 'InternalError', 'InternalServiceError', 'InternalServerError', 'RequestTimeout', 'RequestTimeoutException', 'OperationAbortedException']);

const CLOCK_SKEW = new Set(['RequestTimeTooSkewed', 'RequestExpired', 'RequestInTheFuture']);

const NETWORK = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'ECONNABORTED']);

interface SdkErrorShape {
  name?: string;
  message?: string;
  code?: string;
  Code?: string;
  $metadata?: { httpStatusCode?: number };
  $responseBodyText?: string;
  $response?: { body?: unknown };
}

/**
 * An error body the SDK could not read in its protocol (an AWS Query XML
 * error from a JSON endpoint, as proxies and emulators answer): its code and
 * message, so the error is still classified and reported by AWS's code.
 */
function unreadBody(e: SdkErrorShape): { code: string; message: string } | undefined {
  const body = e.$response?.body;
  const text = e.$responseBodyText ?? (typeof body === 'string' ? body : body instanceof Uint8Array ? Buffer.from(body.buffer, body.byteOffset, body.byteLength).toString('utf8') : undefined);
  if (text === undefined) return undefined;
  const xml = /<Code>([^<]+)<\/Code>/.exec(text);
  if (xml !== null) return { code: xml[1], message: /<Message>([^<]*)<\/Message>/.exec(text)?.[1] ?? text.slice(0, 200) };
  const json = /"__type"\s*:\s*"(?:[^"#]*#)?([^"]+)"/.exec(text);
  if (json !== null) return { code: json[1], message: /"message"\s*:\s*"([^"]*)"/i.exec(text)?.[1] ?? text.slice(0, 200) };
  return undefined;
}

/** The AWS error code of an SDK error (the Query code for awsQueryCompatible services), or its name. */
export function awsErrorCode(err: unknown): string {
  const e = err as SdkErrorShape;
  return e?.Code ?? unreadBody(e ?? {})?.code ?? e?.name ?? 'Error';
}

export function classifyAwsError(err: unknown): AwsVerdict {
  if (err instanceof TributaryError) return { kind: err.retryable ? 'retry' : 'permanent', reason: 'credentials', detail: `${err.code}: ${err.message}` };
  const e = (err ?? {}) as SdkErrorShape;
  const unread = e.Code === undefined ? unreadBody(e) : undefined;
  const code = unread?.code ?? awsErrorCode(err);
  const message = unread?.message ?? e.message ?? String(err);
  const status = e.$metadata?.httpStatusCode;
  const detail = `${code}${status !== undefined ? ` (HTTP ${status})` : ''}: ${message}`;
  if (code === 'CredentialsProviderError') return { kind: 'retry', reason: 'credentials', detail };
  if (THROTTLING.has(code) || status === 429) return { kind: 'retry', reason: 'throttled', detail };
  if (CLOCK_SKEW.has(code) || /Signature (expired|not yet current)/i.test(message)) return { kind: 'retry', reason: 'clock_skew', detail };
  if (TRANSIENT.has(code) || (status !== undefined && status >= 500)) return { kind: 'retry', reason: status !== undefined ? `http_${status}` : code, detail };
  if (code === 'TimeoutError' || code === 'AbortError' || e.code === 'ETIMEDOUT') return { kind: 'retry', reason: 'timeout', detail };
  if (status === undefined) {
    // No HTTP answer at all: the network, a proxy, DNS.
    if (e.code !== undefined && NETWORK.has(e.code)) return { kind: 'retry', reason: 'network', detail: `${e.code}: ${message}` };
    return { kind: 'retry', reason: 'network', detail };
  }
  return { kind: 'permanent', reason: code, detail };
}
