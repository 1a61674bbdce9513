import * as grpc from '@grpc/grpc-js';
import type { AuthInfo, ClientInfo, Consumer } from '../../component/component.js';
import { type ServerAuthenticator, verifiedPeerCertificate } from '../../component/auth.js';
import { parseEndpoint } from '../../config/schema.js';
import { readServerTls } from '../../config/tls.js';
import { toProtocolError } from '../../errors/transport.js';
import { countPoints } from '../../model/metric.js';
import type { TributaryError } from '../../errors/tributary-error.js';
import { decodeOtlpProto } from '../../model/otlp/decode-proto.js';
import { encodeExportResponse, encodeStatus } from '../../model/rpc/status.js';
import type { Logger } from '../../telemetry/logger.js';
import type { SelfMetrics } from '../../telemetry/self-metrics.js';
import { RateLimiter } from '../helper/rate-limit.js';
import { ReloadableGrpcCredentials, TlsReloader } from '../helper/tls-reload.js';
import type { OtlpGrpcConfig } from './config.js';
import { exportDecoded } from './export.js';

/**
 * OTLP/gRPC: the MetricsService/Export unary call. Requests arrive as raw
 * bytes (an identity deserializer) and are decoded once by our decoder;
 * gzip message compression and the message size limit (applied to the
 * decompressed message) are grpc-js's. Errors carry google.rpc.Status details
 * (RetryInfo) in grpc-status-details-bin, as the OTLP specification asks.
 * TLS honours min_version and reload_interval (ReloadableGrpcCredentials).
 */

const EXPORT_PATH = '/opentelemetry.proto.collector.metrics.v1.MetricsService/Export';
const identity = (b: Buffer): Buffer => b;

const SERVICE: grpc.ServiceDefinition = {
  Export: {
    path: EXPORT_PATH,
    requestStream: false,
    responseStream: false,
    requestSerialize: identity,
    requestDeserialize: identity,
    responseSerialize: identity,
    responseDeserialize: identity,
  },
};

export interface OtlpGrpcDeps {
  readonly id: string;
  readonly config: OtlpGrpcConfig;
  readonly next: Consumer;
  readonly logger: Logger;
  readonly metrics: SelfMetrics;
  readonly auth: () => ServerAuthenticator | undefined;
  /** Host.admit for this receiver, asked before a message is decoded. */
  readonly admit?: () => TributaryError | undefined;
}

const CODE_NAMES = Object.fromEntries(Object.entries(grpc.status).map(([k, v]) => [v, k]));

export class OtlpGrpcServer {
  private readonly server: grpc.Server;
  private readonly limiter: RateLimiter | undefined;
  private reloader: TlsReloader | undefined;

  constructor(private readonly d: OtlpGrpcDeps) {
    this.limiter = d.config.rate_limit === undefined ? undefined : new RateLimiter(d.id, d.config.rate_limit, d.metrics);
    const opts: grpc.ServerOptions = {
      'grpc.max_receive_message_length': d.config.max_recv_msg_size_mib * 1024 * 1024,
    };
    if (d.config.max_concurrent_streams > 0) opts['grpc.max_concurrent_streams'] = d.config.max_concurrent_streams;
    this.server = new grpc.Server(opts);
    this.server.addService(SERVICE, { Export: this.export.bind(this) as grpc.UntypedHandleCall });
  }

  async listen(): Promise<string> {
    const ep = parseEndpoint(this.d.config.endpoint)!;
    const t = this.d.config.tls;
    let creds = grpc.ServerCredentials.createInsecure();
    if (t !== undefined && !t.insecure) {
      const m = readServerTls(t);
      const reloadable = new ReloadableGrpcCredentials(m);
      this.reloader = new TlsReloader(t, m, this.d.logger, (next) => reloadable.update(next));
      creds = reloadable;
    }
    const host = ep.host.includes(':') ? `[${ep.host}]` : ep.host;
    const port = await new Promise<number>((resolve, reject) => {
      this.server.bindAsync(`${host}:${ep.port}`, creds, (err, p) => (err ? reject(err) : resolve(p)));
    });
    this.reloader?.start();
    return `grpc${t !== undefined && !t.insecure ? 's' : ''}://${host}:${port}`;
  }

  /** Stops taking calls and waits for those in flight; forces after `deadlineMs`. */
  async close(deadlineMs = 30_000): Promise<void> {
    this.reloader?.stop();
    await new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        this.server.forceShutdown();
        resolve();
      }, deadlineMs);
      this.server.tryShutdown(() => {
        clearTimeout(timer);
        resolve();
      });
    });
  }

  private export(call: grpc.ServerUnaryCall<Buffer, Buffer>, callback: grpc.sendUnaryData<Buffer>): void {
    this.handle(call).then(
      (response) => {
        this.count('OK');
        callback(null, response);
      },
      (err: unknown) => {
        const e = toProtocolError(err);
        const metadata = new grpc.Metadata();
        metadata.set('grpc-status-details-bin', encodeStatus({ code: e.grpc, message: e.message, retryDelayMs: e.retryAfterMs }));
        this.count(CODE_NAMES[e.grpc] ?? String(e.grpc));
        if (e.error.def.http >= 500 && !e.error.retryable) this.d.logger.error({ err: e.message }, 'OTLP gRPC export failed');
        callback({ code: e.grpc, details: e.message, metadata });
      },
    );
  }

  private async handle(call: grpc.ServerUnaryCall<Buffer, Buffer>): Promise<Buffer> {
    const refusal = this.d.admit?.();
    if (refusal !== undefined) throw refusal;
    const auth = await this.authenticate(call);
    const address = peerAddress(call.getPeer());
    const limitKey = this.limiter?.keyOf({ address, auth, header: (name) => call.metadata.get(name).map(String)[0] });
    if (limitKey !== undefined) this.limiter!.admitRequest(limitKey);
    const decoded = decodeOtlpProto(call.request);
    if (limitKey !== undefined) this.limiter!.admitPoints(limitKey, countPoints(decoded.batch));
    const client: ClientInfo = { address, metadata: this.d.config.include_metadata ? metadataMap(call.metadata) : undefined, auth };
    const out = await exportDecoded(decoded, this.d.next, { client, transport: 'grpc', receiver: this.d.id }, this.d.metrics);
    return encodeExportResponse(out.rejected, out.message);
  }

  private async authenticate(call: grpc.ServerUnaryCall<Buffer, Buffer>): Promise<AuthInfo | undefined> {
    const a = this.d.auth();
    if (a === undefined) return undefined;
    const headers: Record<string, string[]> = {};
    for (const [k, v] of metadataMap(call.metadata)) headers[k] = v;
    // grpc-js reports a certificate only for a connection whose chain it verified (socket.authorized).
    const cert = verifiedPeerCertificate(call.getAuthContext?.()?.sslPeerCertificate);
    return a.authenticate({
      headers,
      transport: 'grpc',
      remoteAddress: peerAddress(call.getPeer()),
      peerCertificateSubject: cert?.subjectLine,
      peerCertificate: cert,
    });
  }

  private count(status: string): void {
    this.d.metrics.receiverRequests.inc({ receiver: this.d.id, transport: 'grpc', status });
  }
}

function metadataMap(md: grpc.Metadata): Map<string, string[]> {
  const m = new Map<string, string[]>();
  for (const [k, v] of Object.entries(md.getMap())) {
    if (k.endsWith('-bin')) continue;
    m.set(k.toLowerCase(), md.get(k).map(String));
    void v;
  }
  return m;
}

function peerAddress(peer: string): string {
  // "ipv4:127.0.0.1:5000", "ipv6:[::1]:5000" or "127.0.0.1:5000"
  const p = peer.replace(/^ipv[46]:/, '');
  const m = /^\[?(.*?)\]?:\d+$/.exec(p);
  return m === null ? p : m[1];
}
