import { type IncomingHttpHeaders, createServer, request } from 'node:http';
import { gunzipSync } from 'node:zlib';
import { listenLocal, readBody } from '../../src/test-kit/local-server.js';

/**
 * A reverse proxy on 127.0.0.1 that forwards every request unchanged
 * (Host header included, so SigV4 signatures stay valid) to `upstream` and
 * keeps a copy: for tests that check what went over the wire as well as
 * what the destination made of it.
 */
export interface ProxiedRequest {
  readonly method: string;
  readonly url: string;
  readonly headers: IncomingHttpHeaders;
  /** The body, gunzipped when it was sent compressed. */
  readonly body: Buffer;
  readonly status: number;
}

export interface RecordingProxy {
  readonly url: string;
  readonly requests: ProxiedRequest[];
  close(): Promise<void>;
}

export async function startRecordingProxy(upstream: string): Promise<RecordingProxy> {
  const target = new URL(upstream);
  const requests: ProxiedRequest[] = [];
  const server = createServer((req, res) =>
    readBody(req, (raw) => {
      const out = request(
        { host: target.hostname, port: target.port, method: req.method, path: req.url, headers: req.headers },
        (up) => {
          const body: Buffer[] = [];
          up.on('data', (c: Buffer) => body.push(c));
          up.on('end', () => {
            const status = up.statusCode ?? 502;
            requests.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body: req.headers['content-encoding'] === 'gzip' ? gunzipSync(raw) : raw, status });
            res.writeHead(status, up.headers).end(Buffer.concat(body));
          });
        },
      );
      out.on('error', (err) => res.writeHead(502).end(String(err)));
      out.end(raw);
    }),
  );
  const { url, close } = await listenLocal(server);
  return { url, requests, close };
}
