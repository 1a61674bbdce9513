import type { CreateSettings } from '../../component/component.js';
import type { Metric, MetricBatch, ResourceMetrics, ScopeMetrics } from '../../model/metric.js';
import type { StreamKeys } from './stream-key.js';

/**
 * Visits every metric of a batch the processor owns, with the resource and
 * scope parts of the stream key set when `keys` is given (the visitor sets
 * the metric's part, keys.metric(m), for the metrics it keeps state for, so
 * metrics passing through cost nothing). `visit` returns false
 * to remove the metric (for example when all its points were dropped);
 * scopes and resources left empty are removed too, so nothing empty goes
 * downstream.
 */
export function visitMetrics(
  batch: MetricBatch,
  keys: StreamKeys | undefined,
  visit: (m: Metric, rm: ResourceMetrics, sm: ScopeMetrics) => boolean,
): void {
  let rw = 0;
  for (const rm of batch.resourceMetrics) {
    keys?.resource(rm.resource.attributes);
    let sw = 0;
    for (const sm of rm.scopeMetrics) {
      keys?.scope(sm.scope);
      let mw = 0;
      for (const m of sm.metrics) {
        if (visit(m, rm, sm)) sm.metrics[mw++] = m;
      }
      sm.metrics.length = mw;
      if (mw > 0) rm.scopeMetrics[sw++] = sm;
    }
    rm.scopeMetrics.length = sw;
    if (sw > 0) batch.resourceMetrics[rw++] = rm;
  }
  batch.resourceMetrics.length = rw;
}

/**
 * Points a processor dropped in one batch, by reason, counted once per
 * batch into tributary_dropped_metric_points_total{component="processor/<id>"}.
 */
export class DropCounts {
  private readonly counts = new Map<string, number>();

  add(reason: string, n = 1): void {
    this.counts.set(reason, (this.counts.get(reason) ?? 0) + n);
  }

  get total(): number {
    let t = 0;
    for (const n of this.counts.values()) t += n;
    return t;
  }

  /** Reports and clears; returns the counts reported. */
  flush(set: CreateSettings): ReadonlyMap<string, number> {
    const out = new Map(this.counts);
    const component = `processor/${set.id.toString()}`;
    for (const [reason, n] of this.counts) set.metrics.droppedPoints.inc({ component, reason }, n);
    this.counts.clear();
    return out;
  }
}
