import { type FastifyInstance, type FastifyReply, type FastifyRequest, fastify } from 'fastify';
import type { AuthInfo, ClientInfo } from '../../component/component.js';
import type { AuthRequest, ServerAuthenticator } from '../../component/auth.js';
import { gracefulClose, listenOn } from '../../component/http-listen.js';
import { type ServerTlsConfig, readServerTls } from '../../config/tls.js';
import type { Logger } from '../../telemetry/logger.js';
import type { SelfMetrics } from '../../telemetry/self-metrics.js';
import { type ProtocolError, toProtocolError } from '../../errors/transport.js';
import { Errors } from '../../errors/catalogue.js';
import { TributaryError } from '../../errors/tributary-error.js';

/**
 * The HTTP server every HTTP receiver stands on: fastify with raw-buffer
 * bodies (each receiver decodes once, itself), the compressed-size limit,
 * TLS with optional client certificates and reload, request counting by
 * status, and a 503 for requests that arrive while closing. Receivers add
 * their routes and render errors in their protocol's format; the status
 * comes from errors/transport.ts.
 */
export interface HttpServerOptions {
  readonly receiver: string;
  readonly endpoint: string;
  readonly tls?: ServerTlsConfig;
  /** Limit on the body as received (compressed or not). */
  readonly maxBodyBytes: number;
  readonly logger: Logger;
  readonly metrics: SelfMetrics;
  /** Renders an error in the receiver's protocol format. */
  readonly renderError: (req: FastifyRequest, reply: FastifyReply, err: ProtocolError) => FastifyReply;
  /**
   * Asked before the body of a POST or PUT is read (Host.admit for this
   * receiver): an error refuses the request at once, without reading or
   * decoding it.
   */
  readonly admit?: () => TributaryError | undefined;
  readonly headerTimeoutMs?: number;
  readonly idleTimeoutMs?: number;
  readonly requestTimeoutMs?: number;
}

export interface HttpServer {
  readonly app: FastifyInstance;
  listen(): Promise<string>;
  close(): Promise<void>;
}

export function createHttpServer(o: HttpServerOptions): HttpServer {
  const tls = o.tls !== undefined && !o.tls.insecure ? readServerTls(o.tls) : undefined;
  const app = fastify({
    logger: false,
    bodyLimit: o.maxBodyBytes,
    https: tls === undefined ? null : { ...tls, rejectUnauthorized: tls.requestCert },
    return503OnClosing: true,
    forceCloseConnections: 'idle',
    connectionTimeout: o.headerTimeoutMs ?? 0,
    keepAliveTimeout: o.idleTimeoutMs ?? 72_000,
    requestTimeout: o.requestTimeoutMs ?? 0,
    http2: false,
  } as never) as unknown as FastifyInstance;

  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer' }, (_req: FastifyRequest, body: Buffer, done: (err: Error | null, body?: Buffer) => void) => done(null, body));

  const close = gracefulClose(app);

  const admit = o.admit;
  if (admit !== undefined) {
    // Only requests that carry data are refused: pings and health checks still answer.
    app.addHook('onRequest', async (req) => {
      if (req.method !== 'POST' && req.method !== 'PUT') return;
      const refusal = admit();
      if (refusal !== undefined) throw refusal;
    });
  }

  app.addHook('onResponse', async (_req, reply) => {
    o.metrics.receiverRequests.inc({ receiver: o.receiver, transport: 'http', status: String(reply.statusCode) });
  });

  app.setErrorHandler((err: Error & { statusCode?: number; code?: string }, req, reply) => {
    let te: unknown = err;
    if (!(err instanceof TributaryError)) {
      if (err.code === 'FST_ERR_CTP_BODY_TOO_LARGE') te = new TributaryError(Errors.BODY_TOO_LARGE, `request body exceeds the limit of ${o.maxBodyBytes} bytes`);
      else if (err.statusCode !== undefined && err.statusCode >= 400 && err.statusCode < 500) te = new TributaryError(Errors.INVALID_DATA, err.message);
      else o.logger.error({ err: err.message, stack: err.stack }, 'unexpected error in HTTP receiver');
    }
    return o.renderError(req, reply, toProtocolError(te));
  });

  let reload: NodeJS.Timeout | undefined;
  if (o.tls !== undefined && !o.tls.insecure && o.tls.reload_interval > 0) {
    const cfg = o.tls;
    reload = setInterval(() => {
      try {
        const m = readServerTls(cfg);
        (app.server as unknown as { setSecureContext(opts: object): void }).setSecureContext({ cert: m.cert, key: m.key, ca: m.ca, minVersion: m.minVersion });
      } catch (err) {
        o.logger.warn({ err: (err as Error).message }, 'TLS certificate reload failed; keeping the current certificate');
      }
    }, cfg.reload_interval);
    reload.unref();
  }

  return {
    app,
    listen: () => listenOn(app, o.endpoint, tls !== undefined),
    async close(): Promise<void> {
      if (reload !== undefined) clearInterval(reload);
      await close();
    },
  };
}

/** Client information for the pipeline: address, headers when asked for, and the authenticated identity. */
export function httpClientInfo(req: FastifyRequest, includeMetadata: boolean, auth: AuthInfo | undefined): ClientInfo {
  let metadata: Map<string, string[]> | undefined;
  if (includeMetadata) {
    metadata = new Map();
    for (const [k, v] of Object.entries(req.headers)) {
      if (v === undefined) continue;
      metadata.set(k.toLowerCase(), Array.isArray(v) ? v : [v]);
    }
  }
  return { address: req.socket.remoteAddress, metadata, auth };
}

/**
 * Runs the receiver's authenticator, if any, on an HTTP request. `headers`
 * replaces the request's own, for receivers whose protocol carries
 * credentials elsewhere (query parameters) and presents them as standard
 * headers.
 */
export async function authenticateHttp(
  auth: ServerAuthenticator | undefined,
  req: FastifyRequest,
  headers: AuthRequest['headers'] = req.headers,
): Promise<AuthInfo | undefined> {
  if (auth === undefined) return undefined;
  const sock = req.socket as unknown as { getPeerCertificate?: () => { subject?: Record<string, string> } | null; authorized?: boolean };
  let subject: string | undefined;
  if (sock.authorized === true && typeof sock.getPeerCertificate === 'function') {
    const cert = sock.getPeerCertificate();
    if (cert?.subject !== undefined) subject = Object.entries(cert.subject).map(([k, v]) => `${k}=${v}`).join(',');
  }
  return auth.authenticate({
    headers,
    transport: 'http',
    remoteAddress: req.socket.remoteAddress,
    peerCertificateSubject: subject,
    method: req.method,
    path: req.url,
    body: Buffer.isBuffer(req.body) ? req.body : undefined,
  });
}
