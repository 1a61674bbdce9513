import { type FastifyInstance, fastify } from 'fastify';
import type { CreateSettings, Extension, Host } from '../../component/component.js';
import { Lifecycle } from '../../component/lifecycle.js';
import { gracefulClose, listenOn } from '../../component/http-listen.js';
import { readServerTls } from '../../config/tls.js';
import type { HealthCheckConfig } from './config.js';

/**
 * Liveness and readiness for load balancers and orchestrators. `path`
 * (default "/") and /readyz answer 200 only while every component has
 * started and the gateway is not draining; /livez answers 200 while the
 * process serves at all.
 */
export class HealthCheck implements Extension {
  private readonly life = new Lifecycle();
  private close: (() => Promise<void>) | undefined;
  private url = '';
  private readonly since = new Date();

  constructor(
    private readonly set: CreateSettings,
    private readonly config: HealthCheckConfig,
  ) {}

  start(host: Host): Promise<void> {
    return this.life.start(async () => {
      const t = this.config.tls;
      const tls = t !== undefined && !t.insecure ? readServerTls(t) : undefined;
      const app = fastify({ logger: false, https: tls ?? null } as never) as unknown as FastifyInstance;
      const ready = (): boolean => host.phase() === 'running';
      const body = (ok: boolean): Record<string, unknown> => ({
        status: ok ? (this.config.response_body?.healthy ?? 'Server available') : (this.config.response_body?.unhealthy ?? 'Server not available'),
        phase: host.phase(),
        upSince: this.since.toISOString(),
        uptime: `${Math.round((Date.now() - this.since.getTime()) / 1000)}s`,
      });
      const readiness = async (_req: unknown, reply: import('fastify').FastifyReply) => {
        const ok = ready();
        return reply.code(ok ? 200 : 503).send(body(ok));
      };
      app.get(this.config.path, readiness);
      if (this.config.path !== '/readyz') app.get('/readyz', readiness);
      app.get('/livez', async () => ({ status: 'alive', phase: host.phase() }));
      this.close = gracefulClose(app);
      this.url = `${await listenOn(app, this.config.endpoint, tls !== undefined)}${this.config.path}`;
    });
  }

  shutdown(): Promise<void> {
    return this.life.shutdown(async () => {
      await this.close?.();
    });
  }

  endpoints(): readonly string[] {
    return this.url === '' ? [] : [this.url];
  }
}
