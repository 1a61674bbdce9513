import { createServer } from 'node:http';

/**
 * A remote-write receiver that does nothing with the data: it reads each
 * body and answers 204, so that on a small machine almost all CPU goes to
 * the process under test. GET /stats returns {requests, bytes}.
 * Usage: node null-sink.js <port>
 */
let requests = 0;
let bytes = 0;
const server = createServer((req, res) => {
  if (req.method === 'GET') {
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ requests, bytes }));
    return;
  }
  req.on('data', (d: Buffer) => (bytes += d.length));
  req.on('end', () => {
    requests++;
    res.writeHead(204).end();
  });
});
server.keepAliveTimeout = 60_000;
server.listen(Number(process.argv[2]), '127.0.0.1');
process.on('SIGTERM', () => server.close(() => process.exit(0)));
