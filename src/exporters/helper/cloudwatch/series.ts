import type { Attributes } from '../../../model/attributes.js';
import type { PriorExp, PriorHistogram, PriorSum } from '../cumulative-to-delta.js';
import type { NamespaceGuard } from './cost-guard.js';

/**
 * What the CloudWatch exporters work out once per series and reuse for
 * every later point of it: the namespace, the labels that can be
 * dimensions, the dimension sets with their PutMetricData `Dimensions`
 * objects (handed to the SDK as they are, never copied), the cost-guard
 * key of each set, the storage resolution, and the previous cumulative
 * point for cumulative -> delta.
 */

export interface Dimension {
  readonly Name: string;
  readonly Value: string;
}

export interface DimensionSet {
  /** Dimension names, sorted. */
  readonly names: readonly string[];
  readonly dimensions: readonly Dimension[];
  /** The cost guard's combination key (namespace + metric + these dimensions). */
  readonly key: number;
  /** An upper bound of the JSON bytes of `dimensions` in a request body. */
  readonly bytes: number;
}

export class CwSeries {
  /** When a point of the series was last seen (ms), for evicting the least recently used. */
  lastUse = 0;
  /** The previous cumulative point (sums, summaries, histograms, exponential histograms). */
  prior: PriorSum | PriorHistogram | PriorExp | undefined = undefined;

  constructor(
    readonly resource: Attributes,
    readonly namespace: string,
    readonly guard: NamespaceGuard | undefined,
    /** Labels usable as dimensions, sorted by name. */
    readonly labels: readonly (readonly [string, string])[],
    /** One string per distinct label set (for grouping EMF events). */
    readonly labelsKey: string,
    /** Empty when the series is not sent; `skip` says why. */
    readonly sets: readonly DimensionSet[],
    readonly skip: string | undefined,
    readonly resolution: 1 | 60,
  ) {}
}

/**
 * Series by resource, then metric (scope, name, type), then point
 * attributes. Bounded: past `maxSeries`, the half used least recently is
 * forgotten (their next cumulative point counts as a first point).
 */
export class SeriesTable {
  private readonly resources = new Map<Attributes, Map<string, Map<Attributes, CwSeries>>>();
  private count = 0;
  evicted = 0;

  constructor(private readonly maxSeries: number) {}

  get size(): number {
    return this.count;
  }

  /** The series map of one metric in one resource (look series up in it: that is the hot path). */
  metric(resource: Attributes, key: string): Map<Attributes, CwSeries> {
    let r = this.resources.get(resource);
    if (r === undefined) {
      r = new Map();
      this.resources.set(resource, r);
    }
    let m = r.get(key);
    if (m === undefined) {
      m = new Map();
      r.set(key, m);
    }
    return m;
  }

  /** Adds a series not found in `m`. */
  add(m: Map<Attributes, CwSeries>, attrs: Attributes, s: CwSeries): CwSeries {
    if (this.count >= this.maxSeries) this.sweep();
    m.set(attrs, s);
    this.count++;
    return s;
  }

  private sweep(): void {
    const uses: number[] = [];
    for (const r of this.resources.values()) for (const m of r.values()) for (const s of m.values()) uses.push(s.lastUse);
    uses.sort((a, b) => a - b);
    const cutoff = uses[Math.floor(uses.length / 2)] ?? Infinity;
    for (const [res, r] of this.resources) {
      for (const [key, m] of r) {
        for (const [a, s] of m) {
          if (s.lastUse <= cutoff) {
            m.delete(a);
            this.count--;
            this.evicted++;
          }
        }
        if (m.size === 0) r.delete(key);
      }
      if (r.size === 0) this.resources.delete(res);
    }
  }
}
