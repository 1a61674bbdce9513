import type { Consumer, CreateSettings, Processor, RequestContext } from '../../component/component.js';
import type { MetricBatch } from '../../model/metric.js';
import { AttrActions } from '../helper/attr-actions.js';
import type { ResourceConfig } from './config.js';

/**
 * The resource processor: runs the attribute actions on each resource's
 * attributes (once per distinct resource set in a batch). Replaces the
 * resource of each ResourceMetrics in place (mutates).
 */
export class ResourceProcessor implements Processor {
  readonly mutates = true;
  private readonly actions: AttrActions;

  constructor(
    _set: CreateSettings,
    config: ResourceConfig,
    private readonly next: Consumer,
  ) {
    this.actions = new AttrActions(config.attributes);
  }

  async start(): Promise<void> {}

  async shutdown(): Promise<void> {}

  consume(batch: MetricBatch, ctx: RequestContext): Promise<void> {
    const map = this.actions.forBatch(ctx.client);
    for (const rm of batch.resourceMetrics) {
      const attributes = map(rm.resource.attributes);
      if (attributes !== rm.resource.attributes) rm.resource = { ...rm.resource, attributes };
    }
    return this.next.consume(batch, ctx);
  }
}
