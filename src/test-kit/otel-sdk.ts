import { type Attributes as OtelAttributes, ValueType } from '@opentelemetry/api';
import { resourceFromAttributes } from '@opentelemetry/resources';
import {
  AggregationTemporality,
  AggregationType,
  InMemoryMetricExporter,
  MeterProvider,
  PeriodicExportingMetricReader,
  type ResourceMetrics,
} from '@opentelemetry/sdk-metrics';

/**
 * Real OpenTelemetry SDK data for tests: one instrument of each kind the
 * SDK has, with resource and scope attributes, recorded through the public
 * API and collected in memory. Tests serialise it with the SDK's own OTLP
 * serializers or send it with its exporters, so what the gateway sees is
 * exactly what a workload would send.
 */

export interface SdkScenario {
  readonly temporality: 'cumulative' | 'delta';
  /** Distinguishes the series of one run from another's. */
  readonly runId: string;
}

export const RESOURCE_ATTRIBUTES: OtelAttributes = {
  'service.name': 'checkout',
  'service.namespace': 'shop',
  'service.instance.id': 'i-0abc',
  'deployment.environment': 'test',
  'host.cpu.count': 8,
  'process.ratio': 0.5,
  'feature.flags': ['a', 'b'],
};

export const SCOPE = { name: 'tributary.test', version: '1.2.3', attributes: { 'scope.kind': 'unit' } } as const;

/** Records a fixed set of measurements and returns what the SDK collected. */
export async function collectSdkMetrics(s: SdkScenario): Promise<ResourceMetrics> {
  const exporter = new InMemoryMetricExporter(
    s.temporality === 'delta' ? AggregationTemporality.DELTA : AggregationTemporality.CUMULATIVE,
  );
  const reader = new PeriodicExportingMetricReader({ exporter, exportIntervalMillis: 3_600_000 });
  const provider = new MeterProvider({
    resource: resourceFromAttributes({ ...RESOURCE_ATTRIBUTES, 'run.id': s.runId }),
    readers: [reader],
    views: [{ instrumentName: 'payload_size', aggregation: { type: AggregationType.EXPONENTIAL_HISTOGRAM, options: { maxSize: 160 } } }],
  });
  recordStandardMeasurements(provider);
  await reader.forceFlush();
  const collected = exporter.getMetrics();
  await provider.shutdown();
  if (collected.length === 0) throw new Error('the SDK exported nothing');
  return collected[collected.length - 1];
}

/** The measurements every SDK-based test uses (and asserts on). */
export function recordStandardMeasurements(provider: MeterProvider): void {
  const meter = provider.getMeter(SCOPE.name, SCOPE.version, { schemaUrl: 'https://opentelemetry.io/schemas/1.24.0' });
  const requests = meter.createCounter('http.server.requests', { description: 'Requests served', unit: '{request}', valueType: ValueType.INT });
  requests.add(3, { 'http.route': '/cart', 'http.method': 'GET' });
  requests.add(2, { 'http.route': '/pay', 'http.method': 'POST' });
  const bytes = meter.createCounter('io.bytes', { unit: 'By', valueType: ValueType.DOUBLE });
  bytes.add(1536.5, { direction: 'in' });
  const active = meter.createUpDownCounter('sessions.active', { unit: '{session}' });
  active.add(5, { tier: 'gold' });
  active.add(-2, { tier: 'gold' });
  const temp = meter.createGauge('room.temperature', { unit: 'Cel' });
  temp.record(21.5, { room: 'lab' });
  const duration = meter.createHistogram('http.server.duration', { unit: 'ms', advice: { explicitBucketBoundaries: [10, 50, 100, 500] } });
  for (const v of [5, 20, 30, 70, 700]) duration.record(v, { 'http.route': '/cart' });
  const size = meter.createHistogram('payload_size', { unit: 'By' });
  for (const v of [100, 200, 400, 800, 1600, 0.5]) size.record(v, { kind: 'upload' });
}

/** Expected values of the standard measurements, for assertions. */
export const EXPECTED = {
  requestsCart: 3,
  requestsPay: 2,
  bytesIn: 1536.5,
  sessionsGold: 3,
  temperatureLab: 21.5,
  durationCount: 5,
  durationSum: 825,
  durationBuckets: [1, 2, 1, 0, 1],
  durationMin: 5,
  durationMax: 700,
  sizeCount: 6,
  sizeSum: 3100.5,
} as const;
