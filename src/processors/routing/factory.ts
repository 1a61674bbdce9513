import type { ProcessorFactory } from '../../component/component.js';
import { type RoutingConfig, routedExporters, routingSchema, validateRouting } from './config.js';
import { RoutingProcessor } from './routing-processor.js';

export const routingProcessorFactory: ProcessorFactory<RoutingConfig> = {
  kind: 'processor',
  type: 'routing',
  stability: 'alpha',
  configSchema: routingSchema,
  validate: validateRouting,
  routesTo: routedExporters,
  create: (set, config, next) => new RoutingProcessor(set, config, next),
};
