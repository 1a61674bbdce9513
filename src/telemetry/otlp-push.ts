import { hostname } from 'node:os';
import { OTLPMetricExporter as GrpcExporter } from '@opentelemetry/exporter-metrics-otlp-grpc';
import { OTLPMetricExporter as HttpProtoExporter } from '@opentelemetry/exporter-metrics-otlp-proto';
import { resourceFromAttributes } from '@opentelemetry/resources';
import type { PushMetricExporter } from '@opentelemetry/sdk-metrics';
import type { Logger } from './logger.js';
import { registryToResourceMetrics } from './prom-to-otel.js';
import type { SelfMetrics } from './self-metrics.js';

/**
 * Pushes the self-metrics over OTLP with the OpenTelemetry SDK's exporter,
 * for `service.telemetry.metrics.readers: [{periodic: {exporter: {otlp: ...}}}]`.
 * The gateway can point this at its own OTLP receiver so its metrics flow
 * through its own pipelines (for example to AMP).
 */
export interface OtlpPushOptions {
  /** The Collector's reader protocols: OTLP/gRPC, or OTLP/HTTP with protobuf bodies. */
  readonly protocol: 'grpc' | 'http/protobuf';
  readonly endpoint: string;
  /** For an endpoint without a scheme: plain text (true) or TLS. */
  readonly insecure: boolean;
  readonly headers: Readonly<Record<string, string>>;
  readonly intervalMs: number;
  readonly timeoutMs: number;
  readonly resource: Readonly<Record<string, string>>;
}

/**
 * The resource of the pushed metrics: `service.name` "tributary" and
 * `service.instance.id` the host name (the prometheusremotewrite exporter
 * makes them `job` and `instance`), under `service.telemetry.resource`,
 * where a null value removes a key, as in the Collector. The Collector uses
 * a random id per process; the host name stays put across restarts, so a
 * restarted gateway continues its own series.
 */
export function selfResource(configured: Readonly<Record<string, string | null>>, host = hostname()): Record<string, string> {
  const out: Record<string, string> = { 'service.name': 'tributary', 'service.instance.id': host };
  for (const [k, v] of Object.entries(configured)) {
    if (v === null) delete out[k];
    else out[k] = v;
  }
  return out;
}

/**
 * The Collector's configs write `endpoint: localhost:4317`; the SDK's gRPC
 * exporter takes a URL without a scheme as TLS, which the gateway's own
 * plain-text receiver cannot answer. Without a scheme, `insecure` decides.
 */
export function grpcUrl(endpoint: string, insecure: boolean): string {
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(endpoint)) return endpoint;
  return `${insecure ? 'http' : 'https'}://${endpoint}`;
}

/**
 * For http/protobuf, an endpoint without a path is the OTLP/HTTP base, as
 * in the Collector's readers: metrics go to `<base>/v1/metrics`.
 */
export function httpMetricsUrl(endpoint: string, insecure: boolean): string {
  const url = new URL(grpcUrl(endpoint, insecure));
  if (url.pathname === '/' || url.pathname === '') url.pathname = '/v1/metrics';
  return url.toString();
}

export class OtlpPush {
  private timer: NodeJS.Timeout | undefined;
  private readonly exporter: PushMetricExporter;
  private readonly started = Date.now();
  private inflight: Promise<void> = Promise.resolve();

  constructor(
    private readonly o: OtlpPushOptions,
    private readonly metrics: SelfMetrics,
    private readonly logger: Logger,
  ) {
    this.exporter =
      o.protocol === 'grpc'
        ? new GrpcExporter({ url: grpcUrl(o.endpoint, o.insecure), headers: { ...o.headers }, timeoutMillis: o.timeoutMs })
        : new HttpProtoExporter({ url: httpMetricsUrl(o.endpoint, o.insecure), headers: { ...o.headers }, timeoutMillis: o.timeoutMs });
  }

  start(): void {
    this.timer = setInterval(() => {
      this.inflight = this.push();
    }, this.o.intervalMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    if (this.timer !== undefined) clearInterval(this.timer);
    await this.inflight;
    await this.push();
    await this.exporter.shutdown();
  }

  private async push(): Promise<void> {
    const rm = await registryToResourceMetrics(this.metrics.registry, resourceFromAttributes({ ...this.o.resource }), this.started);
    await new Promise<void>((resolve) => {
      this.exporter.export(rm, (result) => {
        if (result.error !== undefined) this.logger.warn({ err: result.error.message }, 'pushing self-metrics over OTLP failed');
        resolve();
      });
    });
  }
}
