import { type Dispatcher, request } from 'undici';
import type { ClientAuthenticator } from '../../component/client-auth.js';

/**
 * One request to the upstream query API: the URL built from the base and
 * the caller's path and query, signed by the client authenticator, sent
 * with the configured timeout.
 */

/**
 * RFC 3986 percent-encoding of everything but the unreserved characters,
 * which is how SigV4's canonical query string encodes (AWS General
 * Reference, "Create a canonical request"). The query is sent in exactly
 * this form, so what the upstream receives is byte for byte what was signed;
 * the caller's own encoding (`+` for spaces, unescaped `*`) would be read
 * differently by an upstream that recomputes the signature.
 */
export function encodeRfc3986(s: string): string {
  return encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

/** A form-encoded query string (`a=1&b=x+y`), decoded and encoded again in the SigV4 form. */
export function canonicalQuery(raw: string): string {
  const parts: string[] = [];
  for (const [k, v] of new URLSearchParams(raw)) parts.push(`${encodeRfc3986(k)}=${encodeRfc3986(v)}`);
  return parts.join('&');
}

/** `base` (with its path, e.g. /workspaces/ws-1) + the API path + the query in canonical form. */
export function upstreamUrl(base: URL, path: string, rawQuery: string): URL {
  const u = new URL(base.href);
  u.pathname = `${base.pathname.replace(/\/+$/, '')}${path}`;
  const q = canonicalQuery(rawQuery);
  u.search = q === '' ? '' : `?${q}`;
  return u;
}

/** Caller headers that describe the request or the answer wanted; everything else (Authorization, cookies) stays here. */
const FORWARDED_HEADERS = ['content-type', 'accept', 'accept-encoding'] as const;

export function forwardedHeaders(incoming: Readonly<Record<string, string | string[] | undefined>>, hasBody: boolean): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of FORWARDED_HEADERS) {
    if (name === 'content-type' && !hasBody) continue;
    const v = incoming[name];
    if (v !== undefined) out[name] = Array.isArray(v) ? v.join(', ') : v;
  }
  return out;
}

export interface UpstreamRequest {
  readonly method: 'GET' | 'POST';
  readonly url: URL;
  readonly headers: Record<string, string>;
  readonly body: Buffer;
}

export type UpstreamFailure = { readonly kind: 'sign'; readonly error: unknown } | { readonly kind: 'timeout' } | { readonly kind: 'unreachable'; readonly detail: string };

export class UpstreamError extends Error {
  constructor(readonly failure: UpstreamFailure) {
    super(failure.kind);
  }
}

/** Signs (when an authenticator is set) and sends; the response body is left to the caller to stream. */
export async function sendUpstream(
  req: UpstreamRequest,
  o: { readonly dispatcher: Dispatcher; readonly auth: ClientAuthenticator | undefined; readonly timeoutMs: number },
): Promise<Dispatcher.ResponseData> {
  const headers = { ...req.headers };
  if (o.auth !== undefined) {
    try {
      Object.assign(headers, await o.auth.authorize({ method: req.method, url: req.url, headers: req.headers, body: req.body }));
    } catch (error) {
      throw new UpstreamError({ kind: 'sign', error });
    }
  }
  try {
    return await request(req.url, {
      dispatcher: o.dispatcher,
      method: req.method,
      headers,
      body: req.method === 'POST' ? req.body : undefined,
      headersTimeout: o.timeoutMs,
      bodyTimeout: o.timeoutMs,
      signal: AbortSignal.timeout(o.timeoutMs),
    });
  } catch (err) {
    const e = err as { name?: string; code?: string; message?: string; cause?: { code?: string; message?: string } };
    const code = e.code ?? e.cause?.code;
    if (e.name === 'TimeoutError' || e.name === 'AbortError' || code === 'UND_ERR_HEADERS_TIMEOUT' || code === 'UND_ERR_CONNECT_TIMEOUT') {
      throw new UpstreamError({ kind: 'timeout' });
    }
    throw new UpstreamError({ kind: 'unreachable', detail: code !== undefined ? `${code}${e.message ? `: ${e.message}` : ''}` : (e.message ?? String(err)) });
  }
}
