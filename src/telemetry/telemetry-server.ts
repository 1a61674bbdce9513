import { type FastifyInstance, fastify } from 'fastify';
import { gracefulClose, listenOn } from '../component/http-listen.js';
/** What /metrics serves: SelfMetrics, or the primary's aggregate of its workers' metrics. */
export interface MetricsText {
  text(): Promise<string>;
  readonly registry: { readonly contentType: string };
}

/**
 * The telemetry port (default localhost:8888): /metrics in the Prometheus
 * text format. Other pages (the status page) register routes on `app`,
 * before `listen`.
 */
export class TelemetryServer {
  readonly app: FastifyInstance;
  private listening = '';
  private readonly closeApp: () => Promise<void>;

  constructor(
    private readonly endpoint: string,
    metrics: MetricsText,
  ) {
    this.app = fastify({ logger: false }) as unknown as FastifyInstance;
    this.closeApp = gracefulClose(this.app);
    this.app.get('/metrics', async (_req, reply) => {
      const text = await metrics.text();
      return reply.type(metrics.registry.contentType).send(text);
    });
  }

  /** Listens; routes must be added before. Returns the /metrics URL. */
  async listen(): Promise<string> {
    this.listening = await listenOn(this.app, this.endpoint, false);
    return this.url;
  }

  /** The /metrics URL once listening. */
  get url(): string {
    return this.listening === '' ? '' : `${this.listening}/metrics`;
  }

  /** The server's base URL (http://host:port) once listening. */
  get baseUrl(): string {
    return this.listening;
  }

  async close(): Promise<void> {
    await this.closeApp();
  }
}
