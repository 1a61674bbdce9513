import type { Attributes } from '../../model/attributes.js';
import { type ExpState, expStateOf, mergeExp } from '../../model/exp-histogram.js';
import {
  FLAG_NO_RECORDED_VALUE,
  type Metric,
  type MetricBatch,
  MetricType,
  type Points,
  type Scope,
  Temporality,
  temporalityOf,
} from '../../model/metric.js';
import { type MetricNamer, type PromKind, promKind } from '../../model/prom/naming.js';
import { type JobInstance, type Label, buildLabels, jobInstance, targetInfoLabels } from '../../model/prom/series-labels.js';
import { compareTimes, timeMs } from '../../model/time.js';

/**
 * The latest value of every series, for the pull endpoint. Cumulative
 * points replace what is held (newest time wins). Delta points are added up
 * into a cumulative value, so delta counters and histograms from SDKs show
 * correct totals instead of being dropped. A point flagged "no recorded
 * value" removes its series. Series not updated for `expirationMs` vanish.
 */

export type SeriesValue =
  | { readonly kind: 'number'; value: number }
  | { readonly kind: 'histogram'; bounds: number[]; counts: number[]; sum: number; count: number }
  | { readonly kind: 'exp'; state: ExpState }
  | { readonly kind: 'summary'; quantiles: [number, number][]; sum: number; count: number };

export interface Series {
  readonly family: string;
  readonly labels: readonly Label[];
  readonly labelKey: string;
  value: SeriesValue;
  timeMs: number;
  /** End time (uint64 ns pair) of the last point, for aligning deltas. */
  endLo: number;
  endHi: number;
  seenAt: number;
}

export interface Family {
  readonly name: string;
  readonly kind: PromKind;
  help: string;
  readonly series: Map<string, Series>;
}

export interface AccumulatorOptions {
  readonly namer: MetricNamer;
  readonly constLabels: readonly Label[];
  readonly resourceToTelemetry: boolean;
  readonly expirationMs: number;
  /** Called when data cannot be shown (type conflict, overlapping delta). */
  readonly onDrop: (reason: string, metric: string, points: number) => void;
}

export class Accumulator {
  readonly families = new Map<string, Family>();

  constructor(private readonly o: AccumulatorOptions) {}

  add(batch: MetricBatch, now = Date.now()): void {
    for (const rm of batch.resourceMetrics) {
      const res = rm.resource.attributes;
      const ji = jobInstance(res);
      let latest = 0;
      for (const sm of rm.scopeMetrics) {
        for (const m of sm.metrics) {
          latest = Math.max(latest, this.addMetric(m, sm.scope, res, ji, now));
        }
      }
      const ti = targetInfoLabels(res, this.o.constLabels);
      if (ti !== undefined && latest > 0) {
        const fam = this.family(this.o.namer.options.namespace ? `${this.o.namer.options.namespace}_target_info` : 'target_info', 'gauge', 'Target metadata');
        if (fam !== undefined) this.put(fam, ti, { kind: 'number', value: 1 }, latest, 0, 0, now);
      }
    }
  }

  /** Removes series not updated within the expiration. */
  expire(now = Date.now()): void {
    const cutoff = now - this.o.expirationMs;
    for (const [name, fam] of this.families) {
      for (const [k, s] of fam.series) if (s.seenAt < cutoff) fam.series.delete(k);
      if (fam.series.size === 0) this.families.delete(name);
    }
  }

  private family(name: string, kind: PromKind, help: string): Family | undefined {
    let f = this.families.get(name);
    if (f === undefined) {
      f = { name, kind, help, series: new Map() };
      this.families.set(name, f);
    } else if (f.kind !== kind) {
      return undefined;
    }
    if (f.help === '' && help !== '') f.help = help;
    return f;
  }

  private addMetric(m: Metric, scope: Scope, res: Attributes, ji: JobInstance, now: number): number {
    const kind = promKind(m);
    const name = this.o.namer.name(m);
    const fam = this.family(name, kind, m.description);
    if (fam === undefined) {
      this.o.onDrop('type_conflict', m.name, m.points.length);
      return 0;
    }
    const delta = temporalityOf(m) === Temporality.Delta;
    const p = m.points;
    const memo = new Map<Attributes, readonly Label[]>();
    let latest = 0;
    for (let i = 0; i < p.length; i++) {
      const a = p.attributes[i];
      let labels = memo.get(a);
      if (labels === undefined) {
        labels = buildLabels({
          attributes: a,
          resourceAttributes: this.o.resourceToTelemetry ? res : undefined,
          scope,
          jobInstance: ji,
          external: this.o.constLabels,
        });
        memo.set(a, labels);
      }
      const t = timeMs(p.times, i);
      latest = Math.max(latest, t);
      const key = labelKey(labels);
      if ((p.flags[i] & FLAG_NO_RECORDED_VALUE) !== 0) {
        fam.series.delete(key);
        continue;
      }
      const value = pointValue(m, p, i);
      const existing = fam.series.get(key);
      if (existing === undefined) {
        this.put(fam, labels, value, t, p.times[2 * i], p.times[2 * i + 1], now, key);
        continue;
      }
      if (delta) {
        // Deltas add up when they do not overlap what is already counted.
        if (compareTimes(p.startTimes, i, Uint32Array.of(existing.endLo, existing.endHi), 0) < 0) {
          this.o.onDrop('overlapping_delta', m.name, 1);
          continue;
        }
        existing.value = addValues(existing.value, value);
      } else {
        if (compareTimes(p.times, i, Uint32Array.of(existing.endLo, existing.endHi), 0) < 0) continue; // older than what we hold
        existing.value = value;
      }
      existing.timeMs = t;
      existing.endLo = p.times[2 * i];
      existing.endHi = p.times[2 * i + 1];
      existing.seenAt = now;
    }
    return latest;
  }

  private put(fam: Family, labels: readonly Label[], value: SeriesValue, t: number, lo: number, hi: number, now: number, key = labelKey(labels)): void {
    fam.series.set(key, { family: fam.name, labels, labelKey: key, value, timeMs: t, endLo: lo, endHi: hi, seenAt: now });
  }
}

function labelKey(labels: readonly Label[]): string {
  let s = '';
  for (const [k, v] of labels) s += `${k}\u0000${v}\u0001`;
  return s;
}

function pointValue(m: Metric, p: Points, i: number): SeriesValue {
  switch (p.kind) {
    case 'number':
      return { kind: 'number', value: p.values[i] };
    case 'histogram': {
      const bounds = Array.from(p.bounds.subarray(p.boundStart[i], p.boundStart[i + 1]));
      const counts = Array.from(p.bucketCounts.subarray(p.bucketStart[i], p.bucketStart[i + 1]));
      return { kind: 'histogram', bounds, counts, sum: p.sums[i], count: p.counts[i] };
    }
    case 'exphistogram':
      return { kind: 'exp', state: expStateOf(p, i) };
    case 'summary': {
      const quantiles: [number, number][] = [];
      for (let k = p.quantileStart[i]; k < p.quantileStart[i + 1]; k++) quantiles.push([p.quantiles[k], p.quantileValues[k]]);
      return { kind: 'summary', quantiles, sum: p.sums[i], count: p.counts[i] };
    }
  }
  void m;
  void MetricType;
}

function addValues(a: SeriesValue, b: SeriesValue): SeriesValue {
  if (a.kind === 'number' && b.kind === 'number') return { kind: 'number', value: a.value + b.value };
  if (a.kind === 'histogram' && b.kind === 'histogram') {
    const same = a.bounds.length === b.bounds.length && a.bounds.every((x, k) => x === b.bounds[k]);
    if (!same) return b;
    return { kind: 'histogram', bounds: a.bounds, counts: a.counts.map((c, k) => c + b.counts[k]), sum: a.sum + b.sum, count: a.count + b.count };
  }
  if (a.kind === 'exp' && b.kind === 'exp') return { kind: 'exp', state: mergeExp(a.state, b.state) };
  return b;
}
