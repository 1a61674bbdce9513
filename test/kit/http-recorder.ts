import { type IncomingHttpHeaders, createServer } from 'node:http';
import { listenLocal, readBody } from '../../src/test-kit/local-server.js';

/** An HTTP server on 127.0.0.1 that keeps every request it gets and answers with a set status. */
export interface RecordedRequest {
  readonly method: string;
  /** Path and query, as sent. */
  readonly url: string;
  readonly headers: IncomingHttpHeaders;
  readonly body: Buffer;
}

export interface HttpRecorder {
  readonly url: string;
  readonly requests: RecordedRequest[];
  /** The answer to later requests (default 200 with an empty body, at once). */
  respondWith(status: number, body?: string, headers?: Record<string, string>, delayMs?: number): void;
  close(): Promise<void>;
}

export async function startHttpRecorder(): Promise<HttpRecorder> {
  const requests: RecordedRequest[] = [];
  let answer = { status: 200, body: '', headers: {} as Record<string, string>, delayMs: 0 };
  const server = createServer((req, res) =>
    readBody(req, (body) => {
      requests.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body });
      const a = answer;
      if (a.delayMs > 0) setTimeout(() => res.writeHead(a.status, a.headers).end(a.body), a.delayMs);
      else res.writeHead(a.status, a.headers).end(a.body);
    }),
  );
  const { url, close } = await listenLocal(server);
  return {
    url,
    requests,
    respondWith: (status, body = '', headers = {}, delayMs = 0) => {
      answer = { status, body, headers, delayMs };
    },
    close,
  };
}
