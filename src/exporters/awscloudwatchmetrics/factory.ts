import type { ExporterFactory } from '../../component/component.js';
import { type CwMetricsConfig, cwMetricsSchema, validateCwMetrics } from './config.js';
import { CwMetricsExporter } from './exporter.js';

export const cwMetricsExporterFactory: ExporterFactory<CwMetricsConfig> = {
  kind: 'exporter',
  type: 'awscloudwatchmetrics',
  stability: 'alpha',
  configSchema: cwMetricsSchema,
  validate: validateCwMetrics,
  // The AWS variables (AWS_REGION, AWS_PROFILE, AWS_CA_BUNDLE, HTTPS_PROXY...) are read once, here.
  create: (set, config) => new CwMetricsExporter(set, config, { env: { ...process.env } }),
};
