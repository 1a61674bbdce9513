import { readFileSync } from 'node:fs';
import { Agent, type Dispatcher, EnvHttpProxyAgent, request } from 'undici';
import type { ClientTlsConfig } from '../../config/tls.js';

/**
 * The HTTP client exporters send with: keep-alive connections (undici),
 * TLS settings from config (ca_file, client certificate, insecure_skip_verify,
 * server_name_override), and the proxy environment variables every HTTP
 * client honours (HTTPS_PROXY, HTTP_PROXY, NO_PROXY).
 */
export interface HttpClientOptions {
  readonly tls?: ClientTlsConfig;
  /** Connections per origin. */
  readonly connections: number;
  readonly env?: Readonly<Record<string, string | undefined>>;
}

export function createDispatcher(o: HttpClientOptions): Dispatcher {
  const t = o.tls;
  const connect = {
    ca: t?.ca_file !== undefined ? readFileSync(t.ca_file) : undefined,
    cert: t?.cert_file !== undefined ? readFileSync(t.cert_file) : undefined,
    key: t?.key_file !== undefined ? readFileSync(t.key_file) : undefined,
    rejectUnauthorized: !(t?.insecure_skip_verify ?? false),
    servername: t?.server_name_override,
    minVersion: t?.min_version === '1.3' ? ('TLSv1.3' as const) : ('TLSv1.2' as const),
  };
  const env = o.env ?? process.env;
  const proxied = ['HTTPS_PROXY', 'https_proxy', 'HTTP_PROXY', 'http_proxy'].some((k) => (env[k] ?? '') !== '');
  const common = { connections: o.connections, keepAliveTimeout: 30_000, pipelining: 1 };
  if (proxied) {
    return new EnvHttpProxyAgent({
      ...common,
      connect,
      httpProxy: env.HTTP_PROXY ?? env.http_proxy,
      httpsProxy: env.HTTPS_PROXY ?? env.https_proxy,
      noProxy: env.NO_PROXY ?? env.no_proxy,
    });
  }
  return new Agent({ ...common, connect });
}

export interface HttpResponse {
  readonly status: number;
  readonly headers: Record<string, string | string[] | undefined>;
  /** At most the first 1 KiB of the body, for error messages. */
  readonly bodyText: string;
}

/** POSTs a body; network errors and timeouts reject (the caller treats them as retryable). */
export async function post(dispatcher: Dispatcher, url: URL, headers: Record<string, string>, body: Uint8Array, timeoutMs: number): Promise<HttpResponse> {
  const res = await request(url, {
    dispatcher,
    method: 'POST',
    headers,
    body,
    headersTimeout: timeoutMs,
    bodyTimeout: timeoutMs,
    signal: AbortSignal.timeout(timeoutMs),
  });
  let text = '';
  if (res.statusCode >= 300) {
    const buf = Buffer.from(await res.body.arrayBuffer());
    text = buf.subarray(0, 1024).toString('utf8');
  } else {
    await res.body.dump();
  }
  return { status: res.statusCode, headers: res.headers, bodyText: text };
}
