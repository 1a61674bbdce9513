import { createServer } from 'node:http';

/**
 * A no-op CloudWatch endpoint for benchmarks, run as its own process so its
 * CPU is not counted: it takes each AWS JSON 1.0 request whole and answers
 * success (`{}`), as CloudWatch does to PutMetricData, without reading it.
 * GET /stats returns {requests, bytes}.
 * Usage: node cw-sink.js <port>
 */
let requests = 0;
let bytes = 0;

const server = createServer((req, res) => {
  if (req.method === 'GET') {
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify({ requests, bytes }));
    return;
  }
  req.on('data', (c: Buffer) => (bytes += c.length));
  req.on('end', () => {
    requests++;
    res.writeHead(200, { 'content-type': 'application/x-amz-json-1.0', 'x-amzn-requestid': `bench-${requests}` }).end('{}');
  });
});
server.keepAliveTimeout = 60_000;
server.listen(Number(process.argv[2]), '127.0.0.1', () => process.stdout.write('ready\n'));
