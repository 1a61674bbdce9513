import type { Attributes } from '../../model/attributes.js';
import { hashBuffer } from '../../model/proto/byte-intern.js';
import type { JobInstance, Label } from '../../model/prom/series-labels.js';
import type { CumulativeClock, ExpHistogramState, HistogramState, SumState } from '../../model/temporality/delta.js';
import { LabelBytes } from './label-bytes.js';
import { encodeLabels } from './prompb.js';

/**
 * Per-series state kept between requests: the label set, its encoded bytes
 * for each derived series (name suffixes, le, quantile), the shard, the
 * last timestamp sent (so no receiver ever sees an out-of-order sample from
 * us), and the running total of delta points. Built once per series and
 * reused for every later point of it.
 */
export class Series {
  /** Encoded labels per derived series key ("" = the series itself). */
  private readonly encoded = new Map<string, LabelBytes>();
  /** Last sample timestamp handed to a request (ms), per derived key where it matters. */
  lastTs = -1;
  /** When the series was last written (ms), for evicting unused series. */
  lastUse = 0;
  sum: SumState | undefined;
  histogram: HistogramState | undefined;
  exp: ExpHistogramState | undefined;
  readonly shardHash: number;
  /** The series' own labels (no suffix, no extra label): the common case, kept out of the map. */
  readonly plain: LabelBytes;

  constructor(
    /** Labels without __name__, sorted. */
    readonly base: readonly Label[],
    readonly family: string,
    /** The point attributes the series was made for (identity, for the order hint). */
    readonly attrs?: Attributes,
  ) {
    this.plain = this.labels('');
    this.shardHash = hashBuffer(this.plain.bytes);
  }

  /**
   * Encoded labels for `family + suffix`, with one extra label (le, quantile)
   * when given. Cached: the same bytes serve every sample of the series.
   */
  labels(suffix: string, extraName?: string, extraValue?: string): LabelBytes {
    const key = extraName === undefined ? suffix : `${suffix}\u0000${extraValue}`;
    let b = this.encoded.get(key);
    if (b === undefined) {
      const all: Label[] = [['__name__', this.family + suffix], ...this.base];
      if (extraName !== undefined) all.push([extraName, extraValue!]);
      all.sort((x, y) => (x[0] < y[0] ? -1 : x[0] > y[0] ? 1 : 0));
      b = new LabelBytes(encodeLabels(all));
      this.encoded.set(key, b);
    }
    return b;
  }
}

/** Everything that is the same for all points of one metric in one resource and scope. */
export interface MetricContext {
  readonly family: string;
  readonly series: Map<Attributes, Series>;
  /** The series of each point position in the last request (a hint, see translate.ts seriesOf). */
  readonly order: Series[];
}

export interface ResourceContext {
  readonly jobInstance: JobInstance;
  readonly metrics: Map<string, MetricContext>;
  readonly targetInfo: Series | undefined;
}

export type Clock = CumulativeClock;

/**
 * Where series live: resource -> (scope, family) -> point attributes. The
 * number of series is bounded: when it passes `maxSeries`, the half used
 * least recently is forgotten (their delta totals restart, which Prometheus
 * reads as a counter reset).
 */
export class SeriesRegistry {
  private readonly resources = new Map<Attributes, ResourceContext>();
  private count = 0;
  evicted = 0;

  constructor(private readonly maxSeries: number) {}

  get size(): number {
    return this.count;
  }

  resource(attrs: Attributes, make: () => ResourceContext): ResourceContext {
    let r = this.resources.get(attrs);
    if (r === undefined) {
      r = make();
      this.resources.set(attrs, r);
    }
    return r;
  }

  metric(r: ResourceContext, key: string, family: string): MetricContext {
    let m = r.metrics.get(key);
    if (m === undefined) {
      m = { family, series: new Map(), order: [] };
      r.metrics.set(key, m);
    }
    return m;
  }

  /** Adds a series not yet known (look it up in `m.series` first: that is the hot path). */
  add(m: MetricContext, attrs: Attributes, s: Series): Series {
    if (this.count >= this.maxSeries) this.sweep();
    m.series.set(attrs, s);
    this.count++;
    return s;
  }

  private sweep(): void {
    const uses: number[] = [];
    for (const r of this.resources.values()) for (const m of r.metrics.values()) for (const s of m.series.values()) uses.push(s.lastUse);
    uses.sort((a, b) => a - b);
    const cutoff = uses[Math.floor(uses.length / 2)] ?? Infinity;
    for (const [res, r] of this.resources) {
      for (const [key, m] of r.metrics) {
        for (const [a, s] of m.series) {
          if (s.lastUse <= cutoff) {
            m.series.delete(a);
            m.order.length = 0;
            this.count--;
            this.evicted++;
          }
        }
        if (m.series.size === 0) r.metrics.delete(key);
      }
      if (r.metrics.size === 0) this.resources.delete(res);
    }
  }
}
