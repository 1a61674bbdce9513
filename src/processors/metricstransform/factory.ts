import type { ProcessorFactory } from '../../component/component.js';
import { type MetricsTransformConfig, metricsTransformSchema, validateMetricsTransform } from './config.js';
import { MetricsTransformProcessor } from './metricstransform-processor.js';

export const metricsTransformProcessorFactory: ProcessorFactory<MetricsTransformConfig> = {
  kind: 'processor',
  type: 'metricstransform',
  stability: 'beta',
  configSchema: metricsTransformSchema,
  validate: validateMetricsTransform,
  create: (set, config, next) => new MetricsTransformProcessor(set, config, next),
};
