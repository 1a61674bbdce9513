import type { Dispatcher } from 'undici';
import { type ClientAuthenticator, saysCredentialsExpired } from '../../component/client-auth.js';
import { TributaryError, asTributaryError } from '../../errors/tributary-error.js';
import { post } from '../helper/http-client.js';
import { parseRetryAfter } from '../helper/retry.js';
import { VERSION } from '../../version.js';

/**
 * One remote-write POST and what its answer means, per the remote write
 * specification: 2xx done; 5xx, 429, timeouts and network errors retry
 * (honouring Retry-After); 413 means "split and resend"; any other 4xx will
 * never succeed.
 */
export type SendResult =
  | { readonly kind: 'ok'; readonly status: number }
  | { readonly kind: 'retry'; readonly reason: string; readonly afterMs: number | undefined; readonly detail: string }
  | { readonly kind: 'too_large'; readonly detail: string }
  | { readonly kind: 'permanent'; readonly status: number; readonly detail: string };

export interface TransportOptions {
  readonly url: URL;
  readonly headers: Readonly<Record<string, string>>;
  readonly timeoutMs: number;
  readonly dispatcher: Dispatcher;
  readonly auth: () => ClientAuthenticator | undefined;
}

export class RemoteWriteTransport {
  private readonly fixed: Record<string, string>;

  constructor(private readonly o: TransportOptions) {
    this.fixed = {
      ...Object.fromEntries(Object.entries(o.headers).map(([k, v]) => [k.toLowerCase(), v])),
      'content-encoding': 'snappy',
      'content-type': 'application/x-protobuf',
      'user-agent': `Tributary/${VERSION}`,
      'x-prometheus-remote-write-version': '0.1.0',
    };
  }

  async send(body: Buffer): Promise<SendResult> {
    const headers: Record<string, string> = { ...this.fixed };
    const auth = this.o.auth();
    if (auth !== undefined) {
      try {
        Object.assign(headers, await auth.authorize({ method: 'POST', url: this.o.url, headers, body }));
      } catch (err) {
        const e = asTributaryError(err);
        if (e.retryable) return { kind: 'retry', reason: 'credentials', afterMs: e.retryAfterMs, detail: e.message };
        return { kind: 'permanent', status: 0, detail: e.message };
      }
    }
    let res;
    try {
      res = await post(this.o.dispatcher, this.o.url, headers, body, this.o.timeoutMs);
    } catch (err) {
      const e = err as Error & { code?: string };
      const reason = e.name === 'TimeoutError' || e.code === 'UND_ERR_HEADERS_TIMEOUT' || e.code === 'UND_ERR_BODY_TIMEOUT' ? 'timeout' : 'network';
      return { kind: 'retry', reason, afterMs: undefined, detail: `${e.code ?? e.name}: ${e.message}` };
    }
    const s = res.status;
    const detail = `HTTP ${s}${res.bodyText ? `: ${res.bodyText.trim()}` : ''}`;
    if (s >= 200 && s < 300) return { kind: 'ok', status: s };
    if (s === 413) return { kind: 'too_large', detail };
    if (s === 429 || s >= 500 || s === 408) return { kind: 'retry', reason: `http_${s}`, afterMs: parseRetryAfter(res.headers['retry-after']), detail };
    // Expired temporary credentials (a session that outlived its refresh): load new ones and retry;
    // wrong credentials stay permanent.
    if (auth !== undefined && saysCredentialsExpired(s, res.bodyText ?? '')) {
      auth.credentialsExpired?.();
      return { kind: 'retry', reason: 'credentials_expired', afterMs: undefined, detail };
    }
    return { kind: 'permanent', status: s, detail };
  }
}

export { TributaryError };
