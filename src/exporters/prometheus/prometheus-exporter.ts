import { type FastifyInstance, fastify } from 'fastify';
import type { CreateSettings, Exporter, RequestContext } from '../../component/component.js';
import { Lifecycle } from '../../component/lifecycle.js';
import { gracefulClose, listenOn } from '../../component/http-listen.js';
import { readServerTls } from '../../config/tls.js';
import { type MetricBatch, countPoints } from '../../model/metric.js';
import { MetricNamer } from '../../model/prom/naming.js';
import { throttle } from '../../telemetry/logger.js';
import { Accumulator } from './accumulator.js';
import type { PrometheusConfig } from './config.js';
import { CONTENT_TYPE, render } from './exposition.js';

/** Serves the latest values of what flows through it on GET /metrics, for Prometheus to scrape. */
export class PrometheusExporter implements Exporter {
  readonly mutates = false;
  private readonly life = new Lifecycle();
  private readonly acc: Accumulator;
  private close: (() => Promise<void>) | undefined;
  private url = '';
  private sweeper: NodeJS.Timeout | undefined;

  constructor(
    private readonly set: CreateSettings,
    private readonly config: PrometheusConfig,
  ) {
    const log = throttle(set.logger);
    this.acc = new Accumulator({
      namer: new MetricNamer({ addMetricSuffixes: config.add_metric_suffixes, namespace: config.namespace }),
      constLabels: Object.entries(config.const_labels).sort(([a], [b]) => (a < b ? -1 : 1)),
      resourceToTelemetry: config.resource_to_telemetry_conversion.enabled,
      expirationMs: config.metric_expiration,
      onDrop: (reason, metric, points) => {
        set.metrics.droppedPoints.inc({ component: `exporter/${set.id}`, reason }, points);
        log('warn', `${reason}:${metric}`, { metric, reason, points }, 'prometheus exporter cannot show these points');
      },
    });
  }

  start(): Promise<void> {
    return this.life.start(async () => {
      const t = this.config.tls;
      const tls = t !== undefined && !t.insecure ? readServerTls(t) : undefined;
      const app = fastify({ logger: false, https: tls ?? null } as never) as unknown as FastifyInstance;
      app.get('/metrics', async (_req, reply) => {
        this.acc.expire();
        return reply.type(CONTENT_TYPE).send(render(this.acc.families.values(), this.config.send_timestamps));
      });
      this.close = gracefulClose(app);
      this.url = `${await listenOn(app, this.config.endpoint, tls !== undefined)}/metrics`;
      this.sweeper = setInterval(() => this.acc.expire(), Math.max(1000, Math.min(this.config.metric_expiration, 60_000)));
      this.sweeper.unref();
    });
  }

  shutdown(): Promise<void> {
    return this.life.shutdown(async () => {
      if (this.sweeper !== undefined) clearInterval(this.sweeper);
      await this.close?.();
    });
  }

  endpoints(): readonly string[] {
    return this.url === '' ? [] : [this.url];
  }

  async consume(batch: MetricBatch, _ctx: RequestContext): Promise<void> {
    this.acc.add(batch);
    this.set.metrics.exporterSent.inc({ exporter: this.set.id.toString() }, countPoints(batch));
  }
}
