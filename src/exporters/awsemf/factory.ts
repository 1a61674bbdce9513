import type { ExporterFactory } from '../../component/component.js';
import { type EmfConfig, emfSchema, validateEmf } from './config.js';
import { EmfExporter } from './exporter.js';

export const emfExporterFactory: ExporterFactory<EmfConfig> = {
  kind: 'exporter',
  type: 'awsemf',
  stability: 'alpha',
  configSchema: emfSchema,
  validate: validateEmf,
  // The AWS variables (AWS_REGION, AWS_PROFILE, AWS_CA_BUNDLE, HTTPS_PROXY...) are read once, here.
  create: (set, config) => new EmfExporter(set, config, { env: { ...process.env } }),
};
