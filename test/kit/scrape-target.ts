import { type Server, createServer } from 'node:http';

/**
 * A scrape target whose /metrics page the test writes: `render(n)` gives
 * the text exposition for the n-th scrape (1, 2, ...), so every value is
 * known; `protobuf(n)`, when given, answers scrapers that accept the
 * protobuf exposition (Prometheus with native histograms on), as
 * varint-delimited io.prometheus.client.MetricFamily messages.
 * Listens on 127.0.0.1 on a free port; stopped by the test.
 */
export interface ScrapeTarget {
  /** host:port, as a Prometheus static target. */
  readonly address: string;
  scrapes(): number;
  stop(): Promise<void>;
}

const PROTOBUF = 'application/vnd.google.protobuf; proto=io.prometheus.client.MetricFamily; encoding=delimited';

export async function startScrapeTarget(render: (n: number) => string, protobuf?: (n: number) => Buffer): Promise<ScrapeTarget> {
  let n = 0;
  const server: Server = createServer((req, res) => {
    if (req.url?.split('?')[0] !== '/metrics') {
      res.writeHead(404).end();
      return;
    }
    n++;
    if (protobuf !== undefined && (req.headers.accept ?? '').includes('application/vnd.google.protobuf')) {
      res.writeHead(200, { 'content-type': PROTOBUF }).end(protobuf(n));
      return;
    }
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
