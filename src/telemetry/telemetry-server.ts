import { type FastifyInstance, fastify } from 'fastify';
import { parseEndpoint } from '../config/schema.js';
import type { SelfMetrics } from './self-metrics.js';

/**
 * The telemetry port (default localhost:8888): /metrics in the Prometheus
 * text format. Other pages (the status page) register routes on `app`.
 */
export class TelemetryServer {
  readonly app: FastifyInstance;
  private listening = '';

  constructor(
    private readonly endpoint: string,
    metrics: SelfMetrics,
  ) {
    this.app = fastify({ logger: false }) as unknown as FastifyInstance;
    this.app.get('/metrics', async (_req, reply) => {
      const text = await metrics.text();
      return reply.type(metrics.registry.contentType).send(text);
    });
  }

  async listen(): Promise<string> {
    const ep = parseEndpoint(this.endpoint)!;
    await this.app.listen({ host: ep.host, port: ep.port });
    const addr = this.app.server.address();
    const port = typeof addr === 'object' && addr !== null ? addr.port : ep.port;
    this.listening = `http://${ep.host.includes(':') ? `[${ep.host}]` : ep.host}:${port}/metrics`;
    return this.listening;
  }

  /** The /metrics URL once listening. */
  get url(): string {
    return this.listening;
  }

  async close(): Promise<void> {
    await this.app.close();
  }
}
