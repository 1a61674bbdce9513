import { Attributes } from '../attributes.js';
import {
  type Exemplar,
  FLAG_NO_RECORDED_VALUE,
  HAS_SUM,
  type HistogramMetric,
  MetricType,
  type SummaryMetric,
  Temporality,
} from '../metric.js';
import { HistogramBuilder, SummaryBuilder } from '../points-builder.js';
import { setTimeMs } from '../time.js';
import type { RequestState } from './request.js';
import { type MetricRef, Part, type SeriesIndex, type SeriesRef } from './series-index.js';

/**
 * Classic histograms and summaries: the OTel Prometheus compatibility spec
 * merges `<family>_bucket{le}`, `_sum` and `_count` (and `<family>{quantile}`,
 * `_sum`, `_count`) into one histogram (summary) point. Remote write sends
 * them as separate series that may travel in separate requests, so a group
 * (same resource, scope, family, other labels and timestamp) is merged only
 * when it is complete in the request and the merge is exact: the
 * prometheusremotewrite exporter must write back the very same series and
 * values. Otherwise its series stay gauges under their own names. A group
 * merges when:
 * - histogram: `_count` and the `+Inf` bucket are present and equal, bucket
 *   bounds are distinct, cumulative counts never decrease, and re-adding the
 *   per-bucket counts gives back each cumulative count exactly; `_sum` is
 *   optional (the histogram's sum is then unset);
 * - summary: `_sum` and `_count` are present and quantiles are distinct;
 * - both: every part is a staleness marker, or none is (an all-stale group
 *   is one point with NO_RECORDED_VALUE).
 */

export const Role = { NONE: 0, HISTOGRAM: 1, SUMMARY: 2 } as const;
export type Role = (typeof Role)[keyof typeof Role];

interface Group {
  readonly role: Role;
  readonly ref: SeriesRef;
  readonly ms: number;
  readonly samples: number[];
  bound: number[];
  boundSample: number[];
  sum: number;
  count: number;
}

export interface ClassicMetric {
  readonly ref: MetricRef;
  readonly metric: HistogramMetric | SummaryMetric;
}

const HISTOGRAM_TYPE = Attributes.of(['prometheus.type'], ['histogram']);
const SUMMARY_TYPE = Attributes.of(['prometheus.type'], ['summary']);

/**
 * Merges the complete groups among the samples of series with a role.
 * Marks merged samples in `consumed`; returns one metric per family.
 */
export function mergeClassic(
  st: RequestState,
  index: SeriesIndex,
  roles: Uint8Array,
  units: readonly string[],
  helps: readonly string[],
  exemplarsOf: ReadonlyMap<number, Exemplar[]>,
  consumed: Uint8Array,
): { metrics: ClassicMetric[]; merged: number } {
  const groups = new Map<string, Group>();
  const baseKey: (string | undefined)[] = [];
  for (let i = 0; i < st.n; i++) {
    const s = st.sSeries[i];
    const role = roles[s] as Role;
    if (role === Role.NONE) continue;
    const ref = st.series[s];
    let base = baseKey[s];
    if (base === undefined) base = baseKey[s] = `${role}|${ref.resource.id}|${ref.scope.id}|${ref.family}|${ref.groupAttrs.id}|`;
    const key = base + st.sMs[i];
    let g = groups.get(key);
    if (g === undefined) {
      g = { role, ref, ms: st.sMs[i], samples: [], bound: [], boundSample: [], sum: -1, count: -1 };
      groups.set(key, g);
    }
    g.samples.push(i);
    switch (ref.part) {
      case Part.BUCKET:
      case Part.QUANTILE:
        g.bound.push(ref.bound);
        g.boundSample.push(i);
        break;
      case Part.SUM:
        g.sum = g.sum === -1 ? i : -2; // -2: seen twice (a duplicate sample), not mergeable
        break;
      case Part.COUNT:
        g.count = g.count === -1 ? i : -2;
        break;
    }
  }
  const bySlot = new Map<MetricRef, { role: Role; series: number; groups: Group[] }>();
  let merged = 0;
  for (const g of groups.values()) {
    if (!(g.role === Role.HISTOGRAM ? histogramOk(st, g) : summaryOk(st, g))) continue;
    const m = index.metric(g.ref.resource, g.ref.scope, g.ref.family, g.role === Role.HISTOGRAM ? 'histogram' : 'summary');
    let e = bySlot.get(m);
    if (e === undefined) bySlot.set(m, (e = { role: g.role, series: st.sSeries[g.samples[0]], groups: [] }));
    e.groups.push(g);
    for (const i of g.samples) consumed[i] = 1;
    merged += g.samples.length;
  }
  const metrics: ClassicMetric[] = [];
  for (const [ref, e] of bySlot) {
    const unit = units[e.series];
    const description = helps[e.series];
    if (e.role === Role.HISTOGRAM) {
      const b = new HistogramBuilder();
      for (const g of e.groups) buildHistogram(st, b, g, exemplarsOf);
      metrics.push({ ref, metric: { type: MetricType.Histogram, name: ref.name, description, unit, metadata: HISTOGRAM_TYPE, temporality: Temporality.Cumulative, points: b.finish() } });
    } else {
      const b = new SummaryBuilder();
      for (const g of e.groups) buildSummary(st, b, g);
      metrics.push({ ref, metric: { type: MetricType.Summary, name: ref.name, description, unit, metadata: SUMMARY_TYPE, points: b.finish() } });
    }
  }
  return { metrics, merged };
}

/** Sorts the group's bounds ascending (with their samples); false if two are equal or one is not canonical (NaN). */
function sortBounds(g: Group): boolean {
  if (g.bound.some(Number.isNaN)) return false;
  const idx = g.bound.map((_, k) => k).sort((a, b) => g.bound[a] - g.bound[b]);
  g.bound = idx.map((k) => g.bound[k]);
  g.boundSample = idx.map((k) => g.boundSample[k]);
  for (let k = 1; k < g.bound.length; k++) if (g.bound[k] === g.bound[k - 1]) return false;
  return true;
}

/** True when every sample of the group is stale, false when none is, undefined when mixed. */
function allStale(st: RequestState, g: Group): boolean | undefined {
  let stale = 0;
  for (const i of g.samples) stale += st.sStale[i];
  return stale === 0 ? false : stale === g.samples.length ? true : undefined;
}

function histogramOk(st: RequestState, g: Group): boolean {
  if (g.count < 0 || g.sum === -2 || g.bound.length === 0 || !sortBounds(g)) return false;
  if (g.bound[g.bound.length - 1] !== Infinity) return false;
  const stale = allStale(st, g);
  if (stale === undefined) return false;
  if (stale) return true;
  const count = st.sValue[g.count];
  if (st.sValue[g.boundSample[g.bound.length - 1]] !== count) return false;
  let prev = 0;
  let cum = 0;
  for (const i of g.boundSample) {
    const v = st.sValue[i];
    // OTLP counts are integers; also false for NaN.
    if (!(v >= prev) || !Number.isInteger(v)) return false;
    // The exporter re-adds per-bucket counts: the sums must come back exactly.
    cum += v - prev;
    if (cum !== v) return false;
    prev = v;
  }
  return true;
}

function summaryOk(st: RequestState, g: Group): boolean {
  if (g.count < 0 || g.sum < 0 || !sortBounds(g)) return false;
  const stale = allStale(st, g);
  if (stale === undefined) return false;
  const count = st.sValue[g.count];
  return stale || (count >= 0 && Number.isInteger(count));
}

function common(st: RequestState, b: HistogramBuilder | SummaryBuilder, g: Group, i: number): boolean {
  const at = g.count;
  setTimeMs(b.times, i, g.ms);
  if (st.sStart[at] > 0) setTimeMs(b.startTimes, i, st.sStart[at]);
  const stale = st.sStale[at] === 1;
  if (stale) b.flags[i] = FLAG_NO_RECORDED_VALUE;
  return stale;
}

function buildHistogram(st: RequestState, b: HistogramBuilder, g: Group, exemplarsOf: ReadonlyMap<number, Exemplar[]>): void {
  const i = b.begin();
  const stale = common(st, b, g, i);
  const last = g.bound.length - 1;
  for (let k = 0; k < last; k++) b.pushBound(g.bound[k]);
  let prev = 0;
  for (let k = 0; k <= last; k++) {
    const v = stale ? 0 : st.sValue[g.boundSample[k]];
    b.pushBucket(v - prev);
    prev = v;
    const ex = exemplarsOf.get(g.boundSample[k]);
    if (ex !== undefined) for (const e of ex) b.addExemplar(i, e);
  }
  if (!stale) {
    b.counts[i] = st.sValue[g.count];
    if (g.sum >= 0) b.sums[i] = st.sValue[g.sum];
  }
  if (g.sum >= 0) b.has[i] = HAS_SUM;
  b.commit(g.ref.groupAttrs);
}

function buildSummary(st: RequestState, b: SummaryBuilder, g: Group): void {
  const i = b.begin();
  const stale = common(st, b, g, i);
  for (let k = 0; k < g.bound.length; k++) b.pushQuantile(g.bound[k], stale ? 0 : st.sValue[g.boundSample[k]]);
  if (!stale) {
    b.counts[i] = st.sValue[g.count];
    b.sums[i] = st.sValue[g.sum];
  }
  b.commit(g.ref.groupAttrs);
}
