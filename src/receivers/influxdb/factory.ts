import type { ReceiverFactory } from '../../component/component.js';
import { type InfluxdbReceiverConfig, influxdbReceiverSchema, validateInfluxdbReceiver } from './config.js';
import { InfluxdbReceiver } from './receiver.js';

export const influxdbReceiverFactory: ReceiverFactory<InfluxdbReceiverConfig> = {
  kind: 'receiver',
  type: 'influxdb',
  stability: 'beta',
  configSchema: influxdbReceiverSchema,
  validate: validateInfluxdbReceiver,
  create: (set, config, next) => new InfluxdbReceiver(set, config, next),
};
