import type { ExporterFactory } from '../../component/component.js';
import { type FileConfig, fileSchema } from './config.js';
import { FileExporter } from './file-exporter.js';

export const fileExporterFactory: ExporterFactory<FileConfig> = {
  kind: 'exporter',
  type: 'file',
  stability: 'beta',
  configSchema: fileSchema,
  create: (set, config) => new FileExporter(set, config),
};
