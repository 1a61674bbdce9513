import type { ReceiverFactory } from '../../component/component.js';
import { type OtlpReceiverConfig, otlpReceiverSchema, validateOtlpReceiver } from './config.js';
import { OtlpReceiver } from './receiver.js';

export const otlpReceiverFactory: ReceiverFactory<OtlpReceiverConfig> = {
  kind: 'receiver',
  type: 'otlp',
  stability: 'beta',
  configSchema: otlpReceiverSchema,
  validate: validateOtlpReceiver,
  create: (set, config, next) => new OtlpReceiver(set, config, next),
};
