import { randomUUID } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { AuthInfo, ClientInfo, Consumer, CreateSettings, Host, Receiver, RequestContext } from '../../component/component.js';
import { Lifecycle } from '../../component/lifecycle.js';
import { countPoints } from '../../model/metric.js';
import { toAwsError } from '../../errors/transport.js';
import { throttle } from '../../telemetry/logger.js';
import { decompressBody } from '../helper/decompress.js';
import { type HttpServer, createHttpServer, httpClientInfo } from '../helper/http-server.js';
import { AwsErrors } from './aws-errors.js';
import type { PutMetricDataReceiverConfig } from './config.js';
import { CredentialStore } from './credentials.js';
import { PutMetricDataMapper } from './map.js';
import { decodeOperation, protocolOf } from './protocol.js';
import { type Protocol, sendError, sendSuccess } from './render.js';
import { readPutMetricData } from './request.js';
import { verifySigV4 } from './sigv4.js';

/**
 * The putmetricdata receiver: a CloudWatch-compatible PutMetricData endpoint
 * for the unmodified CloudWatch Agent, the AWS CLI and the AWS SDKs. Per
 * request: find the protocol, verify the SigV4 signature against the
 * gateway-issued keys, decompress, decode, validate the whole request with
 * CloudWatch's limits, map it into the model with the key's attributes
 * stamped on every point, and hand it on; answer in the protocol's shape.
 */
export class PutMetricDataReceiver implements Receiver {
  private readonly life = new Lifecycle();
  private readonly credentials: CredentialStore;
  private readonly mapper = new PutMetricDataMapper();
  private readonly requestIds = new WeakMap<FastifyRequest, string>();
  private readonly warn: ReturnType<typeof throttle>;
  private server: HttpServer | undefined;
  private readonly listening: string[] = [];
  private readonly id: string;

  constructor(
    private readonly set: CreateSettings,
    private readonly config: PutMetricDataReceiverConfig,
    private readonly next: Consumer,
  ) {
    this.id = set.id.toString();
    this.credentials = new CredentialStore(config.credentials, config.credentials_file, config.credentials_reload_interval, set.logger);
    this.warn = throttle(set.logger);
  }

  start(host: Host): Promise<void> {
    return this.life.start(async () => {
      this.credentials.mustLoad(`receivers::${this.id}`);
      const server = createHttpServer({
        receiver: this.id,
        endpoint: this.config.endpoint,
        tls: this.config.tls,
        maxBodyBytes: this.config.max_request_body_size,
        logger: this.set.logger,
        metrics: this.set.metrics,
        settings: this.config,
        // Errors raised before the handler runs (body over the limit): answered in the request's protocol too.
        renderError: (req, reply, e) => sendError(reply, protocolOf(pathOf(req), req.headers), this.requestId(req), toAwsError(e.error)),
        admit: host.admit === undefined ? undefined : () => host.admit!(this.id),
      });
      // One route for every path and method: Query and JSON clients POST to the endpoint's path (which may carry
      // a prefix when the gateway sits behind a proxy), CBOR clients to .../service/<target>/operation/<name>,
      // and anything else is answered in the protocol the request looks like.
      server.app.all('/*', (req, reply) => this.handle(server, req, reply));
      try {
        this.listening.push(await server.listen());
      } catch (err) {
        await server.close();
        throw err;
      }
      this.server = server;
      this.credentials.watch();
    });
  }

  shutdown(): Promise<void> {
    return this.life.shutdown(async () => {
      this.credentials.stop();
      await this.server?.close();
    });
  }

  endpoints(): readonly string[] {
    return this.listening;
  }

  private async handle(server: HttpServer, req: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> {
    const receivedMs = Date.now();
    const url = req.raw.url ?? '/';
    const q = url.indexOf('?');
    const path = q < 0 ? url : url.slice(0, q);
    const protocol = protocolOf(path, req.headers);
    const requestId = this.requestId(req);
    try {
      if (req.method !== 'POST') throw wrongMethod(protocol, req.method);
      const raw = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
      const credential = verifySigV4(
        { method: req.method, url, rawHeaders: req.raw.rawHeaders, body: raw },
        { lookup: (id) => this.credentials.lookup(id), region: this.config.region, nowMs: receivedMs },
      );
      const auth: AuthInfo = { authenticator: this.id, subject: credential.accessKeyId, attributes: credential.attributes };
      const limitKey = server.admitRequest(req, auth);
      const body = await decompressBody(raw, first(req.headers['content-encoding']), this.config.max_request_body_size);
      const input = decodeOperation(protocol, path, req.headers, body, q < 0 ? '' : url.slice(q + 1));
      const read = readPutMetricData(input, receivedMs);
      if (!read.ok) throw read.error;
      const batch = this.mapper.map(read.request, credential.attributes, receivedMs);
      server.admitPoints(limitKey, countPoints(batch));
      const ctx: RequestContext = { client: clientInfo(req, this.config.include_metadata, auth), transport: 'http', receiver: this.id };
      await this.next.consume(batch, ctx);
      if (read.request.entityFailure !== undefined) reply.header('x-amzn-failure-message', read.request.entityFailure);
      return sendSuccess(reply, protocol, requestId);
    } catch (err) {
      const e = toAwsError(err);
      this.logFailure(e.code, e.http, e.message, req);
      return sendError(reply, protocol, requestId, e);
    }
  }

  private logFailure(code: string, status: number, message: string, req: FastifyRequest): void {
    const fields = { code, status, remote: req.socket.remoteAddress };
    if (status >= 500 && code === 'InternalFailure') this.set.logger.error({ ...fields, err: message }, 'PutMetricData request failed');
    else if (status === 403) this.warn('warn', `auth:${code}:${req.socket.remoteAddress}`, { ...fields, err: message }, 'PutMetricData request refused: authentication failed');
    else this.warn('debug', `refused:${code}`, { ...fields, err: message }, 'PutMetricData request refused');
  }

  private requestId(req: FastifyRequest): string {
    let id = this.requestIds.get(req);
    if (id === undefined) {
      id = randomUUID();
      this.requestIds.set(req, id);
    }
    return id;
  }
}

function wrongMethod(protocol: Protocol, method: string): Error {
  const message = `${method} is not supported: send PutMetricData with POST.`;
  return protocol === 'query' ? AwsErrors.invalidAction(message) : AwsErrors.unknownOperation(message);
}

/** Client info for processors; the signature (Authorization) is not passed on as metadata. */
function clientInfo(req: FastifyRequest, includeMetadata: boolean, auth: AuthInfo): ClientInfo {
  const info = httpClientInfo(req, includeMetadata, auth);
  if (info.metadata === undefined) return info;
  const metadata = new Map(info.metadata);
  metadata.delete('authorization');
  return { ...info, metadata };
}

function pathOf(req: FastifyRequest): string {
  const url = req.raw.url ?? '/';
  const q = url.indexOf('?');
  return q < 0 ? url : url.slice(0, q);
}

function first(v: string | string[] | undefined): string | undefined {
  return Array.isArray(v) ? v[0] : v;
}
