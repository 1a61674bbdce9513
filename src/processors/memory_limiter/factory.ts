import type { ProcessorFactory } from '../../component/component.js';
import { type MemoryLimiterConfig, memoryLimiterSchema, validateMemoryLimiter } from './config.js';
import { MemoryLimiter } from './memory-limiter.js';

export const memoryLimiterFactory: ProcessorFactory<MemoryLimiterConfig> = {
  kind: 'processor',
  type: 'memory_limiter',
  stability: 'beta',
  configSchema: memoryLimiterSchema,
  validate: validateMemoryLimiter,
  create: (set, config, next) => new MemoryLimiter(set, config, next),
};
