import type { Consumer, CreateSettings, Processor, RequestContext } from '../../component/component.js';
import type { Attributes } from '../../model/attributes.js';
import { cloneMetric } from '../../model/batch.js';
import type { Metric, MetricBatch } from '../../model/metric.js';
import { compileGoRegexp, expandTemplate } from '../helper/go-regexp.js';
import type { MetricsTransformConfig, TransformConfig } from './config.js';
import { type Operation, compileOperation } from './operations.js';

/**
 * The metricstransform processor (the subset ADOT users rely on; see
 * config.ts). Transforms run in order over each scope's metrics: `update`
 * changes matching metrics in place, `insert` adds a changed copy after the
 * originals. A metric left without points is removed. Changes the batch in
 * place (mutates).
 */

class Transform {
  private readonly re: RegExp | undefined;
  readonly ops: readonly Operation[];

  constructor(readonly config: TransformConfig) {
    this.re = config.match_type === 'regexp' ? compileGoRegexp(config.include) : undefined;
    this.ops = config.operations.map(compileOperation);
  }

  /** The regexp match (or true for a strict match), or undefined when the metric is not selected. */
  match(name: string): RegExpExecArray | true | undefined {
    if (this.re === undefined) return name === this.config.include ? true : undefined;
    return this.re.exec(name) ?? undefined;
  }

  /** Renames and runs the operations; undefined when no points are left (a metric that had none is kept). */
  apply(m: Metric, match: RegExpExecArray | true, memos: Map<Attributes, Attributes>[]): Metric | undefined {
    const hadPoints = m.points.length > 0;
    let out: Metric = m;
    const template = this.config.new_name;
    if (template !== undefined && template !== '') {
      const name = match === true ? template : expandTemplate(template, match) || template;
      if (name !== m.name) out = { ...out, name } as Metric;
    }
    for (let k = 0; k < this.ops.length; k++) {
      const next = this.ops[k](out, memos[k]);
      if (next === undefined) return undefined;
      out = next;
    }
    return hadPoints && out.points.length === 0 ? undefined : out;
  }
}

export class MetricsTransformProcessor implements Processor {
  readonly mutates = true;
  private readonly transforms: readonly Transform[];

  constructor(
    _set: CreateSettings,
    config: MetricsTransformConfig,
    private readonly next: Consumer,
  ) {
    this.transforms = config.transforms.map((t) => new Transform(t));
  }

  async start(): Promise<void> {}

  async shutdown(): Promise<void> {}

  consume(batch: MetricBatch, ctx: RequestContext): Promise<void> {
    this.transform(batch);
    // Everything removed: nothing to hand on.
    if (batch.resourceMetrics.length === 0) return Promise.resolve();
    return this.next.consume(batch, ctx);
  }

  transform(batch: MetricBatch): void {
    // Label changes are memoised per distinct attribute set, for this batch only.
    const memos = this.transforms.map((t) => t.ops.map(() => new Map<Attributes, Attributes>()));
    for (const rm of batch.resourceMetrics) {
      for (const sm of rm.scopeMetrics) {
        this.transforms.forEach((t, ti) => {
          const metrics = sm.metrics;
          const n = metrics.length;
          if (t.config.action === 'insert') {
            for (let i = 0; i < n; i++) {
              const match = t.match(metrics[i].name);
              if (match === undefined) continue;
              const added = t.apply(cloneMetric(metrics[i]), match, memos[ti]);
              if (added !== undefined) metrics.push(added);
            }
            return;
          }
          const kept: Metric[] = [];
          for (const m of metrics) {
            const match = t.match(m.name);
            const out = match === undefined ? m : t.apply(m, match, memos[ti]);
            if (out !== undefined) kept.push(out);
          }
          sm.metrics = kept;
        });
      }
      rm.scopeMetrics = rm.scopeMetrics.filter((sm) => sm.metrics.length > 0);
    }
    batch.resourceMetrics = batch.resourceMetrics.filter((rm) => rm.scopeMetrics.length > 0);
  }
}
