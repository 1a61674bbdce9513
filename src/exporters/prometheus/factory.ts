import type { ExporterFactory } from '../../component/component.js';
import { type PrometheusConfig, prometheusSchema, validatePrometheus } from './config.js';
import { PrometheusExporter } from './prometheus-exporter.js';

export const prometheusExporterFactory: ExporterFactory<PrometheusConfig> = {
  kind: 'exporter',
  type: 'prometheus',
  stability: 'beta',
  configSchema: prometheusSchema,
  validate: validatePrometheus,
  create: (set, config) => new PrometheusExporter(set, config),
};
