import type { ProcessorFactory } from '../../component/component.js';
import { type CumulativeToDeltaConfig, cumulativeToDeltaSchema, validateCumulativeToDelta } from './config.js';
import { CumulativeToDeltaProcessor } from './processor.js';

export const cumulativeToDeltaFactory: ProcessorFactory<CumulativeToDeltaConfig> = {
  kind: 'processor',
  type: 'cumulativetodelta',
  stability: 'beta',
  configSchema: cumulativeToDeltaSchema,
  validate: validateCumulativeToDelta,
  create: (set, config, next) => new CumulativeToDeltaProcessor(set, config, next),
};
