import * as grpc from '@grpc/grpc-js';
import { otlpType } from '../model/otlp/schema.js';

/** Raw OTLP clients for receiver tests: exact bytes in, exact answers out. */

export const EXPORT_PATH = '/opentelemetry.proto.collector.metrics.v1.MetricsService/Export';

export function encodeRequest(o: object): Buffer {
  const Req = otlpType('ExportMetricsServiceRequest');
  return Buffer.from(Req.encode(Req.fromObject(o)).finish());
}

export function decodeStatus(b: Buffer): { code: number; message: string; details: { typeUrl: string; value: Uint8Array }[] } {
  return otlpType('Status').toObject(otlpType('Status').decode(b), { defaults: true }) as never;
}

export function decodeExportResponse(b: Buffer): { partialSuccess?: { rejectedDataPoints: number | string; errorMessage: string } } {
  const T = otlpType('ExportMetricsServiceResponse');
  return T.toObject(T.decode(b), { longs: Number }) as never;
}

/** A one-point gauge request, valid unless told otherwise. */
export function gaugeRequest(name = 'g', value = 1, extraPoints: object[] = []): object {
  return {
    resourceMetrics: [
      {
        resource: { attributes: [{ key: 'service.name', value: { stringValue: 'test' } }] },
        scopeMetrics: [{ metrics: [{ name, gauge: { dataPoints: [{ timeUnixNano: '1700000000000000000', asDouble: value }, ...extraPoints] } }] }],
      },
    ],
  };
}

export interface GrpcResult {
  readonly code: number;
  readonly details: string;
  readonly metadata: grpc.Metadata | undefined;
  readonly response: Buffer | undefined;
}

/** Calls Export with raw bytes over gRPC. */
export function grpcExport(
  address: string,
  body: Buffer,
  opts: { gzip?: boolean; metadata?: Record<string, string>; credentials?: grpc.ChannelCredentials } = {},
): Promise<GrpcResult> {
  const channelOpts: grpc.ChannelOptions = opts.gzip ? { 'grpc.default_compression_algorithm': 2, 'grpc.default_compression_level': 2 } : {};
  const client = new grpc.Client(address, opts.credentials ?? grpc.credentials.createInsecure(), channelOpts);
  const md = new grpc.Metadata();
  for (const [k, v] of Object.entries(opts.metadata ?? {})) md.set(k, v);
  return new Promise((resolve) => {
    client.makeUnaryRequest(
      EXPORT_PATH,
      (b: Buffer) => b,
      (b: Buffer) => b,
      body,
      md,
      (err, response) => {
        client.close();
        if (err) resolve({ code: err.code ?? 2, details: err.details ?? '', metadata: err.metadata, response: undefined });
        else resolve({ code: 0, details: '', metadata: undefined, response });
      },
    );
  });
}
