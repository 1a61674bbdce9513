import type { Consumer, CreateSettings, Host, Receiver } from '../../component/component.js';
import { type ServerAuthenticator, mustServerAuthenticator } from '../../component/auth.js';
import { Lifecycle } from '../../component/lifecycle.js';
import type { HttpServer } from '../helper/http-server.js';
import type { OtlpReceiverConfig } from './config.js';
import { OtlpGrpcServer } from './grpc.js';
import { createOtlpHttpServer } from './http.js';

/** The otlp receiver: gRPC and/or HTTP, as configured, feeding one consumer. */
export class OtlpReceiver implements Receiver {
  private readonly life = new Lifecycle();
  private grpc: OtlpGrpcServer | undefined;
  private http: HttpServer | undefined;
  private grpcAuth: ServerAuthenticator | undefined;
  private httpAuth: ServerAuthenticator | undefined;
  private readonly listening: string[] = [];

  constructor(
    private readonly set: CreateSettings,
    private readonly config: OtlpReceiverConfig,
    private readonly next: Consumer,
  ) {}

  start(host: Host): Promise<void> {
    return this.life.start(async () => {
      const id = this.set.id.toString();
      const { grpc, http } = this.config.protocols;
      const admit = host.admit === undefined ? undefined : () => host.admit!(id);
      const base = { id, next: this.next, logger: this.set.logger, metrics: this.set.metrics, admit };
      this.grpcAuth = mustServerAuthenticator(host, grpc?.auth?.authenticator, `receivers::${id}::protocols::grpc`);
      this.httpAuth = mustServerAuthenticator(host, http?.auth?.authenticator, `receivers::${id}::protocols::http`);
      try {
        if (grpc !== undefined) {
          this.grpc = new OtlpGrpcServer({ ...base, config: grpc, auth: () => this.grpcAuth });
          this.listening.push(await this.grpc.listen());
        }
        if (http !== undefined) {
          this.http = createOtlpHttpServer({ ...base, config: http, auth: () => this.httpAuth });
          this.listening.push(`${await this.http.listen()}${http.metrics_url_path}`);
        }
      } catch (err) {
        await this.stopServers();
        throw err;
      }
    });
  }

  shutdown(): Promise<void> {
    return this.life.shutdown(() => this.stopServers());
  }

  endpoints(): readonly string[] {
    return this.listening;
  }

  private async stopServers(): Promise<void> {
    await Promise.all([this.grpc?.close(), this.http?.close()]);
  }
}
