import type { ProcessorFactory } from '../../component/component.js';
import { type DeltaToCumulativeConfig, deltaToCumulativeSchema, validateDeltaToCumulative } from './config.js';
import { DeltaToCumulativeProcessor } from './processor.js';

export const deltaToCumulativeFactory: ProcessorFactory<DeltaToCumulativeConfig> = {
  kind: 'processor',
  type: 'deltatocumulative',
  stability: 'alpha',
  configSchema: deltaToCumulativeSchema,
  validate: validateDeltaToCumulative,
  create: (set, config, next) => new DeltaToCumulativeProcessor(set, config, next),
};
