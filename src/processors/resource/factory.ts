import type { ProcessorFactory } from '../../component/component.js';
import { type ResourceConfig, resourceSchema, validateResource } from './config.js';
import { ResourceProcessor } from './resource-processor.js';

export const resourceProcessorFactory: ProcessorFactory<ResourceConfig> = {
  kind: 'processor',
  type: 'resource',
  stability: 'beta',
  configSchema: resourceSchema,
  validate: validateResource,
  create: (set, config, next) => new ResourceProcessor(set, config, next),
};
