import type { ReceiverFactory } from '../../component/component.js';
import { type PrwReceiverConfig, prwReceiverSchema, validatePrwReceiver } from './config.js';
import { PrwReceiver } from './receiver.js';

export const prwReceiverFactory: ReceiverFactory<PrwReceiverConfig> = {
  kind: 'receiver',
  type: 'prometheusremotewrite',
  stability: 'beta',
  configSchema: prwReceiverSchema,
  validate: validatePrwReceiver,
  create: (set, config, next) => new PrwReceiver(set, config, next),
};
