import type { ExporterFactory } from '../../component/component.js';
import { type DebugConfig, debugSchema } from './config.js';
import { DebugExporter } from './debug-exporter.js';

export const debugExporterFactory: ExporterFactory<DebugConfig> = {
  kind: 'exporter',
  type: 'debug',
  aliases: ['logging'],
  stability: 'beta',
  configSchema: debugSchema,
  create: (set, config) => new DebugExporter(set, config),
};
