import type { Consumer, CreateSettings, Host, Phase, Receiver } from '../../component/component.js';
import { type ServerAuthenticator, mustServerAuthenticator } from '../../component/auth.js';
import { Lifecycle } from '../../component/lifecycle.js';
import { bool, endpoint, int, section, z } from '../../config/schema.js';
import { type ServerTlsConfig, serverTlsSchema, validateServerTls } from '../../config/tls.js';
import type { Logger } from '../../telemetry/logger.js';
import type { SelfMetrics } from '../../telemetry/self-metrics.js';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { ProtocolError } from '../../errors/transport.js';
import type { TributaryError } from '../../errors/tributary-error.js';
import { type HttpServer, createHttpServer } from './http-server.js';
import { type HttpServerSettings, httpServerSettings, validateServerSettings } from './server-settings.js';

/**
 * What every single-endpoint HTTP receiver shares: the Collector's
 * confighttp server keys (squashed into the receiver's config), and the
 * receiver itself (look up the authenticator at start, listen, shut down
 * through Lifecycle). A receiver supplies its routes as an HttpServer.
 */

/** The confighttp server keys, with the receiver's default endpoint and body limit (after decompression). */
export function httpServerKeys(defaultEndpoint: string, defaultMaxBody: number) {
  return {
    endpoint: endpoint(defaultEndpoint),
    max_request_body_size: int(defaultMaxBody, 1),
    include_metadata: bool(false),
    tls: serverTlsSchema.optional(),
    auth: section({ authenticator: z.string({ error: 'must be an authenticator extension id' }) }).optional(),
    /** read_timeout, read_header_timeout, idle_timeout, rate_limit. */
    ...httpServerSettings,
  };
}

export interface HttpServerConfig extends HttpServerSettings {
  readonly endpoint: string;
  readonly max_request_body_size: number;
  readonly include_metadata: boolean;
  readonly tls?: ServerTlsConfig;
  readonly auth?: { readonly authenticator: string };
}

export function validateHttpServer(c: HttpServerConfig): string[] {
  return [...validateServerTls(c.tls), ...validateServerSettings(c)];
}

export interface HttpReceiverDeps<C> {
  readonly id: string;
  readonly config: C;
  readonly next: Consumer;
  readonly logger: Logger;
  readonly metrics: SelfMetrics;
  readonly auth: () => ServerAuthenticator | undefined;
  readonly phase: () => Phase;
  /** Host.admit for this receiver, asked before a body is read. */
  readonly admit?: () => TributaryError | undefined;
}

/**
 * The shared HTTP server for a receiver's config: endpoint, TLS, timeouts
 * and the body limit (`maxBodyBytes`, by default max_request_body_size, for
 * encodings whose compressed form may be larger), its errors rendered by
 * `renderError`.
 */
export function createReceiverHttpServer<C extends HttpServerConfig>(
  d: HttpReceiverDeps<C>,
  renderError: (req: FastifyRequest, reply: FastifyReply, err: ProtocolError) => FastifyReply,
  maxBodyBytes = d.config.max_request_body_size,
): HttpServer {
  const c = d.config;
  return createHttpServer({
    receiver: d.id,
    endpoint: c.endpoint,
    tls: c.tls,
    maxBodyBytes,
    logger: d.logger,
    metrics: d.metrics,
    renderError,
    settings: c,
    admit: d.admit,
  });
}

export class HttpReceiver<C extends HttpServerConfig> implements Receiver {
  private readonly life = new Lifecycle();
  private http: HttpServer | undefined;
  private auth: ServerAuthenticator | undefined;
  private readonly listening: string[] = [];

  constructor(
    private readonly set: CreateSettings,
    private readonly config: C,
    private readonly next: Consumer,
    private readonly build: (d: HttpReceiverDeps<C>) => HttpServer,
    /** The paths to announce in the startup log line. */
    private readonly paths: readonly string[],
  ) {}

  start(host: Host): Promise<void> {
    return this.life.start(async () => {
      const id = this.set.id.toString();
      this.auth = mustServerAuthenticator(host, this.config.auth?.authenticator, `receivers::${id}`);
      this.http = this.build({
        id,
        config: this.config,
        next: this.next,
        logger: this.set.logger,
        metrics: this.set.metrics,
        auth: () => this.auth,
        phase: () => host.phase(),
        admit: host.admit === undefined ? undefined : () => host.admit!(id),
      });
      try {
        const base = await this.http.listen();
        for (const p of this.paths) this.listening.push(`${base}${p}`);
      } catch (err) {
        await this.http.close();
        throw err;
      }
    });
  }

  shutdown(): Promise<void> {
    return this.life.shutdown(() => this.http?.close());
  }

  endpoints(): readonly string[] {
    return this.listening;
  }
}
