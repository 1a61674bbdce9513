import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Consumer } from '../../component/component.js';
import type { ServerAuthenticator } from '../../component/auth.js';
import { Errors } from '../../errors/catalogue.js';
import { TributaryError } from '../../errors/tributary-error.js';
import { type ProtocolError, retryAfterHeader } from '../../errors/transport.js';
import { decodeOtlpJson } from '../../model/otlp/decode-json.js';
import { decodeOtlpProto } from '../../model/otlp/decode-proto.js';
import { countPoints } from '../../model/metric.js';
import { encodeExportResponse, encodeStatus, exportResponseJson, statusJson } from '../../model/rpc/status.js';
import type { Logger } from '../../telemetry/logger.js';
import type { SelfMetrics } from '../../telemetry/self-metrics.js';
import { decompressBody } from '../helper/decompress.js';
import { type HttpServer, authenticateHttp, createHttpServer, httpClientInfo } from '../helper/http-server.js';
import type { OtlpHttpConfig } from './config.js';
import { exportDecoded } from './export.js';

/**
 * OTLP/HTTP (specification "OTLP/HTTP"): POST protobuf or JSON to
 * /v1/metrics, gzip/deflate/zstd bodies, the response in the request's
 * content type, google.rpc.Status bodies on failure.
 */

const PROTOBUF = 'application/x-protobuf';
const JSON_TYPE = 'application/json';

type Format = 'proto' | 'json';

function formatOf(contentType: string | undefined): Format | undefined {
  const t = (contentType ?? '').split(';')[0].trim().toLowerCase();
  if (t === PROTOBUF || t === 'application/protobuf') return 'proto';
  if (t === JSON_TYPE) return 'json';
  return undefined;
}

function send(reply: FastifyReply, format: Format, status: number, proto: Buffer, json: Record<string, unknown>): FastifyReply {
  reply.code(status);
  if (format === 'json') return reply.type(JSON_TYPE).send(JSON.stringify(json));
  return reply.type(PROTOBUF).send(proto);
}

export function renderOtlpHttpError(req: FastifyRequest, reply: FastifyReply, e: ProtocolError): FastifyReply {
  const format = formatOf(req.headers['content-type']) ?? 'json';
  if (e.retryAfterMs !== undefined) reply.header('retry-after', retryAfterHeader(e.retryAfterMs));
  const info = { code: e.grpc, message: e.message, retryDelayMs: e.retryAfterMs };
  return send(reply, format, e.http, encodeStatus(info), statusJson(info));
}

export interface OtlpHttpDeps {
  readonly id: string;
  readonly config: OtlpHttpConfig;
  readonly next: Consumer;
  readonly logger: Logger;
  readonly metrics: SelfMetrics;
  readonly auth: () => ServerAuthenticator | undefined;
  /** Host.admit for this receiver, asked before a body is read. */
  readonly admit?: () => TributaryError | undefined;
}

export function createOtlpHttpServer(d: OtlpHttpDeps): HttpServer {
  const c = d.config;
  const server = createHttpServer({
    receiver: d.id,
    endpoint: c.endpoint,
    tls: c.tls,
    // The compressed body cannot usefully exceed the decompressed limit.
    maxBodyBytes: c.max_request_body_size,
    logger: d.logger,
    metrics: d.metrics,
    renderError: renderOtlpHttpError,
    settings: c,
    admit: d.admit,
  });
  const app = server.app;

  app.post(c.metrics_url_path, async (req, reply) => {
    const format = formatOf(req.headers['content-type']);
    if (format === undefined) {
      throw new TributaryError(
        Errors.MEDIA_TYPE,
        `Content-Type "${req.headers['content-type'] ?? ''}" is not supported; send ${PROTOBUF} or ${JSON_TYPE}`,
      );
    }
    const authInfo = await authenticateHttp(d.auth(), req);
    const limitKey = server.admitRequest(req, authInfo);
    const raw = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
    const body = await decompressBody(raw, req.headers['content-encoding'], c.max_request_body_size);
    let decoded;
    if (format === 'proto') decoded = decodeOtlpProto(body);
    else {
      if (body.length === 0) throw new TributaryError(Errors.EMPTY_BODY, 'empty body: an OTLP/JSON request must be a JSON object');
      decoded = decodeOtlpJson(body.toString('utf8'));
    }
    server.admitPoints(limitKey, countPoints(decoded.batch));
    const ctx = { client: httpClientInfo(req, c.include_metadata, authInfo), transport: 'http', receiver: d.id };
    const out = await exportDecoded(decoded, d.next, ctx, d.metrics);
    return send(reply, format, 200, encodeExportResponse(out.rejected, out.message), exportResponseJson(out.rejected, out.message));
  });

  for (const path of [c.traces_url_path, c.logs_url_path]) {
    app.post(path, async () => {
      throw new TributaryError(Errors.INVALID_DATA, `${path}: Tributary is a metrics gateway; send metrics to ${c.metrics_url_path}`);
    });
  }
  return server;
}
