import type { Consumer, CreateSettings, Host, Receiver } from '../../component/component.js';
import { type ServerAuthenticator, mustServerAuthenticator } from '../../component/auth.js';
import { Lifecycle } from '../../component/lifecycle.js';
import type { HttpServer } from '../helper/http-server.js';
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
export class InfluxdbReceiver implements Receiver {
  private readonly life = new Lifecycle();
  private http: HttpServer | undefined;
  private auth: ServerAuthenticator | undefined;
  private readonly listening: string[] = [];

  constructor(
    private readonly set: CreateSettings,
    private readonly config: InfluxdbReceiverConfig,
    private readonly next: Consumer,
  ) {}

  start(host: Host): Promise<void> {
    return this.life.start(async () => {
      const id = this.set.id.toString();
      this.auth = mustServerAuthenticator(host, this.config.auth?.authenticator, `receivers::${id}`);
      this.http = createInfluxHttpServer({
        id,
        config: this.config,
        next: this.next,
        logger: this.set.logger,
        metrics: this.set.metrics,
        auth: () => this.auth,
        phase: () => host.phase(),
        admit: host.admit === undefined ? undefined : () => host.admit!(id),
      });
      try {
        const base = await this.http.listen();
        this.listening.push(`${base}/write`, `${base}/api/v2/write`);
      } catch (err) {
        await this.http.close();
        throw err;
      }
    });
  }

  shutdown(): Promise<void> {
    return this.life.shutdown(() => this.http?.close());
  }

  endpoints(): readonly string[] {
    return this.listening;
  }
}
