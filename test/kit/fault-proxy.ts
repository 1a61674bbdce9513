import { createServer, request as httpRequest } from 'node:http';
import type { Socket } from 'node:net';

/**
 * A reverse proxy in front of a real receiver that injects faults on
 * command: answer the next requests with a given status (and headers),
 * answer 413 to bodies above a size, or be down (connections refused).
 * Everything else is forwarded. Every request is logged with its time,
 * size and the status it got.
 */
export interface ProxyLogEntry {
  readonly at: number;
  readonly bytes: number;
  readonly status: number;
  readonly injected: boolean;
}

export interface FaultProxy {
  readonly url: string;
  readonly port: number;
  readonly log: ProxyLogEntry[];
  /** The next `count` requests get `status` (with headers), without reaching the receiver. */
  failNext(count: number, status: number, headers?: Record<string, string>, body?: string): void;
  /** Bodies larger than `bytes` get 413 (0 turns it off). */
  rejectLargerThan(bytes: number): void;
  /** Down: the port is closed, connections are refused. */
  down(): Promise<void>;
  up(): Promise<void>;
  close(): Promise<void>;
}

export async function startFaultProxy(upstream: string, port = 0): Promise<FaultProxy> {
  const target = new URL(upstream);
  const log: ProxyLogEntry[] = [];
  let pending: { count: number; status: number; headers: Record<string, string>; body: string } | undefined;
  let maxBytes = 0;
  const sockets = new Set<Socket>();
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const at = Date.now();
      if (pending !== undefined && pending.count > 0) {
        pending.count--;
        const p = pending;
        if (p.count === 0) pending = undefined;
        log.push({ at, bytes: body.length, status: p.status, injected: true });
        res.writeHead(p.status, p.headers).end(p.body);
        return;
      }
      if (maxBytes > 0 && body.length > maxBytes) {
        log.push({ at, bytes: body.length, status: 413, injected: true });
        res.writeHead(413).end('request entity too large');
        return;
      }
      const up = httpRequest(
        { hostname: target.hostname, port: target.port, path: req.url, method: req.method, headers: { ...req.headers, host: target.host } },
        (ur) => {
          const out: Buffer[] = [];
          ur.on('data', (c: Buffer) => out.push(c));
          ur.on('end', () => {
            log.push({ at, bytes: body.length, status: ur.statusCode ?? 0, injected: false });
            res.writeHead(ur.statusCode ?? 502, ur.headers).end(Buffer.concat(out));
          });
        },
      );
      up.on('error', () => {
        log.push({ at, bytes: body.length, status: 502, injected: false });
        res.writeHead(502).end('upstream unreachable');
      });
      up.end(body);
    });
  });
  server.on('connection', (s: Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  const listen = (p: number) => new Promise<number>((resolve) => server.listen(p, '127.0.0.1', () => resolve((server.address() as { port: number }).port)));
  const bound = await listen(port);
  const closeServer = () =>
    new Promise<void>((resolve) => {
      for (const s of sockets) s.destroy();
      server.close(() => resolve());
    });
  return {
    url: `http://127.0.0.1:${bound}`,
    port: bound,
    log,
    failNext: (count, status, headers = {}, body = '') => {
      pending = { count, status, headers, body };
    },
    rejectLargerThan: (bytes) => {
      maxBytes = bytes;
    },
    down: closeServer,
    up: async () => {
      await listen(bound);
    },
    close: closeServer,
  };
}
