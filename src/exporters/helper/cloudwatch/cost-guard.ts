import { HASH_SEED, hashString } from '../../../model/any-value.js';
import type { SelfMetrics } from '../../../telemetry/self-metrics.js';

/**
 * The cost guard. CloudWatch bills every distinct combination of namespace,
 * metric name and dimension values as a custom metric, prorated by the
 * hour in which data was sent for it. The guard keeps, per namespace, the
 * combinations sent within the last hour and reports their number
 * (`tributary_cloudwatch_metric_combinations`), which is what the bill
 * counts. With a cap (`max_metrics_per_namespace`), a value that would add
 * a combination beyond it is not sent and is counted
 * (`tributary_cloudwatch_combinations_refused_total`); combinations already
 * admitted keep flowing, and one unused for an hour frees its place.
 *
 * Combinations are held as 53-bit hashes (two 32-bit FNV-1a passes), so a
 * million of them take a few tens of MB; a collision can only under-count.
 * Namespaces beyond `maxNamespaces` share one entry and one label
 * ("_other") so that an attribute-driven namespace cannot blow up the
 * gateway's own metrics.
 */

export const WINDOW_MS = 3_600_000;
const SWEEP_EVERY_MS = 60_000;
/** Combinations tracked per namespace without a cap; more are sent but no longer counted. */
const MAX_TRACKED = 1_000_000;
const OTHER = '_other';

/** The combination key of namespace + metric + dimensions (names and values, in set order). */
export function combinationKey(namespace: string, metric: string, dims: readonly { Name: string; Value: string }[]): number {
  let a = hashString(HASH_SEED, namespace);
  let b = hashString(0x01000193, namespace);
  a = hashString(a, metric);
  b = hashString(b, metric);
  for (const d of dims) {
    a = hashString(hashString(a, d.Name), d.Value);
    b = hashString(hashString(b, d.Name), d.Value);
  }
  return (a >>> 0) * 2097152 + ((b >>> 0) & 0x1fffff);
}

export class NamespaceGuard {
  private readonly seen = new Map<number, number>();
  private lastSweep = 0;
  /** Refused since the last flush. */
  refused = 0;

  constructor(
    readonly label: string,
    private readonly cap: number,
    private readonly report: (n: number) => void,
  ) {}

  get size(): number {
    return this.seen.size;
  }

  /** Records a value sent for combination `key`; false when the cap refuses a new combination. */
  admit(key: number, now: number): boolean {
    if (this.seen.has(key)) {
      this.seen.set(key, now);
      return true;
    }
    if (now - this.lastSweep >= SWEEP_EVERY_MS) this.sweep(now);
    if (this.cap > 0 && this.seen.size >= this.cap) {
      this.refused++;
      return false;
    }
    if (this.seen.size < MAX_TRACKED) {
      this.seen.set(key, now);
      this.report(this.seen.size);
    }
    return true;
  }

  /** Forgets combinations not sent for an hour. */
  sweep(now: number): void {
    this.lastSweep = now;
    const before = this.seen.size;
    for (const [k, t] of this.seen) if (now - t >= WINDOW_MS) this.seen.delete(k);
    if (this.seen.size !== before) this.report(this.seen.size);
  }
}

export interface CostGuardOptions {
  readonly exporter: string;
  /** 0: no cap. */
  readonly maxPerNamespace: number;
  readonly metrics: SelfMetrics;
  readonly maxNamespaces?: number;
}

export class CostGuard {
  private readonly byNamespace = new Map<string, NamespaceGuard>();
  private readonly maxNamespaces: number;

  constructor(private readonly o: CostGuardOptions) {
    this.maxNamespaces = o.maxNamespaces ?? 1000;
  }

  namespace(ns: string): NamespaceGuard {
    let g = this.byNamespace.get(ns);
    if (g !== undefined) return g;
    const label = this.byNamespace.size >= this.maxNamespaces ? OTHER : ns;
    g = this.byNamespace.get(label);
    if (g === undefined) {
      g = new NamespaceGuard(label, this.o.maxPerNamespace, (n) => this.o.metrics.cloudwatchCombinations.set({ exporter: this.o.exporter, namespace: label }, n));
      this.byNamespace.set(label, g);
    }
    return g;
  }

  /** Moves refusal counts to the self-metrics (once per batch rather than once per value). */
  flush(): void {
    for (const g of this.byNamespace.values()) {
      if (g.refused === 0) continue;
      this.o.metrics.cloudwatchCombinationsRefused.inc({ exporter: this.o.exporter, namespace: g.label }, g.refused);
      g.refused = 0;
    }
  }

  /** Sweeps every namespace (called periodically so the gauge falls when traffic stops). */
  sweep(now = Date.now()): void {
    for (const g of this.byNamespace.values()) g.sweep(now);
  }

  /** The self-metric label for a namespace (the namespace, or "_other" beyond the bound). */
  labelOf(ns: string): string {
    return this.namespace(ns).label;
  }
}
