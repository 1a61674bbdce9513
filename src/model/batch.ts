import type { Metric, MetricBatch, Points, ResourceMetrics, ScopeMetrics } from './metric.js';
import { clonePoints, slicePoints } from './points.js';

/** A deep copy that shares only immutable parts (attribute sets, strings, exemplars). */
export function cloneBatch(batch: MetricBatch): MetricBatch {
  return {
    resourceMetrics: batch.resourceMetrics.map((rm) => ({
      resource: { ...rm.resource },
      schemaUrl: rm.schemaUrl,
      scopeMetrics: rm.scopeMetrics.map((sm) => ({
        scope: { ...sm.scope },
        schemaUrl: sm.schemaUrl,
        metrics: sm.metrics.map(cloneMetric),
      })),
    })),
  };
}

export function cloneMetric(m: Metric): Metric {
  return withPoints(m, clonePoints(m.points));
}

/** The same metric (name, type, temporality...) with other points of the same kind. */
export function withPoints<M extends Metric>(m: M, points: Points): M {
  return { ...m, points } as M;
}

/** Appends the content of `from` to `into`. Both are owned by the caller; `from` is consumed. */
export function appendBatch(into: MetricBatch, from: MetricBatch): void {
  for (const rm of from.resourceMetrics) into.resourceMetrics.push(rm);
}

/**
 * Splits a batch into parts of at most `maxPoints` points, cutting inside a
 * metric where needed. The parts are views on the input, which the caller
 * gives up. Order of points is kept.
 */
export function splitBatch(batch: MetricBatch, maxPoints: number): MetricBatch[] {
  const out: MetricBatch[] = [];
  let cur: MetricBatch = { resourceMetrics: [] };
  let room = maxPoints;
  let curRm: ResourceMetrics | undefined;
  let curSm: ScopeMetrics | undefined;
  const flush = (): void => {
    if (cur.resourceMetrics.length > 0) out.push(cur);
    cur = { resourceMetrics: [] };
    room = maxPoints;
    curRm = undefined;
    curSm = undefined;
  };
  for (const rm of batch.resourceMetrics) {
    curRm = undefined;
    for (const sm of rm.scopeMetrics) {
      curSm = undefined;
      for (const m of sm.metrics) {
        let from = 0;
        const n = m.points.length;
        do {
          if (room === 0) flush();
          const take = Math.min(room, n - from);
          if (curRm === undefined) {
            curRm = { resource: { ...rm.resource }, schemaUrl: rm.schemaUrl, scopeMetrics: [] };
            cur.resourceMetrics.push(curRm);
          }
          if (curSm === undefined) {
            curSm = { scope: { ...sm.scope }, schemaUrl: sm.schemaUrl, metrics: [] };
            curRm.scopeMetrics.push(curSm);
          }
          curSm.metrics.push(take === n ? m : withPoints(m, slicePoints(m.points, from, from + take)));
          from += take;
          room -= take;
        } while (from < n);
      }
    }
  }
  flush();
  return out;
}
