import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Dispatcher } from 'undici';
import { type ServerAuthenticator, mustServerAuthenticator } from '../../component/auth.js';
import { type ClientAuthenticator, mustClientAuthenticator } from '../../component/client-auth.js';
import type { CreateSettings, Extension, Host } from '../../component/component.js';
import { Lifecycle } from '../../component/lifecycle.js';
import { createDispatcher } from '../../exporters/helper/http-client.js';
import { type HttpServer, authenticateHttp, createHttpServer } from '../../receivers/helper/http-server.js';
import { apiError, isApiErrorBody } from './api-error.js';
import type { QueryProxyConfig } from './config.js';
import { UpstreamError, type UpstreamFailure, forwardedHeaders, sendUpstream, upstreamUrl } from './upstream.js';

/**
 * A Prometheus query API in front of an upstream that wants credentials the
 * caller does not have: Grafana (or promtool, or a script) speaks plain
 * Prometheus HTTP API to this endpoint, and every request goes on to the
 * upstream signed by the configured client authenticator (SigV4 for Amazon
 * Managed Service for Prometheus). Callers authenticate with the inbound
 * authenticator instead of holding AWS credentials.
 *
 * Only the read API is served (the paths below, GET and POST form bodies as
 * Prometheus accepts them); anything else is 404 without reaching the
 * upstream. Answers stream back with the upstream's status, content type
 * and encoding; upstream errors stay Prometheus-shaped JSON; the proxy's own
 * failures are 502 (upstream unreachable, request could not be signed) and
 * 504 (timeout).
 */

interface Route {
  readonly path: string;
  readonly methods: readonly ('GET' | 'POST')[];
}

/** The read endpoints of the Prometheus HTTP API (querying/api.md) that Grafana's Prometheus data source calls. */
export const ROUTES: readonly Route[] = [
  { path: '/api/v1/query', methods: ['GET', 'POST'] },
  { path: '/api/v1/query_range', methods: ['GET', 'POST'] },
  { path: '/api/v1/query_exemplars', methods: ['GET', 'POST'] },
  { path: '/api/v1/series', methods: ['GET', 'POST'] },
  { path: '/api/v1/labels', methods: ['GET', 'POST'] },
  { path: '/api/v1/label/:name/values', methods: ['GET'] },
  { path: '/api/v1/metadata', methods: ['GET'] },
  { path: '/api/v1/status/buildinfo', methods: ['GET'] },
];

/** Upstream error bodies kept for the answer; the rest is dropped. */
const MAX_ERROR_BODY = 64 * 1024;

export class QueryProxy implements Extension {
  private readonly life = new Lifecycle();
  private server: HttpServer | undefined;
  private dispatcher: Dispatcher | undefined;
  private inbound: ServerAuthenticator | undefined;
  private outbound: ClientAuthenticator | undefined;
  private url = '';
  private readonly base: URL;

  constructor(
    private readonly set: CreateSettings,
    private readonly config: QueryProxyConfig,
  ) {
    this.base = new URL(config.upstream);
  }

  start(host: Host): Promise<void> {
    return this.life.start(async () => {
      const who = `extensions::${this.set.id}`;
      this.inbound = mustServerAuthenticator(host, this.config.inbound_auth?.authenticator, who);
      this.outbound = mustClientAuthenticator(host, this.config.auth?.authenticator, who);
      this.dispatcher = createDispatcher({ tls: this.config.tls, connections: 16 });
      const server = createHttpServer({
        receiver: String(this.set.id),
        endpoint: this.config.endpoint,
        tls: this.config.inbound_tls,
        maxBodyBytes: this.config.max_request_body_size,
        logger: this.set.logger,
        metrics: this.set.metrics,
        renderError: (_req, reply, pe) => reply.code(pe.http).type('application/json').send(apiError(pe.http, pe.message)),
      });
      for (const r of ROUTES) server.app.route({ method: [...r.methods], url: r.path, handler: (req, reply) => this.forward(req, reply) });
      server.app.setNotFoundHandler((req, reply) => {
        const path = req.url.split('?')[0];
        const route = ROUTES.find((r) => matches(r.path, path));
        if (route !== undefined) {
          return reply.code(405).header('allow', route.methods.join(', ')).type('application/json').send(apiError(405, `${req.method} is not allowed on ${path}; use ${route.methods.join(' or ')}`));
        }
        return reply.code(404).type('application/json').send(apiError(404, `${path} is not served by this proxy; it serves ${ROUTES.map((x) => x.path).join(', ')}`));
      });
      this.server = server;
      try {
        this.url = await server.listen();
      } catch (err) {
        await this.dispatcher.close();
        throw err;
      }
      this.set.logger.info({ endpoint: this.url, upstream: this.base.origin + this.base.pathname, signed: this.outbound !== undefined, inboundAuth: this.inbound !== undefined }, 'prometheus query proxy listening');
    });
  }

  private async forward(req: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> {
    await authenticateHttp(this.inbound, req);
    const q = req.url.indexOf('?');
    const path = q < 0 ? req.url : req.url.slice(0, q);
    const method = req.method === 'POST' ? 'POST' : 'GET';
    const body = method === 'POST' && Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
    let res: Dispatcher.ResponseData;
    try {
      res = await sendUpstream(
        { method, url: upstreamUrl(this.base, path, q < 0 ? '' : req.url.slice(q + 1)), headers: forwardedHeaders(req.headers, method === 'POST'), body },
        { dispatcher: this.dispatcher!, auth: this.outbound, timeoutMs: this.config.timeout },
      );
    } catch (err) {
      if (!(err instanceof UpstreamError)) throw err;
      return this.failed(reply, err.failure);
    }
    const type = header(res.headers['content-type']);
    const encoding = header(res.headers['content-encoding']);
    // An encoded error body cannot be inspected cheaply; it goes back as it came, like a success.
    if (res.statusCode >= 400 && (encoding === undefined || encoding === 'identity')) {
      const text = await readSome(res.body, MAX_ERROR_BODY);
      if (type?.includes('json') && isApiErrorBody(text)) return reply.code(res.statusCode).type(type).send(text);
      const snippet = text.trim().replace(/\s+/g, ' ').slice(0, 1024);
      return reply.code(res.statusCode).type('application/json').send(apiError(res.statusCode, `upstream answered HTTP ${res.statusCode}${snippet === '' ? '' : `: ${snippet}`}`));
    }
    reply.code(res.statusCode);
    if (type !== undefined) reply.type(type);
    if (encoding !== undefined) reply.header('content-encoding', encoding);
    return reply.send(res.body);
  }

  private failed(reply: FastifyReply, f: UpstreamFailure): FastifyReply {
    const upstream = this.base.origin;
    if (f.kind === 'timeout') return reply.code(504).type('application/json').send(apiError(504, `upstream ${upstream} did not answer within ${this.config.timeout / 1000}s`));
    if (f.kind === 'sign') {
      const why = f.error instanceof Error ? f.error.message : String(f.error);
      this.set.logger.warn({ err: why }, 'prometheus query proxy: cannot authenticate the upstream request');
      return reply.code(502).type('application/json').send(apiError(502, `cannot authenticate the request to upstream ${upstream}: ${why}`));
    }
    return reply.code(502).type('application/json').send(apiError(502, `upstream ${upstream} unreachable (${f.detail})`));
  }

  shutdown(): Promise<void> {
    return this.life.shutdown(async () => {
      await this.server?.close();
      await this.dispatcher?.close();
    });
  }

  endpoints(): readonly string[] {
    return this.url === '' ? [] : [this.url];
  }
}

function header(v: string | string[] | undefined): string | undefined {
  return Array.isArray(v) ? v[0] : v;
}

function matches(pattern: string, path: string): boolean {
  const a = pattern.split('/');
  const b = path.split('/');
  return a.length === b.length && a.every((seg, i) => seg.startsWith(':') || seg === b[i]);
}

async function readSome(body: Dispatcher.ResponseData['body'], limit: number): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    const b = Buffer.from(chunk as Uint8Array);
    if (size < limit) chunks.push(b.subarray(0, limit - size));
    size += b.length;
  }
  return Buffer.concat(chunks).toString('utf8');
}
