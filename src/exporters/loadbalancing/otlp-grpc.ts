import { readFileSync } from 'node:fs';
import * as grpc from '@grpc/grpc-js';
import { decodeExportResponse, decodeRetryDelayMs } from '../../model/rpc/status.js';
import { VERSION } from '../../version.js';
import type { OtlpBackendConfig } from './config.js';

/**
 * One OTLP/gRPC backend: MetricsService/Export with the body already encoded
 * (identity serializers, no reflection), and what the answer means per the
 * OTLP specification ("Failures" under OTLP/gRPC): UNAVAILABLE, CANCELLED,
 * DEADLINE_EXCEEDED, ABORTED, OUT_OF_RANGE and DATA_LOSS are retryable;
 * RESOURCE_EXHAUSTED only with RetryInfo (the server says recovery is
 * possible); everything else is permanent. A server's RetryInfo delay is
 * honoured as a floor.
 */
export type ExportResult =
  | { readonly kind: 'ok'; readonly rejected: number; readonly message: string }
  | { readonly kind: 'retry'; readonly reason: string; readonly afterMs: number | undefined; readonly detail: string }
  | { readonly kind: 'permanent'; readonly reason: string; readonly detail: string };

const EXPORT_PATH = '/opentelemetry.proto.collector.metrics.v1.MetricsService/Export';
const identity = (b: Buffer): Buffer => b;
const RETRYABLE = new Set([grpc.status.CANCELLED, grpc.status.DEADLINE_EXCEEDED, grpc.status.ABORTED, grpc.status.OUT_OF_RANGE, grpc.status.UNAVAILABLE, grpc.status.DATA_LOSS]);
const CODE_NAMES = Object.fromEntries(Object.entries(grpc.status).map(([k, v]) => [v, k]));

export interface OtlpTransport {
  send(body: Buffer): Promise<ExportResult>;
  close(): void;
}

export class OtlpGrpcTransport implements OtlpTransport {
  private readonly client: grpc.Client;
  private readonly metadata: grpc.Metadata;

  constructor(
    readonly endpoint: string,
    private readonly c: OtlpBackendConfig,
  ) {
    const opts: grpc.ChannelOptions = { 'grpc.primary_user_agent': `Tributary/${VERSION}` };
    if (c.compression === 'gzip') opts['grpc.default_compression_algorithm'] = 2;
    if (c.tls.server_name_override !== undefined) opts['grpc.ssl_target_name_override'] = c.tls.server_name_override;
    this.client = new grpc.Client(endpoint, credentials(c), opts);
    this.metadata = new grpc.Metadata();
    for (const [k, v] of Object.entries(c.headers)) this.metadata.set(k.toLowerCase(), v);
  }

  send(body: Buffer): Promise<ExportResult> {
    return new Promise((resolve) => {
      const deadline = Date.now() + this.c.timeout;
      this.client.makeUnaryRequest(EXPORT_PATH, identity, identity, body, this.metadata.clone(), { deadline }, (err, response) => {
        if (err === null || err === undefined) {
          const r = response === undefined ? { rejected: 0, message: '' } : decodeExportResponse(response);
          resolve({ kind: 'ok', ...r });
          return;
        }
        resolve(classify(err));
      });
    });
  }

  close(): void {
    this.client.close();
  }
}

function classify(err: grpc.ServiceError): ExportResult {
  const code = err.code ?? grpc.status.UNKNOWN;
  const name = CODE_NAMES[code] ?? String(code);
  const detail = `${name}: ${err.details ?? err.message}`;
  const bin = err.metadata?.get('grpc-status-details-bin')[0];
  const afterMs = Buffer.isBuffer(bin) ? decodeRetryDelayMs(bin) : undefined;
  if (RETRYABLE.has(code) || (code === grpc.status.RESOURCE_EXHAUSTED && afterMs !== undefined)) {
    return { kind: 'retry', reason: `grpc_${name.toLowerCase()}`, afterMs, detail };
  }
  return { kind: 'permanent', reason: `grpc_${name.toLowerCase()}`, detail };
}

function credentials(c: OtlpBackendConfig): grpc.ChannelCredentials {
  const t = c.tls;
  if (t.insecure) return grpc.credentials.createInsecure();
  const read = (f: string | undefined): Buffer | null => (f === undefined ? null : readFileSync(f));
  return grpc.credentials.createSsl(read(t.ca_file), read(t.key_file), read(t.cert_file), t.insecure_skip_verify ? { rejectUnauthorized: false, checkServerIdentity: () => undefined } : {});
}
