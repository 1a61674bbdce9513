import { Metadata } from '@grpc/grpc-js';
import { OTLPMetricExporter as GrpcExporter } from '@opentelemetry/exporter-metrics-otlp-grpc';
import { AggregationTemporalityPreference, OTLPMetricExporter as HttpJsonExporter } from '@opentelemetry/exporter-metrics-otlp-http';
import { OTLPMetricExporter as HttpProtoExporter } from '@opentelemetry/exporter-metrics-otlp-proto';
import { resourceFromAttributes } from '@opentelemetry/resources';
import {
  AggregationType,
  MeterProvider,
  PeriodicExportingMetricReader,
  type PushMetricExporter,
  type ResourceMetrics,
} from '@opentelemetry/sdk-metrics';
import { RESOURCE_ATTRIBUTES, recordStandardMeasurements } from '../../src/test-kit/otel-sdk.js';

/**
 * A workload as the OpenTelemetry JS SDK makes it: a MeterProvider with one
 * of the SDK's OTLP exporters. A tee keeps what the SDK exported so a test
 * can compare it with what arrived.
 */

export type SdkProtocol = 'grpc' | 'http/protobuf' | 'http/json';

export interface SdkClientOptions {
  readonly protocol: SdkProtocol;
  /** host:port of the gateway's gRPC or HTTP endpoint. */
  readonly endpoint: string;
  readonly temporality: 'cumulative' | 'delta';
  readonly runId: string;
  readonly headers?: Record<string, string>;
}

export function sdkExporter(o: SdkClientOptions): PushMetricExporter {
  const temporalityPreference = o.temporality === 'delta' ? AggregationTemporalityPreference.DELTA : AggregationTemporalityPreference.CUMULATIVE;
  const common = { temporalityPreference, headers: o.headers, timeoutMillis: 10_000 };
  switch (o.protocol) {
    case 'grpc': {
      // The SDK's gRPC exporter sends request metadata from `metadata`; it ignores `headers`.
      const metadata = new Metadata();
      for (const [k, v] of Object.entries(o.headers ?? {})) metadata.set(k, v);
      return new GrpcExporter({ ...common, url: `http://${o.endpoint}`, metadata });
    }
    case 'http/protobuf':
      return new HttpProtoExporter({ ...common, url: `http://${o.endpoint}/v1/metrics` });
    case 'http/json':
      return new HttpJsonExporter({ ...common, url: `http://${o.endpoint}/v1/metrics` });
  }
}

/** Wraps an exporter, keeping what was exported and whether it succeeded. */
export class TeeExporter implements PushMetricExporter {
  readonly exported: { metrics: ResourceMetrics; ok: boolean; error?: Error }[] = [];
  constructor(private readonly inner: PushMetricExporter) {}
  export(metrics: ResourceMetrics, cb: (r: { code: number; error?: Error }) => void): void {
    this.inner.export(metrics, (r) => {
      this.exported.push({ metrics, ok: r.code === 0, error: r.error });
      cb(r);
    });
  }
  forceFlush(): Promise<void> {
    return this.inner.forceFlush();
  }
  shutdown(): Promise<void> {
    return this.inner.shutdown();
  }
  selectAggregationTemporality = (t: Parameters<NonNullable<PushMetricExporter['selectAggregationTemporality']>>[0]) =>
    this.inner.selectAggregationTemporality!(t);
}

export interface SdkClient {
  readonly provider: MeterProvider;
  readonly tee: TeeExporter;
  flush(): Promise<void>;
  shutdown(): Promise<void>;
}

export function sdkClient(o: SdkClientOptions): SdkClient {
  const tee = new TeeExporter(sdkExporter(o));
  const reader = new PeriodicExportingMetricReader({ exporter: tee, exportIntervalMillis: 3_600_000, exportTimeoutMillis: 10_000 });
  const provider = new MeterProvider({
    resource: resourceFromAttributes({ ...RESOURCE_ATTRIBUTES, 'service.instance.id': o.runId, 'run.id': o.runId }),
    readers: [reader],
    views: [{ instrumentName: 'payload_size', aggregation: { type: AggregationType.EXPONENTIAL_HISTOGRAM, options: { maxSize: 160 } } }],
  });
  return {
    provider,
    tee,
    flush: () => reader.forceFlush(),
    shutdown: () => provider.shutdown(),
  };
}

export { recordStandardMeasurements };

/** One export of the standard measurements; throws if the SDK reports a failed export. */
export async function sendStandardOnce(o: SdkClientOptions): Promise<void> {
  const client = sdkClient(o);
  recordStandardMeasurements(client.provider);
  await client.flush();
  await client.shutdown();
  const failed = client.tee.exported.filter((e) => !e.ok).map((e) => e.error?.message);
  if (client.tee.exported.length === 0 || failed.length > 0) throw new Error(`the SDK export failed: ${failed.join('; ') || 'nothing was exported'}`);
}
