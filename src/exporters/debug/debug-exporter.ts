import type { CreateSettings, Exporter, RequestContext } from '../../component/component.js';
import { Lifecycle } from '../../component/lifecycle.js';
import { type MetricBatch, MetricType, countMetrics, countPoints } from '../../model/metric.js';
import { batchJson } from '../../model/otlp/encode-json.js';
import type { DebugConfig } from './config.js';

const TYPE_NAMES: Record<MetricType, string> = {
  [MetricType.Gauge]: 'Gauge',
  [MetricType.Sum]: 'Sum',
  [MetricType.Histogram]: 'Histogram',
  [MetricType.ExponentialHistogram]: 'ExponentialHistogram',
  [MetricType.Summary]: 'Summary',
};

/**
 * Logs what passes through: one summary line per batch (basic), plus one
 * line per batch naming each metric (normal), or the whole batch as
 * OTLP/JSON in one line (detailed). Never one line per data point. Sampling
 * as in the Collector: the first `sampling_initial` batches each second,
 * then every `sampling_thereafter`-th.
 */
export class DebugExporter implements Exporter {
  readonly mutates = false;
  private readonly life = new Lifecycle();
  private second = 0;
  private inSecond = 0;

  constructor(
    private readonly set: CreateSettings,
    private readonly config: DebugConfig,
  ) {}

  start(): Promise<void> {
    return this.life.start(() => undefined);
  }

  shutdown(): Promise<void> {
    return this.life.shutdown(() => undefined);
  }

  async consume(batch: MetricBatch, _ctx: RequestContext): Promise<void> {
    if (!this.sampled()) return;
    const points = countPoints(batch);
    const fields: Record<string, unknown> = {
      resource_metrics: batch.resourceMetrics.length,
      metrics: countMetrics(batch),
      data_points: points,
    };
    if (this.config.verbosity === 'normal') {
      fields.names = batch.resourceMetrics.flatMap((rm) =>
        rm.scopeMetrics.flatMap((sm) => sm.metrics.map((m) => `${m.name} ${TYPE_NAMES[m.type]} x${m.points.length}`)),
      );
    } else if (this.config.verbosity === 'detailed') {
      fields.batch = batchJson(batch);
    }
    this.set.logger.info(fields, 'Metrics');
    this.set.metrics.exporterSent.inc({ exporter: this.set.id.toString() }, points);
  }

  private sampled(): boolean {
    const s = Math.floor(Date.now() / 1000);
    if (s !== this.second) {
      this.second = s;
      this.inSecond = 0;
    }
    this.inSecond++;
    if (this.inSecond <= this.config.sampling_initial) return true;
    return (this.inSecond - this.config.sampling_initial) % this.config.sampling_thereafter === 0;
  }
}
