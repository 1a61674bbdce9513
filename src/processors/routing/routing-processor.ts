import type { ClientInfo, Consumer, CreateSettings, Processor, RequestContext } from '../../component/component.js';
import { Errors } from '../../errors/catalogue.js';
import { TributaryError } from '../../errors/tributary-error.js';
import { anyValueToString } from '../../model/any-value.js';
import { type MetricBatch, type ResourceMetrics, countPoints } from '../../model/metric.js';
import { combineResults, fanout } from '../../pipeline/fanout.js';
import { throttle } from '../../telemetry/logger.js';
import { type ContextKey, contextValues, parseContextKey } from '../helper/context-value.js';
import { type Condition, parseCondition } from '../helper/ottl.js';
import { type RoutingConfig, routeCondition } from './config.js';

/**
 * The routing processor: sends each part of a batch to the exporters of its
 * route, for example one remote-write endpoint per tenant. The route is
 * chosen per resource: by the value of `from_attribute` (a request header or
 * auth attribute with `attribute_source: context`, a resource attribute with
 * `attribute_source: resource`) or by the first route whose condition holds;
 * anything unmatched goes to `default_exporters`, or is dropped (counted and
 * logged) when there are none.
 *
 * It is the last processor of its pipeline and does not call `next`; the
 * pipeline gives it its exporters, counted, through CreateSettings. It does
 * not change its input (parts are new containers sharing the resources).
 * With `attribute_source: context` it must come before `batch`, or `batch`
 * must keep the key in `metadata_keys`.
 */

interface Route {
  readonly value?: string;
  readonly condition?: Condition;
  readonly consumer: Consumer;
}

export class RoutingProcessor implements Processor {
  readonly mutates = false;
  private readonly routes: readonly Route[];
  private readonly fallback: Consumer | undefined;
  private readonly key: ContextKey | undefined;
  private readonly warn: ReturnType<typeof throttle>;
  private readonly labels: { processor: string; pipeline: string; otel_signal: string };

  constructor(
    private readonly set: CreateSettings,
    private readonly config: RoutingConfig,
    _next: Consumer,
  ) {
    const exporters = (ids: readonly string[]) => fanout(ids.map((id) => set.exporters?.get(id) ?? missing(id, set.id.toString())));
    this.routes = config.table.map((r) => {
      const cond = routeCondition(r);
      return { value: r.value, condition: cond === undefined ? undefined : parseCondition(cond, 'resource'), consumer: exporters(r.exporters) };
    });
    this.fallback = config.default_exporters.length > 0 ? exporters(config.default_exporters) : undefined;
    this.key = config.from_attribute === undefined || config.attribute_source !== 'context' ? undefined : parseContextKey(config.from_attribute);
    this.warn = throttle(set.logger);
    this.labels = { processor: set.id.toString(), pipeline: set.pipeline ?? '', otel_signal: 'metrics' };
  }

  async start(): Promise<void> {}

  async shutdown(): Promise<void> {}

  async consume(batch: MetricBatch, ctx: RequestContext): Promise<void> {
    const parts = new Map<number, ResourceMetrics[]>();
    const contextValue = this.key === undefined ? undefined : contextValues(ctx.client, this.key)[0];
    for (const rm of batch.resourceMetrics) {
      const r = this.routeOf(rm, contextValue, ctx.client);
      const list = parts.get(r);
      const part = this.config.drop_resource_routing_attribute && r >= 0 && this.routes[r].value !== undefined ? withoutAttribute(rm, this.config.from_attribute!) : rm;
      if (list === undefined) parts.set(r, [part]);
      else list.push(part);
    }
    const sends: Promise<void>[] = [];
    for (const [r, rms] of parts) {
      const part: MetricBatch = { resourceMetrics: rms };
      const target = r >= 0 ? this.routes[r].consumer : this.fallback;
      const n = countPoints(part);
      if (target === undefined) {
        this.set.metrics.droppedPoints.inc({ component: `processor/${this.labels.processor}`, reason: 'no_route' }, n);
        this.warn('warn', 'no_route', { processor: this.labels.processor, points: n }, 'data matched no route and there are no default_exporters; dropped');
        continue;
      }
      sends.push(target.consume(part, ctx).then(() => void this.set.metrics.processorOutgoing.inc(this.labels, n)));
    }
    combineResults(await Promise.allSettled(sends));
  }

  /** The index of the first matching route, or -1. */
  private routeOf(rm: ResourceMetrics, contextValue: string | undefined, client: ClientInfo): number {
    let value = contextValue;
    if (this.config.attribute_source === 'resource' && this.config.from_attribute !== undefined) {
      const v = rm.resource.attributes.get(this.config.from_attribute);
      value = v === undefined ? undefined : anyValueToString(v);
    }
    for (let i = 0; i < this.routes.length; i++) {
      const r = this.routes[i];
      if (r.value !== undefined ? r.value === value : r.condition!.eval({ resource: rm.resource, client })) return i;
    }
    return -1;
  }
}

function withoutAttribute(rm: ResourceMetrics, key: string): ResourceMetrics {
  return { ...rm, resource: { ...rm.resource, attributes: rm.resource.attributes.without(key) } };
}

/** Only when built outside a pipeline (the config check makes routed exporters part of the pipeline). */
function missing(id: string, processor: string): Consumer {
  return {
    mutates: false,
    consume: () => Promise.reject(new TributaryError(Errors.EXPORT_PERMANENT, `${processor}: exporter "${id}" is not in this pipeline's exporters`)),
  };
}
