import { type IncomingMessage, type ServerResponse, createServer, request } from 'node:http';
import { type Socket, connect } from 'node:net';

/**
 * A tiny HTTP proxy for tests of HTTPS_PROXY / HTTP_PROXY handling. It
 * tunnels CONNECT requests and forwards absolute-URI requests, and counts
 * both by the "host:port" the client asked for.
 *
 * It only ever connects to 127.0.0.1, at the port asked for, whatever host
 * was named: a test can name an address nothing listens on (127.0.0.2) as
 * the "remote" server, so a request can only succeed if it went through
 * this proxy.
 */
export interface CountingProxy {
  /** http://127.0.0.1:port, for HTTPS_PROXY / HTTP_PROXY. */
  readonly url: string;
  /** host:port of every CONNECT tunnel opened, in order. */
  connects(): readonly string[];
  /** Absolute URIs of every forwarded plain-HTTP request, in order. */
  forwards(): readonly string[];
  close(): Promise<void>;
}

export async function startCountingProxy(): Promise<CountingProxy> {
  const connects: string[] = [];
  const forwards: string[] = [];
  const sockets = new Set<Socket>();
  const track = (s: Socket): void => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  };

  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    let target: URL;
    try {
      target = new URL(req.url ?? '');
    } catch {
      res.writeHead(400).end('absolute URI required');
      return;
    }
    forwards.push(target.href);
    const up = request(
      { host: '127.0.0.1', port: Number(target.port || 80), method: req.method, path: `${target.pathname}${target.search}`, headers: req.headers },
      (r) => {
        res.writeHead(r.statusCode ?? 502, r.headers);
        r.pipe(res);
      },
    );
    up.on('error', (e) => res.writeHead(502).end(String(e)));
    req.pipe(up);
  });
  server.on('connection', track);
  server.on('connect', (req: IncomingMessage, client: Socket, head: Buffer) => {
    const asked = req.url ?? '';
    connects.push(asked);
    const port = Number(/:(\d+)$/.exec(asked)?.[1] ?? 443);
    const up = connect(port, '127.0.0.1', () => {
      client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      if (head.length > 0) up.write(head);
      up.pipe(client);
      client.pipe(up);
    });
    track(up);
    up.on('error', () => client.destroy());
    client.on('error', () => up.destroy());
  });

  await new Promise<void>((res) => server.listen(0, '127.0.0.1', res));
  const addr = server.address();
  const port = typeof addr === 'object' && addr !== null ? addr.port : 0;
  return {
    url: `http://127.0.0.1:${port}`,
    connects: () => [...connects],
    forwards: () => [...forwards],
    close: () =>
      new Promise<void>((res) => {
        for (const s of sockets) s.destroy();
        server.close(() => res());
      }),
  };
}
