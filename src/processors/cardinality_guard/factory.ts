import type { ProcessorFactory } from '../../component/component.js';
import { CardinalityGuard } from './guard.js';
import { type CardinalityGuardConfig, cardinalityGuardSchema, validateCardinalityGuard } from './config.js';

export const cardinalityGuardFactory: ProcessorFactory<CardinalityGuardConfig> = {
  kind: 'processor',
  type: 'cardinality_guard',
  stability: 'alpha',
  configSchema: cardinalityGuardSchema,
  validate: validateCardinalityGuard,
  create: (set, config, next) => new CardinalityGuard(set, config, next),
};
