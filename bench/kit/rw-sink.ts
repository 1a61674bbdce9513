import { createServer } from 'node:http';
import snappyjs from 'snappyjs';
import { ProtoReader } from '../../src/model/proto/reader.js';

/**
 * A remote-write receiver for benchmarks, run as its own process so its CPU
 * is not counted: it reads each request, counts the samples in it and
 * answers 204. GET /stats returns {requests, samples, bytes}.
 * Usage: node rw-sink.js <port>
 */
let requests = 0;
let samples = 0;
let bytes = 0;

function countSamples(body: Buffer): number {
  const raw = Buffer.from(snappyjs.uncompress(body));
  const r = new ProtoReader(raw, 'WriteRequest');
  let n = 0;
  while (r.pos < raw.length) {
    const tag = r.uint32();
    if (tag !== 0x0a) {
      r.skip(tag, raw.length);
      continue;
    }
    const end = r.lenEnd(raw.length);
    while (r.pos < end) {
      const t = r.uint32();
      if (t === 0x12 || t === 0x22) n++;
      r.skip(t, end);
    }
  }
  return n;
}

const server = createServer((req, res) => {
  if (req.method === 'GET') {
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify({ requests, samples, bytes }));
    return;
  }
  const chunks: Buffer[] = [];
  req.on('data', (c: Buffer) => chunks.push(c));
  req.on('end', () => {
    const body = Buffer.concat(chunks);
    requests++;
    bytes += body.length;
    try {
      samples += countSamples(body);
      res.statusCode = 204;
    } catch {
      res.statusCode = 400;
    }
    res.end();
  });
});
server.keepAliveTimeout = 60_000;
server.listen(Number(process.argv[2]), '127.0.0.1', () => process.stdout.write('ready\n'));
