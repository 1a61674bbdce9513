import { type Server, createServer } from 'node:http';

/**
 * A scrape target whose /metrics page the test writes: `render(n)` gives
 * the exposition for the n-th scrape (1, 2, ...), so every value is known.
 * Listens on 127.0.0.1 on a free port; stopped by the test.
 */
export interface ScrapeTarget {
  /** host:port, as a Prometheus static target. */
  readonly address: string;
  scrapes(): number;
  stop(): Promise<void>;
}

export async function startScrapeTarget(render: (n: number) => string): Promise<ScrapeTarget> {
  let n = 0;
  const server: Server = createServer((req, res) => {
    if (req.url?.split('?')[0] !== '/metrics') {
      res.writeHead(404).end();
      return;
    }
    n++;
    res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4; charset=utf-8' }).end(render(n));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const addr = server.address();
  const port = typeof addr === 'object' && addr !== null ? addr.port : 0;
  return {
    address: `127.0.0.1:${port}`,
    scrapes: () => n,
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
