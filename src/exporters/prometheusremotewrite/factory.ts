import type { ExporterFactory } from '../../component/component.js';
import { type PrwConfig, prwSchema, validatePrw } from './config.js';
import { PrwExporter } from './exporter.js';

export const prwExporterFactory: ExporterFactory<PrwConfig> = {
  kind: 'exporter',
  type: 'prometheusremotewrite',
  aliases: ['prometheus_remote_write'],
  stability: 'beta',
  configSchema: prwSchema,
  validate: validatePrw,
  create: (set, config) => new PrwExporter(set, config),
};
