import type { Attributes } from '../../model/attributes.js';
import type { StandardUnit } from '../../receivers/putmetricdata/limits.js';
import type { CwSeries, DimensionSet } from '../helper/cloudwatch/series.js';
import type { MetricInfo, SampleSink } from '../helper/cloudwatch/translate.js';

/**
 * Samples -> Embedded Metric Format log events (CloudWatch User Guide,
 * "Specification: Embedded metric format"). One event per log group and
 * stream, namespace, timestamp and label set: the labels are root members
 * (strings, so they can be dimension targets), each metric a root member
 * holding its value, and `_aws` the metadata: `Timestamp` (ms) and
 * `CloudWatchMetrics`, one MetricDirective per distinct list of dimension
 * sets, naming `Namespace`, `Dimensions` and `Metrics` ({Name, Unit,
 * StorageResolution}).
 *
 * Values: a number for gauges and sums; `{Max, Min, Count, Sum}` for
 * histograms and summaries, and `{Values, Counts, Max, Min, Count, Sum}`
 * for exponential histograms (at most 100 values), the statistic-set and
 * distribution forms CloudWatch Logs extracts (as the Collector's awsemf
 * exporter sends them). Limits kept: at most 100 metrics per event (the
 * spec's 100 MetricDefinitions per directive), at most 30 dimensions per set
 * (the translator's sets), one value per metric name per event (a second
 * value of a name at the same timestamp opens a new event).
 */

export const MAX_METRICS_PER_EVENT = 100;

export interface EmfEvent {
  readonly group: string;
  readonly stream: string;
  readonly timeMs: number;
  readonly namespace: string;
  /** The cost guard's label for the namespace. */
  readonly label: string;
  readonly message: string;
  /** Metric values in the event (for the counters). */
  readonly values: number;
}

interface MetricEntry {
  readonly name: string;
  readonly unit: StandardUnit;
  readonly resolution: 1 | 60;
  readonly value: unknown;
  readonly sets: readonly DimensionSet[];
  readonly setsKey: string;
}

interface OpenEvent {
  readonly group: string;
  readonly stream: string;
  readonly timeMs: number;
  readonly series: CwSeries;
  readonly metrics: Map<string, MetricEntry>;
}

export type LogTarget = (resource: Attributes) => { group: string; stream: string };

export class EmfSink implements SampleSink {
  private open = new Map<string, OpenEvent>();
  private done: OpenEvent[] = [];
  private nowMs = 0;
  /** Values not sent because a metric name equals a label name (both would be the same root member). */
  conflicts = 0;

  constructor(private readonly target: LogTarget) {}

  begin(now: number): void {
    this.nowMs = now;
  }

  value(s: CwSeries, m: MetricInfo, timeMs: number, v: number): void {
    this.add(s, m, timeMs, v);
  }

  stats(s: CwSeries, m: MetricInfo, timeMs: number, count: number, sum: number, min: number, max: number): void {
    this.add(s, m, timeMs, { Max: max, Min: min, Count: count, Sum: sum });
  }

  dist(s: CwSeries, m: MetricInfo, timeMs: number, values: number[], counts: number[], count: number, sum: number, min: number, max: number): void {
    this.add(s, m, timeMs, { Values: values, Counts: counts, Max: max, Min: min, Count: count, Sum: sum });
  }

  /** The events of the batch, rendered; the sink is empty afterwards. */
  finish(): EmfEvent[] {
    const all = [...this.done, ...this.open.values()];
    this.open = new Map();
    this.done = [];
    return all.filter((e) => e.metrics.size > 0).map(render);
  }

  private add(s: CwSeries, m: MetricInfo, timeMs: number, value: unknown): void {
    if (s.labels.some(([k]) => k === m.name)) {
      this.conflicts++;
      return;
    }
    const sets = s.guard === undefined ? s.sets : s.sets.filter((set) => s.guard!.admit(set.key, this.nowMs));
    if (sets.length === 0) return;
    const { group, stream } = this.target(s.resource);
    const key = `${group}\u0000${stream}\u0000${s.namespace}\u0000${timeMs}\u0000${s.labelsKey}`;
    let e = this.open.get(key);
    if (e !== undefined && (e.metrics.has(m.name) || e.metrics.size >= MAX_METRICS_PER_EVENT)) {
      this.done.push(e);
      e = undefined;
    }
    if (e === undefined) {
      e = { group, stream, timeMs, series: s, metrics: new Map() };
      this.open.set(key, e);
    }
    const setsKey = sets.map((x) => x.names.join('\u0001')).join('\u0000');
    e.metrics.set(m.name, { name: m.name, unit: m.unit, resolution: s.resolution, value, sets, setsKey });
  }
}

function render(e: OpenEvent): EmfEvent {
  const s = e.series;
  const directives = new Map<string, { Namespace: string; Dimensions: string[][]; Metrics: Record<string, unknown>[] }>();
  const root: Record<string, unknown> = {};
  for (const [k, v] of s.labels) root[k] = v;
  for (const m of e.metrics.values()) {
    root[m.name] = m.value;
    let d = directives.get(m.setsKey);
    if (d === undefined) {
      d = { Namespace: s.namespace, Dimensions: m.sets.map((x) => [...x.names]), Metrics: [] };
      directives.set(m.setsKey, d);
    }
    const def: Record<string, unknown> = { Name: m.name };
    if (m.unit !== 'None') def.Unit = m.unit;
    if (m.resolution === 1) def.StorageResolution = 1;
    d.Metrics.push(def);
  }
  root._aws = { Timestamp: Math.floor(e.timeMs), CloudWatchMetrics: [...directives.values()] };
  return {
    group: e.group,
    stream: e.stream,
    timeMs: Math.floor(e.timeMs),
    namespace: s.namespace,
    label: s.guard?.label ?? s.namespace,
    message: JSON.stringify(root),
    values: e.metrics.size,
  };
}
