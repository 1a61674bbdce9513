import type { FastifyReply, FastifyRequest } from 'fastify';
import { Errors } from '../../errors/catalogue.js';
import { TributaryError } from '../../errors/tributary-error.js';
import { type ProtocolError, retryAfterHeader } from '../../errors/transport.js';
import { SnappyScratch, snappyUncompress } from '../../exporters/helper/snappy.js';
import { countPoints } from '../../model/metric.js';
import { type Assembled, PrwDecoder } from '../../model/prw/decoder.js';
import { tooLarge } from '../helper/decompress.js';
import { type HttpReceiverDeps, createReceiverHttpServer } from '../helper/http-receiver.js';
import { type HttpServer, authenticateHttp, httpClientInfo } from '../helper/http-server.js';
import type { PrwReceiverConfig } from './config.js';

/**
 * `POST /api/v1/write`, per the remote write specifications 1.0 and 2.0:
 * - the message is chosen by Content-Type: `application/x-protobuf` with no
 *   `proto` parameter or `proto=prometheus.WriteRequest` -> 1.0,
 *   `proto=io.prometheus.write.v2.Request` -> 2.0, anything else 415; a
 *   request without Content-Type is read as 1.0 (as Prometheus does);
 * - Content-Encoding must be `snappy` (block format), else 415; the
 *   decompressed size is checked against max_request_body_size from the
 *   block's header before anything is allocated (413);
 * - 204 with no body on success; 2.0 answers carry the
 *   X-Prometheus-Remote-Write-{Samples,Histograms,Exemplars}-Written
 *   headers (0 on failure: a request is taken whole or not at all);
 * - failures answer with the message as plain text, which senders log:
 *   400 for bad input, 413 too large, 415 wrong type or encoding, 401/403
 *   auth, and when the pipeline refuses retryably 429 or 503 with
 *   Retry-After (statuses from errors/transport.ts).
 */

export const WRITE_PATH = '/api/v1/write';

const PROTOBUF = 'application/x-protobuf';
const V1_PROTO = 'prometheus.WriteRequest';
const V2_PROTO = 'io.prometheus.write.v2.Request';

const WRITTEN_SAMPLES = 'x-prometheus-remote-write-samples-written';
const WRITTEN_HISTOGRAMS = 'x-prometheus-remote-write-histograms-written';
const WRITTEN_EXEMPLARS = 'x-prometheus-remote-write-exemplars-written';

type Version = 1 | 2;

/** The message a Content-Type asks for; undefined when it is not one this endpoint takes. */
export function versionOf(contentType: string | undefined): Version | undefined {
  if (contentType === undefined || contentType.trim() === '') return 1;
  const [media, ...params] = contentType.split(';');
  if (media.trim().toLowerCase() !== PROTOBUF) return undefined;
  let proto: string | undefined;
  for (const p of params) {
    const eq = p.indexOf('=');
    if (eq < 0) continue;
    if (p.slice(0, eq).trim().toLowerCase() === 'proto') proto = p.slice(eq + 1).trim().replace(/^"(.*)"$/, '$1');
  }
  if (proto === undefined || proto === V1_PROTO) return 1;
  if (proto === V2_PROTO) return 2;
  return undefined;
}

function setWritten(reply: FastifyReply, samples: number, histograms: number, exemplars: number): void {
  reply.header(WRITTEN_SAMPLES, String(samples)).header(WRITTEN_HISTOGRAMS, String(histograms)).header(WRITTEN_EXEMPLARS, String(exemplars));
}

export function renderPrwError(req: FastifyRequest, reply: FastifyReply, e: ProtocolError): FastifyReply {
  if (e.retryAfterMs !== undefined) reply.header('retry-after', retryAfterHeader(e.retryAfterMs));
  if (versionOf(req.headers['content-type']) === 2) setWritten(reply, 0, 0, 0);
  return reply.code(e.http).type('text/plain; charset=utf-8').send(`${e.message}\n`);
}

export function createPrwHttpServer(d: HttpReceiverDeps<PrwReceiverConfig>): HttpServer {
  const c = d.config;
  const limit = c.max_request_body_size;
  // Snappy's bound on the compressed size of `limit` bytes (32 + n + n/6): the
  // decompressed size, which is what the limit means, is checked after.
  const server = createReceiverHttpServer(d, renderPrwError, 32 + limit + Math.floor(limit / 6));
  const app = server.app;
  // One decoder per receiver: it remembers this receiver's series and 1.0 metadata. Decoding is synchronous.
  const decoder = new PrwDecoder();
  // Decompressed bodies go to one reused buffer: the decoder copies what it
  // keeps (interned label bytes, strings), and decompress + decode run with
  // no await between them, so no request can see another's bytes.
  const scratch = new SnappyScratch();
  const component = `receiver/${d.id}`;

  app.post(WRITE_PATH, async (req, reply) => {
    const version = versionOf(req.headers['content-type']);
    if (version === undefined) {
      throw new TributaryError(
        Errors.MEDIA_TYPE,
        `Content-Type "${req.headers['content-type']}" is not supported; send ${PROTOBUF} (remote write 1.0, or ;proto=${V1_PROTO}) or ${PROTOBUF};proto=${V2_PROTO} (remote write 2.0)`,
      );
    }
    const encoding = (req.headers['content-encoding'] ?? '').trim().toLowerCase();
    if (encoding !== 'snappy') {
      throw new TributaryError(Errors.ENCODING_UNSUPPORTED, `Content-Encoding "${req.headers['content-encoding'] ?? ''}" is not supported; remote write bodies must be snappy (block format) compressed, with Content-Encoding: snappy`);
    }
    const authInfo = await authenticateHttp(d.auth(), req);
    const limitKey = server.admitRequest(req, authInfo);
    const raw = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
    let body: Buffer;
    try {
      body = snappyUncompress(raw, limit, scratch);
    } catch (err) {
      if (err instanceof RangeError) throw tooLarge(limit, 'decompressed request body');
      throw new TributaryError(Errors.DECOMPRESS, `${(err as Error).message}; the body must be snappy block format (not the framed format)`, { cause: err });
    }
    const out: Assembled = version === 1 ? decoder.decodeV1(body) : decoder.decodeV2(body);
    // Read before any await: the decoder reuses what it reports.
    const dropped = [...out.dropped];
    const points = countPoints(out.batch);
    server.admitPoints(limitKey, points);
    if (points > 0) {
      const ctx = { client: httpClientInfo(req, c.include_metadata, authInfo), transport: 'http', receiver: d.id };
      await d.next.consume(out.batch, ctx);
    }
    // Counted once accepted: a refused request drops nothing, the sender retries it whole.
    for (const [reason, n] of dropped) d.metrics.droppedPoints.inc({ component, reason }, n);
    if (version === 2) setWritten(reply, out.samples, out.histograms, out.exemplars);
    return reply.code(204).send();
  });

  app.setNotFoundHandler(async (req, reply) => {
    return reply
      .code(404)
      .type('text/plain; charset=utf-8')
      .send(`${req.method} ${req.url.split('?')[0]} is not an endpoint here; remote write to POST ${WRITE_PATH}\n`);
  });
  return server;
}
