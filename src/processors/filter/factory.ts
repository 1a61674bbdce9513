import type { ProcessorFactory } from '../../component/component.js';
import { type FilterConfig, filterSchema, validateFilter } from './config.js';
import { FilterProcessor } from './filter-processor.js';

export const filterProcessorFactory: ProcessorFactory<FilterConfig> = {
  kind: 'processor',
  type: 'filter',
  stability: 'beta',
  configSchema: filterSchema,
  validate: validateFilter,
  create: (set, config, next) => new FilterProcessor(set, config, next),
};
