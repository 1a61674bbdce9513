import type { ClientInfo, Consumer, CreateSettings, Processor, RequestContext } from '../../component/component.js';
import type { Attributes } from '../../model/attributes.js';
import { withPoints } from '../../model/batch.js';
import type { Metric, MetricBatch, Resource, ResourceMetrics, Scope, ScopeMetrics } from '../../model/metric.js';
import { keepPoints } from '../../model/points.js';
import { AttributesMatcher, type MatchType, StringMatcher } from '../helper/match.js';
import { type Condition, parseCondition } from '../helper/ottl.js';
import type { FilterConfig, LegacyMatch } from './config.js';

/**
 * The filter processor: drops resources, metrics or data points. A metric
 * whose points are all dropped disappears, and so do scopes and resources
 * left empty; if nothing is left, nothing is handed on.
 *
 * It does not change its input: what it keeps is put in new containers that
 * share the kept metrics (and new point columns where points were dropped),
 * so it never needs a copy of its own (mutates: false).
 */

/** Legacy include/exclude, as the Collector evaluates it: resource and name tests are separate, include must match, exclude must not. */
class LegacyFilter {
  private readonly incRes?: AttributesMatcher;
  private readonly excRes?: AttributesMatcher;
  private readonly incNames?: StringMatcher;
  private readonly excNames?: StringMatcher;

  constructor(include: LegacyMatch | undefined, exclude: LegacyMatch | undefined) {
    const res = (p: LegacyMatch | undefined) => (p !== undefined && p.resource_attributes.length > 0 ? new AttributesMatcher(p.match_type as MatchType, p.resource_attributes) : undefined);
    const names = (p: LegacyMatch | undefined) => (p !== undefined && p.metric_names.length > 0 ? new StringMatcher(p.match_type as MatchType, p.metric_names) : undefined);
    this.incRes = res(include);
    this.excRes = res(exclude);
    this.incNames = names(include);
    this.excNames = names(exclude);
  }

  dropsResource(a: Attributes): boolean {
    return (this.incRes !== undefined && !this.incRes.matches(a)) || (this.excRes !== undefined && this.excRes.matches(a));
  }

  dropsMetric(name: string): boolean {
    return (this.incNames !== undefined && !this.incNames.matches(name)) || (this.excNames !== undefined && this.excNames.matches(name));
  }
}

export class FilterProcessor implements Processor {
  readonly mutates = false;
  private readonly legacy: LegacyFilter | undefined;
  private readonly metricConds: readonly Condition[];
  private readonly pointConds: readonly Condition[];
  private readonly pointsByAttributesOnly: boolean;

  constructor(
    _set: CreateSettings,
    config: FilterConfig,
    private readonly next: Consumer,
  ) {
    const m = config.metrics;
    this.legacy = m.include !== undefined || m.exclude !== undefined ? new LegacyFilter(m.include, m.exclude) : undefined;
    this.metricConds = m.metric.map((c) => parseCondition(c, 'metric'));
    this.pointConds = m.datapoint.map((c) => parseCondition(c, 'datapoint'));
    this.pointsByAttributesOnly = this.pointConds.every((c) => !c.readsPointValues);
  }

  async start(): Promise<void> {}

  async shutdown(): Promise<void> {}

  consume(batch: MetricBatch, ctx: RequestContext): Promise<void> {
    const kept = this.filter(batch, ctx.client);
    if (kept.resourceMetrics.length === 0) return Promise.resolve();
    return this.next.consume(kept, ctx);
  }

  /** Returns the batch itself when nothing is dropped. */
  filter(batch: MetricBatch, client: ClientInfo = {}): MetricBatch {
    if (this.legacy === undefined && this.metricConds.length === 0 && this.pointConds.length === 0) return batch;
    let changed = false;
    const rms: ResourceMetrics[] = [];
    for (const rm of batch.resourceMetrics) {
      const out = this.filterResource(rm, client);
      if (out !== rm) changed = true;
      if (out !== undefined) rms.push(out);
    }
    return changed ? { resourceMetrics: rms } : batch;
  }

  private filterResource(rm: ResourceMetrics, client: ClientInfo): ResourceMetrics | undefined {
    if (this.legacy?.dropsResource(rm.resource.attributes)) return undefined;
    let changed = false;
    const scopes: ScopeMetrics[] = [];
    for (const sm of rm.scopeMetrics) {
      const out = this.filterScope(sm, rm.resource, client);
      if (out !== sm) changed = true;
      if (out !== undefined) scopes.push(out);
    }
    if (scopes.length === 0) return undefined;
    return changed ? { ...rm, scopeMetrics: scopes } : rm;
  }

  private filterScope(sm: ScopeMetrics, resource: Resource, client: ClientInfo): ScopeMetrics | undefined {
    let changed = false;
    const metrics: Metric[] = [];
    for (const m of sm.metrics) {
      const out = this.filterMetric(m, resource, sm.scope, client);
      if (out !== m) changed = true;
      if (out !== undefined) metrics.push(out);
    }
    if (metrics.length === 0) return undefined;
    return changed ? { ...sm, metrics } : sm;
  }

  private filterMetric(m: Metric, resource: Resource, scope: Scope, client: ClientInfo): Metric | undefined {
    if (this.legacy?.dropsMetric(m.name)) return undefined;
    const target = { resource, scope, client, metric: m, index: 0 };
    for (const c of this.metricConds) if (c.eval(target)) return undefined;
    if (this.pointConds.length === 0) return m;
    const n = m.points.length;
    const keep = new Uint8Array(n);
    let kept = 0;
    // Conditions that read only attributes give one answer per attribute set.
    const memo = this.pointsByAttributesOnly ? new Map<Attributes, boolean>() : undefined;
    for (let i = 0; i < n; i++) {
      const a = m.points.attributes[i];
      let drop = memo?.get(a);
      if (drop === undefined) {
        target.index = i;
        drop = false;
        for (const c of this.pointConds) {
          if (c.eval(target)) {
            drop = true;
            break;
          }
        }
        memo?.set(a, drop);
      }
      if (!drop) {
        keep[i] = 1;
        kept++;
      }
    }
    if (kept === n && n > 0) return m;
    if (kept === 0) return undefined;
    return withPoints(m, keepPoints(m.points, keep, kept));
  }
}
