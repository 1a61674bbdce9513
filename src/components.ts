import type { Factory } from './component/component.js';
import { Registry } from './component/registry.js';
import { cwMetricsExporterFactory } from './exporters/awscloudwatchmetrics/factory.js';
import { emfExporterFactory } from './exporters/awsemf/factory.js';
import { debugExporterFactory } from './exporters/debug/factory.js';
import { fileExporterFactory } from './exporters/file/factory.js';
import { loadBalancingExporterFactory } from './exporters/loadbalancing/factory.js';
import { prometheusExporterFactory } from './exporters/prometheus/factory.js';
import { prwExporterFactory } from './exporters/prometheusremotewrite/factory.js';
import { fileStorageFactory } from './extensions/file_storage/factory.js';
import { healthCheckFactory } from './extensions/health_check/factory.js';
import { queryProxyFactory } from './extensions/prometheus_query_proxy/factory.js';
import { basicAuthFactory } from './extensions/basicauth/factory.js';
import { bearerTokenAuthFactory } from './extensions/bearertokenauth/factory.js';
import { mtlsAuthFactory } from './extensions/mtlsauth/factory.js';
import { sigv4AuthFactory } from './extensions/sigv4auth/factory.js';
import { attributesProcessorFactory } from './processors/attributes/factory.js';
import { batchProcessorFactory } from './processors/batch/factory.js';
import { cardinalityGuardFactory } from './processors/cardinality_guard/factory.js';
import { cumulativeToDeltaFactory } from './processors/cumulativetodelta/factory.js';
import { deltaToCumulativeFactory } from './processors/deltatocumulative/factory.js';
import { filterProcessorFactory } from './processors/filter/factory.js';
import { memoryLimiterFactory } from './processors/memory_limiter/factory.js';
import { metricsTransformProcessorFactory } from './processors/metricstransform/factory.js';
import { resourceProcessorFactory } from './processors/resource/factory.js';
import { routingProcessorFactory } from './processors/routing/factory.js';
import { influxdbReceiverFactory } from './receivers/influxdb/factory.js';
import { otlpReceiverFactory } from './receivers/otlp/factory.js';
import { putMetricDataReceiverFactory } from './receivers/putmetricdata/factory.js';
import { prwReceiverFactory } from './receivers/prometheusremotewrite/factory.js';

/** Every built-in component type. */
export const BUILTIN_FACTORIES: readonly Factory[] = [
  otlpReceiverFactory,
  influxdbReceiverFactory,
  putMetricDataReceiverFactory,
  prwReceiverFactory,
  batchProcessorFactory,
  memoryLimiterFactory,
  deltaToCumulativeFactory,
  cumulativeToDeltaFactory,
  cardinalityGuardFactory,
  attributesProcessorFactory,
  resourceProcessorFactory,
  filterProcessorFactory,
  metricsTransformProcessorFactory,
  routingProcessorFactory,
  debugExporterFactory,
  fileExporterFactory,
  prometheusExporterFactory,
  prwExporterFactory,
  cwMetricsExporterFactory,
  emfExporterFactory,
  loadBalancingExporterFactory,
  healthCheckFactory,
  fileStorageFactory,
  sigv4AuthFactory,
  bearerTokenAuthFactory,
  basicAuthFactory,
  mtlsAuthFactory,
  queryProxyFactory,
] as Factory[];

export function builtinRegistry(): Registry {
  return new Registry(BUILTIN_FACTORIES);
}
