import type { ReceiverFactory } from '../../component/component.js';
import { type PutMetricDataReceiverConfig, putMetricDataReceiverSchema, validatePutMetricDataReceiver } from './config.js';
import { PutMetricDataReceiver } from './receiver.js';

/** No Collector component speaks PutMetricData, so the type is named after the API operation. */
export const putMetricDataReceiverFactory: ReceiverFactory<PutMetricDataReceiverConfig> = {
  kind: 'receiver',
  type: 'putmetricdata',
  stability: 'alpha',
  configSchema: putMetricDataReceiverSchema,
  validate: validatePutMetricDataReceiver,
  create: (set, config, next) => new PutMetricDataReceiver(set, config, next),
};
