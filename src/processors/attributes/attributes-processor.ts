import type { Consumer, CreateSettings, Processor, RequestContext } from '../../component/component.js';
import type { MetricBatch } from '../../model/metric.js';
import { AttrActions } from '../helper/attr-actions.js';
import { MetricSelector } from '../helper/metric-selector.js';
import type { AttributesConfig } from './config.js';

/**
 * The attributes processor: runs its actions on the attributes of every data
 * point of the selected metrics. Attribute sets are interned, so the actions
 * run once per distinct set in a batch and each point only has its set
 * replaced (a map lookup); this is what keeps adding dimensions cheap.
 * Changes the batch in place (mutates).
 */
export class AttributesProcessor implements Processor {
  readonly mutates = true;
  private readonly actions: AttrActions;
  private readonly selector: MetricSelector;

  constructor(
    _set: CreateSettings,
    config: AttributesConfig,
    private readonly next: Consumer,
  ) {
    this.actions = new AttrActions(config.actions);
    this.selector = new MetricSelector(config.include, config.exclude);
  }

  async start(): Promise<void> {}

  async shutdown(): Promise<void> {}

  consume(batch: MetricBatch, ctx: RequestContext): Promise<void> {
    const map = this.actions.forBatch(ctx.client);
    for (const rm of batch.resourceMetrics) {
      const selected = this.selector.all ? undefined : this.selector.forResource(rm.resource.attributes);
      for (const sm of rm.scopeMetrics) {
        for (const m of sm.metrics) {
          if (selected !== undefined && !selected(m.name)) continue;
          const attrs = m.points.attributes;
          for (let i = 0; i < attrs.length; i++) attrs[i] = map(attrs[i]);
        }
      }
    }
    return this.next.consume(batch, ctx);
  }
}
