import type { ExtensionFactory } from '../../component/component.js';
import { type FileStorageConfig, fileStorageSchema } from './config.js';
import { FileStorage } from './file-storage.js';

export const fileStorageFactory: ExtensionFactory<FileStorageConfig> = {
  kind: 'extension',
  type: 'file_storage',
  stability: 'alpha',
  configSchema: fileStorageSchema,
  create: (set, config) => new FileStorage(set, config),
};
