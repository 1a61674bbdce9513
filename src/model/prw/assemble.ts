import { Attributes } from '../attributes.js';
import {
  type Exemplar,
  type ExpHistogramPoints,
  FLAG_NO_RECORDED_VALUE,
  type HistogramPoints,
  type Metric,
  type MetricBatch,
  MetricType,
  type NumberPoints,
  type ResourceMetrics,
  type ScopeMetrics,
  Temporality,
} from '../metric.js';
import { ExpHistogramBuilder, HistogramBuilder } from '../points-builder.js';
import { appendExpHistogram, appendHistogram } from '../points.js';
import { setTimeMs } from '../time.js';
import { type ClassicMetric, Role, mergeClassic } from './classic.js';
import { type FamilyMetadata, type MetadataCache, PROM_TYPE_NAMES, PromType } from './metadata.js';
import type { RequestState } from './request.js';
import { type MetricRef, Part, type SeriesIndex, type SeriesRef } from './series-index.js';

/**
 * The decoded request as a MetricBatch. Float samples are placed by a
 * counting sort on their metric: every column of the request is allocated
 * once and each metric's points are views on it, so a request costs a few
 * allocations per metric, none per sample. Types come from the metadata
 * (per series in 2.0, per family from the receiver's cache in 1.0):
 * - counter -> monotonic cumulative Sum;
 * - gauge, unknown, or no metadata -> Gauge (as the Collector does; a name
 *   ending in _total is not taken as proof of a counter);
 * - info, stateset -> non-monotonic cumulative Sum (OTel spec);
 * - histogram, summary -> merged classic points where complete (classic.ts);
 * every metric carries its Prometheus type as metadata `prometheus.type`.
 */

export interface Assembled {
  readonly batch: MetricBatch;
  /** Float samples taken in (including those merged into histograms and summaries). */
  readonly samples: number;
  /** Native histogram points taken in. */
  readonly histograms: number;
  /** Exemplars attached to a point. */
  readonly exemplars: number;
  /** Points and exemplars the model cannot hold, by reason. */
  readonly dropped: ReadonlyMap<string, number>;
}

const TYPE_METADATA = PROM_TYPE_NAMES.map((t) => Attributes.of(['prometheus.type'], [t]));
const UNKNOWN: FamilyMetadata = { type: PromType.UNKNOWN, help: '', unit: '' };

/** The family metadata of a 1.0 series, memoised on the series until the cache changes. */
function familyMetadata(meta: MetadataCache, ref: SeriesRef): FamilyMetadata {
  if (ref.metaVersion !== meta.version) {
    ref.meta = lookupFamily(meta, ref);
    ref.metaVersion = meta.version;
  }
  return ref.meta!;
}

/** Its family's metadata for histogram and summary parts, else its own name's. */
function lookupFamily(meta: MetadataCache, ref: SeriesRef): FamilyMetadata {
  if (ref.part !== Part.NONE) {
    const f = meta.get(ref.family);
    if (f !== undefined && (f.type === PromType.HISTOGRAM || f.type === PromType.SUMMARY || f.type === PromType.GAUGEHISTOGRAM)) return f;
  }
  const own = meta.get(ref.name);
  if (own !== undefined) return own;
  // OpenMetrics families are named without the sample suffix.
  const n = ref.name;
  if (n.endsWith('_total')) {
    const f = meta.get(n.slice(0, -6));
    if (f !== undefined && f.type === PromType.COUNTER) return f;
  } else if (n.endsWith('_info')) {
    const f = meta.get(n.slice(0, -5));
    if (f !== undefined && f.type === PromType.INFO) return f;
  }
  return UNKNOWN;
}

function roleOf(ref: SeriesRef, type: number): Role {
  switch (ref.part) {
    case Part.BUCKET:
      return type === PromType.HISTOGRAM ? Role.HISTOGRAM : Role.NONE;
    case Part.SUM:
    case Part.COUNT:
      return type === PromType.HISTOGRAM ? Role.HISTOGRAM : type === PromType.SUMMARY ? Role.SUMMARY : Role.NONE;
    case Part.QUANTILE:
      return type === PromType.SUMMARY ? Role.SUMMARY : Role.NONE;
    default:
      return Role.NONE;
  }
}

/** The metrics of a request in first-seen order: parallel lists, a metric set once built. */
class Slots {
  readonly refs: MetricRef[] = [];
  readonly metrics: (Metric | undefined)[] = [];
  constructor(private readonly epoch: number) {}

  of(ref: MetricRef): number {
    if (ref.epoch !== this.epoch) {
      ref.epoch = this.epoch;
      ref.slot = this.refs.length;
      this.refs.push(ref);
      this.metrics.push(undefined);
    }
    return ref.slot;
  }
}

export function assemble(st: RequestState, meta: MetadataCache, index: SeriesIndex): Assembled {
  const nSeries = st.nSeries;
  const types = st.scratch.types.get(nSeries);
  const roles = st.scratch.roles.get(nSeries);
  let grouping = false;
  for (let s = 0; s < nSeries; s++) {
    const ref = st.series[s];
    let t = st.seriesType[s];
    if (t < 0) {
      const f = familyMetadata(meta, ref);
      t = f.type;
      st.seriesUnit[s] = f.unit;
      st.seriesHelp[s] = f.help;
    }
    types[s] = t;
    const role = ref.part === Part.NONE ? Role.NONE : roleOf(ref, t);
    roles[s] = role;
    if (role !== Role.NONE) grouping = true;
  }

  const att = attachExemplars(st);
  let consumed: Uint8Array | undefined;
  let classic: ClassicMetric[] = [];
  if (grouping) {
    consumed = st.scratch.consumed.get(st.n).fill(0, 0, st.n);
    classic = mergeClassic(st, index, roles, st.seriesUnit, st.seriesHelp, att.samples, consumed).metrics;
  }

  const slots = new Slots(st.epoch);
  const histograms = st.exp.n + st.explicit.n;
  numbers(st, types, roles, consumed, att.samples, slots);
  for (const c of classic) slots.metrics[slots.of(c.ref)] = c.metric;
  histogramMetrics(st, 'exp', att.exp, slots);
  histogramMetrics(st, 'explicit', att.explicit, slots);

  return {
    batch: { resourceMetrics: group(slots, st.epoch) },
    samples: st.n,
    histograms,
    exemplars: att.attached,
    dropped: st.dropped,
  };
}

/** Float samples -> one Gauge or Sum per metric, columns shared by the request's metrics. */
function numbers(
  st: RequestState,
  types: Uint8Array,
  roles: Uint8Array,
  consumed: Uint8Array | undefined,
  exemplars: ReadonlyMap<number, Exemplar[]>,
  slots: Slots,
): void {
  const n = st.n;
  const nSeries = st.nSeries;
  const sSeries = st.sSeries;
  const seriesSlot = st.scratch.seriesSlot.get(nSeries).fill(-1, 0, nSeries);
  const sampleSlot = st.scratch.sampleSlot.get(n);
  // At most one metric per series: counts (then cursors) for every slot that can occur.
  const cursor = st.scratch.cursor.get(nSeries + 1).fill(0, 0, nSeries + 1);
  const first = slots.refs.length;
  let kept = 0;
  for (let i = 0; i < n; i++) {
    if (consumed !== undefined && consumed[i] === 1) {
      sampleSlot[i] = -1;
      continue;
    }
    const s = sSeries[i];
    let k = seriesSlot[s];
    if (k < 0) k = seriesSlot[s] = slots.of(st.series[s].number) - first;
    sampleSlot[i] = k;
    cursor[k + 1]++;
    kept++;
  }
  const nSlots = slots.refs.length - first;
  if (nSlots === 0) return;
  for (let k = 0; k < nSlots; k++) cursor[k + 1] += cursor[k];
  const from = st.scratch.from.get(nSlots);
  from.set(cursor.subarray(0, nSlots));

  const values = new Float64Array(kept);
  const times = new Uint32Array(2 * kept);
  const startTimes = new Uint32Array(2 * kept);
  const flags = new Uint32Array(kept);
  const isInt = new Uint8Array(kept);
  const attributes: Attributes[][] = new Array<Attributes[]>(nSlots);
  const slotSeries = new Int32Array(nSlots);
  for (let k = 0; k < nSlots; k++) attributes[k] = new Array<Attributes>(cursor[k + 1] - from[k]);
  let ex: (Exemplar[] | undefined)[][] | undefined;
  const anyExemplars = exemplars.size > 0;
  let lastMs = -1;
  let lo = 0;
  let hi = 0;
  for (let i = 0; i < n; i++) {
    const k = sampleSlot[i];
    if (k < 0) continue;
    const p = cursor[k]++;
    const s = sSeries[i];
    const at = p - from[k];
    if (at === 0) slotSeries[k] = s;
    attributes[k][at] = st.series[s].attrs;
    const ms = st.sMs[i];
    // Most samples of a request share a timestamp: convert each distinct one once.
    if (ms !== lastMs) {
      setTimeMs(times, p, ms);
      lo = times[2 * p];
      hi = times[2 * p + 1];
      lastMs = ms;
    } else {
      times[2 * p] = lo;
      times[2 * p + 1] = hi;
    }
    if (st.sStart[i] > 0) setTimeMs(startTimes, p, st.sStart[i]);
    if (st.sStale[i] === 1) flags[p] = FLAG_NO_RECORDED_VALUE;
    else values[p] = st.sValue[i];
    if (anyExemplars) {
      const e = exemplars.get(i);
      if (e !== undefined) {
        ex ??= [];
        (ex[k] ??= new Array<Exemplar[] | undefined>(attributes[k].length))[at] = e;
      }
    }
  }
  for (let k = 0; k < nSlots; k++) {
    const a = from[k];
    const b = cursor[k];
    const points: NumberPoints = {
      kind: 'number',
      length: b - a,
      attributes: attributes[k],
      startTimes: startTimes.subarray(2 * a, 2 * b),
      times: times.subarray(2 * a, 2 * b),
      flags: flags.subarray(a, b),
      exemplars: ex?.[k],
      values: values.subarray(a, b),
      isInt: isInt.subarray(a, b),
    };
    const s = slotSeries[k];
    const j = first + k;
    slots.metrics[j] = numberMetric(slots.refs[j].name, types[s], roles[s] !== Role.NONE || st.series[s].part !== Part.NONE, st.seriesUnit[s], st.seriesHelp[s], points);
  }
}

function numberMetric(name: string, type: number, part: boolean, unit: string, description: string, points: NumberPoints): Metric {
  let t: number = type;
  // A histogram or summary part that was not merged, or a series typed as a whole family: a plain gauge.
  if (t === PromType.HISTOGRAM || t === PromType.SUMMARY || t === PromType.GAUGEHISTOGRAM || (part && t !== PromType.COUNTER && t !== PromType.GAUGE)) t = PromType.UNKNOWN;
  const metadata = TYPE_METADATA[t];
  // Literal objects, not spreads of a shared base: this runs once per metric per request.
  if (t === PromType.COUNTER) return { type: MetricType.Sum, name, description, unit, metadata, temporality: Temporality.Cumulative, monotonic: true, points };
  if (t === PromType.INFO || t === PromType.STATESET) return { type: MetricType.Sum, name, description, unit, metadata, temporality: Temporality.Cumulative, monotonic: false, points };
  return { type: MetricType.Gauge, name, description, unit, metadata, points };
}

/**
 * Native histogram points, gathered per metric: exponential ones (`exp`)
 * and custom-bucket ones (`explicit`). Rare next to float samples, so
 * points are copied into a builder per metric.
 */
function histogramMetrics(st: RequestState, kind: 'exp' | 'explicit', exemplars: ReadonlyMap<number, Exemplar[]>, slots: Slots): void {
  const exp = kind === 'exp';
  const store = exp ? st.exp : st.explicit;
  if (store.n === 0) return;
  const seriesOf = exp ? st.expSeries : st.explicitSeries;
  const p = store.finish();
  const perMetric = new Map<number, { b: ExpHistogramBuilder | HistogramBuilder; series: number }>();
  for (let i = 0; i < p.length; i++) {
    const s = seriesOf[i];
    const ref = st.series[s];
    const k = slots.of(exp ? ref.expMetric() : ref.explicitMetric());
    let e = perMetric.get(k);
    if (e === undefined) perMetric.set(k, (e = { b: exp ? new ExpHistogramBuilder() : new HistogramBuilder(), series: s }));
    const j = e.b.n;
    if (exp) appendExpHistogram(e.b as ExpHistogramBuilder, p as ExpHistogramPoints, i);
    else appendHistogram(e.b as HistogramBuilder, p as HistogramPoints, i);
    for (const x of exemplars.get(i) ?? []) e.b.addExemplar(j, x);
  }
  for (const [k, e] of perMetric) {
    const name = slots.refs[k].name;
    const description = st.seriesHelp[e.series];
    const unit = st.seriesUnit[e.series];
    const metadata = TYPE_METADATA[PromType.HISTOGRAM];
    slots.metrics[k] = exp
      ? { type: MetricType.ExponentialHistogram, name, description, unit, metadata, temporality: Temporality.Cumulative, points: (e.b as ExpHistogramBuilder).finish() }
      : { type: MetricType.Histogram, name, description, unit, metadata, temporality: Temporality.Cumulative, points: (e.b as HistogramBuilder).finish() };
  }
}

/**
 * Exemplars go to a point of their own series: a native histogram point if
 * the series has any, else a float sample; the one nearest in time. An
 * exemplar whose series has neither in the request is dropped (counted).
 */
function attachExemplars(st: RequestState): { samples: Map<number, Exemplar[]>; exp: Map<number, Exemplar[]>; explicit: Map<number, Exemplar[]>; attached: number } {
  const out = { samples: new Map<number, Exemplar[]>(), exp: new Map<number, Exemplar[]>(), explicit: new Map<number, Exemplar[]>(), attached: 0 };
  if (st.exemplars.length === 0) return out;
  const nearest = (count: number, seriesOf: ArrayLike<number>, msOf: ArrayLike<number>, s: number, ms: number): number => {
    let best = -1;
    let dist = Infinity;
    for (let i = 0; i < count; i++) {
      if (seriesOf[i] !== s) continue;
      const d = Math.abs(msOf[i] - ms);
      if (d < dist) [best, dist] = [i, d];
    }
    return best;
  };
  const add = (m: Map<number, Exemplar[]>, i: number, e: Exemplar): void => {
    const l = m.get(i);
    if (l === undefined) m.set(i, [e]);
    else l.push(e);
    out.attached++;
  };
  for (const pe of st.exemplars) {
    let i = nearest(st.exp.n, st.expSeries, st.expMs, pe.series, pe.ms);
    if (i >= 0) {
      add(out.exp, i, pe.exemplar);
      continue;
    }
    i = nearest(st.explicit.n, st.explicitSeries, st.explicitMs, pe.series, pe.ms);
    if (i >= 0) {
      add(out.explicit, i, pe.exemplar);
      continue;
    }
    i = nearest(st.n, st.sSeries, st.sMs, pe.series, pe.ms);
    if (i >= 0) add(out.samples, i, pe.exemplar);
    else st.drop('exemplar_without_sample');
  }
  return out;
}

/** Metrics into ResourceMetrics and ScopeMetrics, in first-seen order. */
function group(slots: Slots, epoch: number): ResourceMetrics[] {
  const out: ResourceMetrics[] = [];
  const scopes: ScopeMetrics[][] = [];
  for (let k = 0; k < slots.refs.length; k++) {
    const metric = slots.metrics[k];
    if (metric === undefined) continue;
    const ref = slots.refs[k];
    const res = ref.resource;
    if (res.epoch !== epoch) {
      res.epoch = epoch;
      res.slot = out.length;
      out.push({ resource: { attributes: res.attributes, droppedAttributesCount: 0 }, schemaUrl: '', scopeMetrics: [] });
      scopes.push([]);
    }
    const rm = out[res.slot];
    // A resource has one scope, or a handful: a list beats a map.
    const list = scopes[res.slot];
    let sm: ScopeMetrics | undefined;
    for (const x of list) if (x.scope.name === ref.scope.name && x.scope.version === ref.scope.version) sm = x;
    if (sm === undefined) {
      sm = { scope: { name: ref.scope.name, version: ref.scope.version, attributes: Attributes.EMPTY, droppedAttributesCount: 0 }, schemaUrl: '', metrics: [] };
      list.push(sm);
      rm.scopeMetrics.push(sm);
    }
    sm.metrics.push(metric);
  }
  return out;
}
