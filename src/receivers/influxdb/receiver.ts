import type { Consumer, CreateSettings } from '../../component/component.js';
import { HttpReceiver } from '../helper/http-receiver.js';
import type { InfluxdbReceiverConfig } from './config.js';
import { createInfluxHttpServer } from './http.js';

/**
 * The influxdb receiver: Influx line protocol over the InfluxDB 1.x and 2.x
 * write APIs (http.ts), parsed into the model (line-protocol.ts) as:
 * - each float, integer, unsigned or boolean field: a gauge point of the
 *   metric `<measurement>_<field>` (also for a field named `value`, as the
 *   Collector's receiver names it); integers keep the int flag, booleans are
 *   int 1/0, unsigned values above 2^63-1 are doubles;
 * - tags: the point's attributes (the measurement is not repeated);
 * - string fields: dropped and counted (the model holds numbers only);
 * - db and rp (v1), bucket, org and orgID (v2): resource attributes
 *   influxdb.database, influxdb.retention_policy, influxdb.bucket,
 *   influxdb.org, influxdb.org_id; one ResourceMetrics per request, with an
 *   empty scope;
 * - the timestamp in the request's precision, or the receive time.
 */
export class InfluxdbReceiver extends HttpReceiver<InfluxdbReceiverConfig> {
  constructor(set: CreateSettings, config: InfluxdbReceiverConfig, next: Consumer) {
    super(set, config, next, createInfluxHttpServer, ['/write', '/api/v2/write']);
  }
}
