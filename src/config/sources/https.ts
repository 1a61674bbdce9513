import { Agent, request } from 'undici';
import { ConfigSourceError } from '../config-error.js';
import { type ConfigSource, MAX_CONFIG_BYTES, type SourceEnv, seconds, sourceTimeoutMs } from './source.js';

/**
 * `https://...`: the config is the body of a GET. Certificates are checked
 * against Node's roots plus NODE_EXTRA_CA_CERTS (Node reads that file at
 * process start, so a private CA is one environment variable away).
 *
 * `http://` is accepted only for loopback hosts (localhost, 127.0.0.0/8,
 * ::1), such as a sidecar serving configs: the config holds endpoints and
 * may hold secrets, and over plain HTTP anyone on the path could read or
 * replace it. Redirects are not followed: a config URL should be the final
 * one, and following could leave HTTPS.
 */
export function httpsSource(env: SourceEnv): ConfigSource {
  return {
    handles: (uri) => /^https?:\/\//i.test(uri),
    read: async (uri) => {
      let url: URL;
      try {
        url = new URL(uri);
      } catch {
        throw new ConfigSourceError(`--config ${uri}: not a valid URL`);
      }
      if (url.protocol === 'http:' && !isLoopback(url.hostname)) {
        throw new ConfigSourceError(`--config ${uri}: plain http:// is accepted only for loopback hosts (localhost, 127.0.0.1, ::1); use https://`);
      }
      const timeoutMs = sourceTimeoutMs(env);
      const dispatcher = new Agent({ connect: { timeout: timeoutMs }, headersTimeout: timeoutMs, bodyTimeout: timeoutMs });
      try {
        const res = await request(url, { method: 'GET', dispatcher, signal: AbortSignal.timeout(timeoutMs), headers: { accept: 'application/yaml, text/yaml, text/plain, */*' } });
        const text = await readLimited(res.body);
        if (res.statusCode >= 300 && res.statusCode < 400) {
          throw new ConfigSourceError(`--config ${uri}: HTTP ${res.statusCode} redirect to ${String(res.headers.location ?? '?')}; redirects are not followed, give the final URL`);
        }
        if (res.statusCode !== 200) throw new ConfigSourceError(`--config ${uri}: HTTP ${res.statusCode}${snippet(text)}`);
        return text;
      } catch (err) {
        if (err instanceof ConfigSourceError) throw err;
        throw new ConfigSourceError(`--config ${uri}: ${describeFetchError(err, timeoutMs)}`, err);
      } finally {
        void dispatcher.close();
      }
    },
  };
}

export function isLoopback(hostname: string): boolean {
  const h = hostname.replace(/^\[|\]$/g, '').toLowerCase();
  return h === 'localhost' || h === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(h);
}

async function readLimited(body: AsyncIterable<Buffer | Uint8Array> & { destroy(): void }): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    size += chunk.length;
    if (size > MAX_CONFIG_BYTES) {
      body.destroy();
      throw new ConfigSourceError(`the response is larger than ${MAX_CONFIG_BYTES} bytes, the most a config may be`);
    }
    chunks.push(Buffer.from(chunk));
  }
  return Buffer.concat(chunks).toString('utf8');
}

function snippet(text: string): string {
  const t = text.trim().replace(/\s+/g, ' ').slice(0, 200);
  return t === '' ? '' : `: ${t}`;
}

const TLS_CODES = new Set([
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'ERR_TLS_CERT_ALTNAME_INVALID',
]);

function describeFetchError(err: unknown, timeoutMs: number): string {
  const e = err as { name?: string; code?: string; message?: string; cause?: { code?: string; message?: string } };
  const code = e.code ?? e.cause?.code;
  if (e.name === 'TimeoutError' || e.name === 'AbortError' || code === 'UND_ERR_CONNECT_TIMEOUT' || code === 'UND_ERR_HEADERS_TIMEOUT' || code === 'UND_ERR_BODY_TIMEOUT') {
    return `timed out after ${seconds(timeoutMs)}`;
  }
  if (code !== undefined && TLS_CODES.has(code)) {
    return `TLS: the server's certificate is not trusted (${code}: ${e.message ?? e.cause?.message}); if it comes from a private CA, point NODE_EXTRA_CA_CERTS at the CA's PEM file`;
  }
  if (code !== undefined && /^ERR_SSL|^ERR_TLS|^EPROTO$/.test(code)) return `TLS handshake failed (${code}: ${e.message})`;
  if (code !== undefined) return `cannot reach the server (${code})`;
  return e.message ?? String(err);
}
