import type { ProcessorFactory } from '../../component/component.js';
import { AttributesProcessor } from './attributes-processor.js';
import { type AttributesConfig, attributesSchema, validateAttributes } from './config.js';

export const attributesProcessorFactory: ProcessorFactory<AttributesConfig> = {
  kind: 'processor',
  type: 'attributes',
  stability: 'beta',
  configSchema: attributesSchema,
  validate: validateAttributes,
  create: (set, config, next) => new AttributesProcessor(set, config, next),
};
