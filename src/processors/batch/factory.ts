import type { ProcessorFactory } from '../../component/component.js';
import { BatchProcessor } from './batch-processor.js';
import { type BatchConfig, batchSchema, validateBatch } from './config.js';

export const batchProcessorFactory: ProcessorFactory<BatchConfig> = {
  kind: 'processor',
  type: 'batch',
  stability: 'beta',
  configSchema: batchSchema,
  validate: validateBatch,
  create: (set, config, next) => new BatchProcessor(set, config, next),
};
