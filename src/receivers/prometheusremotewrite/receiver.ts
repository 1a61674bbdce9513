import type { Consumer, CreateSettings } from '../../component/component.js';
import { HttpReceiver } from '../helper/http-receiver.js';
import type { PrwReceiverConfig } from './config.js';
import { WRITE_PATH, createPrwHttpServer } from './http.js';

/**
 * The prometheusremotewrite receiver: Prometheus remote write 1.0 and 2.0
 * over HTTP (http.ts), decoded into the model by model/prw; the mapping is
 * documented in docs/prometheusremotewrite-receiver.md. Prometheus,
 * vmagent, Grafana Alloy and the Collector's exporter write to it
 * unchanged.
 */
export class PrwReceiver extends HttpReceiver<PrwReceiverConfig> {
  constructor(set: CreateSettings, config: PrwReceiverConfig, next: Consumer) {
    super(set, config, next, createPrwHttpServer, [WRITE_PATH]);
  }
}
