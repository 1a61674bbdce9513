import { bool, endpoint, int, presence, section, str, z } from '../../config/schema.js';
import { serverTlsSchema, validateServerTls } from '../../config/tls.js';
import { grpcServerSettings, httpServerSettings, validateServerSettings } from '../helper/server-settings.js';

/** The otlp receiver's config, with the Collector's keys and defaults. */

const auth = section({ authenticator: z.string({ error: 'must be an authenticator extension id' }) });

const grpc = section({
  endpoint: endpoint('localhost:4317'),
  max_recv_msg_size_mib: int(4, 1, 1024),
  max_concurrent_streams: int(0, 0),
  include_metadata: bool(false),
  tls: serverTlsSchema.optional(),
  auth: auth.optional(),
  transport: z.literal('tcp', { error: 'must be "tcp"' }).default('tcp'),
  /** rate_limit. */
  ...grpcServerSettings,
});

const http = section({
  endpoint: endpoint('localhost:4318'),
  /** Applies to the decompressed body (Collector default: 20 MiB). */
  max_request_body_size: int(20 * 1024 * 1024, 1),
  include_metadata: bool(false),
  tls: serverTlsSchema.optional(),
  auth: auth.optional(),
  metrics_url_path: str('/v1/metrics'),
  /** Accepted for Collector compatibility; Tributary receives metrics only. */
  traces_url_path: str('/v1/traces'),
  logs_url_path: str('/v1/logs'),
  cors: section({ allowed_origins: z.array(z.string()).default([]), allowed_headers: z.array(z.string()).default([]), max_age: int(0, 0) }).optional(),
  /** read_timeout, read_header_timeout, idle_timeout, rate_limit. */
  ...httpServerSettings,
});

export const otlpReceiverSchema = section({
  protocols: section({
    grpc: presence(grpc),
    http: presence(http),
  }).prefault({}),
});

export type OtlpReceiverConfig = z.infer<typeof otlpReceiverSchema>;
export type OtlpGrpcConfig = z.infer<typeof grpc>;
export type OtlpHttpConfig = z.infer<typeof http>;

export function validateOtlpReceiver(c: OtlpReceiverConfig): string[] {
  const out: string[] = [];
  if (c.protocols.grpc === undefined && c.protocols.http === undefined) {
    out.push('protocols: at least one of grpc or http must be set (for example `protocols: {grpc: {}, http: {}}`)');
  }
  if (c.protocols.grpc?.tls) out.push(...validateServerTls(c.protocols.grpc.tls, 'protocols::grpc::tls'));
  if (c.protocols.http?.tls) out.push(...validateServerTls(c.protocols.http.tls, 'protocols::http::tls'));
  if (c.protocols.http && !c.protocols.http.metrics_url_path.startsWith('/')) out.push('protocols::http::metrics_url_path: must start with "/"');
  if (c.protocols.grpc) out.push(...validateServerSettings(c.protocols.grpc, 'protocols::grpc::'));
  if (c.protocols.http) out.push(...validateServerSettings(c.protocols.http, 'protocols::http::'));
  return out;
}
