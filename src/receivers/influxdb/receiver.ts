import type { Consumer, CreateSettings, Host, Receiver } from '../../component/component.js';
import { type ServerAuthenticator, mustServerAuthenticator } from '../../component/auth.js';
import { Lifecycle } from '../../component/lifecycle.js';
import type { HttpServer } from '../helper/http-server.js';
import type { InfluxdbReceiverConfig } from './config.js';
import { createInfluxHttpServer } from './http.js';

/** The influxdb receiver: Influx line protocol over the InfluxDB 1.x and 2.x write APIs. */
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
