import { createServer as createHttp } from 'node:http';
import { createServer as createHttps } from 'node:https';
import { type FastifyInstance, type FastifyReply, type FastifyRequest, fastify } from 'fastify';
import type { AuthInfo, ClientInfo } from '../../component/component.js';
import { type AuthRequest, type ServerAuthenticator, verifiedPeerCertificate } from '../../component/auth.js';
import { gracefulClose, listenOn } from '../../component/http-listen.js';
import { type ServerTlsConfig, readServerTls } from '../../config/tls.js';
import type { Logger } from '../../telemetry/logger.js';
import type { SelfMetrics } from '../../telemetry/self-metrics.js';
import { type ProtocolError, toProtocolError } from '../../errors/transport.js';
import { Errors } from '../../errors/catalogue.js';
import { TributaryError } from '../../errors/tributary-error.js';
import { RateLimiter } from './rate-limit.js';
import { type HttpServerSettings, nodeServerTimeouts } from './server-settings.js';
import { TlsReloader, secureContextOptions } from './tls-reload.js';

/**
 * The HTTP server every HTTP receiver stands on: fastify with raw-buffer
 * bodies (each receiver decodes once, itself), the compressed-size limit,
 * TLS with optional client certificates and reload, the confighttp
 * timeouts, per-caller rate limits, request counting by status, and a 503
 * for requests that arrive while closing. Receivers add their routes and
 * render errors in their protocol's format; the status comes from
 * errors/transport.ts, and a 401 carries the authenticator's
 * WWW-Authenticate challenge whatever the format.
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
  /** Timeouts and rate limit (server-settings.ts); the defaults of that fragment when absent. */
  readonly settings?: HttpServerSettings;
  /**
   * Asked before the body of a POST or PUT is read (Host.admit for this
   * receiver): an error refuses the request at once, without reading or
   * decoding it.
   */
  readonly admit?: () => TributaryError | undefined;
}

export interface HttpServer {
  readonly app: FastifyInstance;
  listen(): Promise<string>;
  close(): Promise<void>;
  /**
   * Counts a request against its caller's rate limit, once it is
   * authenticated; throws TRIB_ERR_LIMIT_RATE when over. Returns the key to
   * pass to admitPoints once the body is decoded.
   */
  admitRequest(req: FastifyRequest, auth: AuthInfo | undefined): string;
  admitPoints(key: string, points: number): void;
}

const DEFAULT_SETTINGS: HttpServerSettings = { read_timeout: 0, read_header_timeout: 60_000, idle_timeout: 60_000 };

export function createHttpServer(o: HttpServerOptions): HttpServer {
  const tls = o.tls !== undefined && !o.tls.insecure ? readServerTls(o.tls) : undefined;
  const settings = o.settings ?? DEFAULT_SETTINGS;
  const timeouts = nodeServerTimeouts(settings);
  const app = fastify({
    logger: false,
    bodyLimit: o.maxBodyBytes,
    return503OnClosing: true,
    forceCloseConnections: 'idle',
    // Our own server, so that Node's header and request timeouts (which fastify does not expose) are set at creation.
    serverFactory: (handler: Parameters<typeof createHttp>[1]) => {
      const server =
        tls === undefined
          ? createHttp({ ...timeouts }, handler)
          : createHttps({ ...timeouts, ...secureContextOptions(tls), requestCert: tls.requestCert, rejectUnauthorized: tls.requestCert }, handler);
      server.keepAliveTimeout = timeouts.keepAliveTimeout;
      return server;
    },
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
    const pe = toProtocolError(te);
    if (pe.http === 401 && pe.error.challenge !== undefined) reply.header('www-authenticate', pe.error.challenge);
    return o.renderError(req, reply, pe);
  });

  let reloader: TlsReloader | undefined;
  if (o.tls !== undefined && tls !== undefined) {
    reloader = new TlsReloader(o.tls, tls, o.logger, (m) => (app.server as unknown as { setSecureContext(opts: object): void }).setSecureContext(secureContextOptions(m)));
  }

  const limiter = settings.rate_limit === undefined ? undefined : new RateLimiter(o.receiver, settings.rate_limit, o.metrics);

  return {
    app,
    async listen(): Promise<string> {
      const url = await listenOn(app, o.endpoint, tls !== undefined);
      reloader?.start();
      return url;
    },
    async close(): Promise<void> {
      reloader?.stop();
      await close();
    },
    admitRequest(req, auth): string {
      if (limiter === undefined) return '';
      const key = limiter.keyOf({ address: req.socket.remoteAddress, auth, header: (name) => firstHeader(req.headers[name]) });
      limiter.admitRequest(key);
      return key;
    },
    admitPoints(key, points): void {
      limiter?.admitPoints(key, points);
    },
  };
}

function firstHeader(v: string | string[] | undefined): string | undefined {
  return Array.isArray(v) ? v[0] : v;
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
  const sock = req.socket as unknown as { getPeerCertificate?: () => Parameters<typeof verifiedPeerCertificate>[0]; authorized?: boolean };
  // Only a chain the TLS layer verified against client_ca_file counts.
  const cert = sock.authorized === true && typeof sock.getPeerCertificate === 'function' ? verifiedPeerCertificate(sock.getPeerCertificate()) : undefined;
  return auth.authenticate({
    headers,
    transport: 'http',
    remoteAddress: req.socket.remoteAddress,
    peerCertificateSubject: cert?.subjectLine,
    peerCertificate: cert,
    method: req.method,
    path: req.url,
    body: Buffer.isBuffer(req.body) ? req.body : undefined,
  });
}
