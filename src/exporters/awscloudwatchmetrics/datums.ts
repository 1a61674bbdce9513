import type { Dimension as SdkDimension, MetricDatum, StandardUnit as SdkUnit } from '@aws-sdk/client-cloudwatch';
import { LIMITS } from '../../receivers/putmetricdata/limits.js';
import type { PoolJob } from '../helper/cloudwatch/sender-pool.js';
import type { CwSeries } from '../helper/cloudwatch/series.js';
import type { MetricInfo, SampleSink } from '../helper/cloudwatch/translate.js';

/**
 * Samples -> PutMetricData requests. Each sample becomes one MetricDatum
 * per dimension set of its series (sharing the series' cached Dimensions),
 * and data are packed per namespace into requests within the API's limits:
 * at most 1,000 data and `maxBytes` of JSON (CloudWatch takes 1 MB per
 * request; the default keeps a margin). Sizes are upper bounds computed
 * from the parts' lengths, never by serialising.
 */

export const MAX_DATA = LIMITS.maxMetricData;
/** Default bound on a request's JSON body (the API's limit is 1 MB; this keeps a 5% margin). */
export const MAX_REQUEST_BYTES = 1_000_000;

/** Upper bounds of the JSON bytes of a datum's parts (keys, punctuation and numbers of up to 25 characters). */
const DATUM_BASE = 160;
const STATS_EXTRA = 140;
const PER_VALUE = 52;
const ENVELOPE = 40;

export interface PmdRequest extends PoolJob {
  readonly namespace: string;
  /** The cost guard's label for the namespace (the namespace, or "_other"). */
  readonly label: string;
  data: MetricDatum[];
  items: number;
  bytes: number;
  /** Earliest Timestamp among the data (ms), to drop data that age out while retried. */
  oldestMs: number;
}

export class DatumPacker implements SampleSink {
  private open = new Map<string, PmdRequest>();
  private out: PmdRequest[] = [];
  private nowMs = 0;
  private lastMs = NaN;
  private lastDate = new Date(0);

  constructor(
    private readonly maxBytes = MAX_REQUEST_BYTES,
    private readonly maxData = MAX_DATA,
  ) {}

  /** Starts a batch; `now` is what the cost guard records. */
  begin(now: number): void {
    this.nowMs = now;
  }

  /** The requests of the batch, full ones first; the packer is empty afterwards. */
  finish(): PmdRequest[] {
    const out = this.out;
    for (const r of this.open.values()) if (r.items > 0) out.push(r);
    this.open = new Map();
    this.out = [];
    return out;
  }

  value(s: CwSeries, m: MetricInfo, timeMs: number, v: number): void {
    this.emit(s, m, timeMs, 0, (d) => {
      d.Value = v;
    });
  }

  stats(s: CwSeries, m: MetricInfo, timeMs: number, count: number, sum: number, min: number, max: number): void {
    this.emit(s, m, timeMs, STATS_EXTRA, (d) => {
      d.StatisticValues = { SampleCount: count, Sum: sum, Minimum: min, Maximum: max };
    });
  }

  dist(s: CwSeries, m: MetricInfo, timeMs: number, values: number[], counts: number[]): void {
    this.emit(s, m, timeMs, PER_VALUE * values.length, (d) => {
      d.Values = values;
      d.Counts = counts;
    });
  }

  private date(ms: number): Date {
    if (ms !== this.lastMs) {
      this.lastMs = ms;
      this.lastDate = new Date(ms);
    }
    return this.lastDate;
  }

  private emit(s: CwSeries, m: MetricInfo, timeMs: number, extra: number, fill: (d: MetricDatum) => void): void {
    for (const set of s.sets) {
      if (s.guard !== undefined && !s.guard.admit(set.key, this.nowMs)) continue;
      const d: MetricDatum = { MetricName: m.name, Timestamp: this.date(timeMs) };
      if (set.dimensions.length > 0) d.Dimensions = set.dimensions as SdkDimension[];
      fill(d);
      if (m.unit !== 'None') d.Unit = m.unit as SdkUnit;
      if (s.resolution === 1) d.StorageResolution = 1;
      this.add(s, d, DATUM_BASE + m.nameBytes + set.bytes + extra, timeMs);
    }
  }

  private add(s: CwSeries, d: MetricDatum, bytes: number, timeMs: number): void {
    let r = this.open.get(s.namespace);
    if (r !== undefined && (r.items >= this.maxData || r.bytes + bytes > this.maxBytes)) {
      this.out.push(r);
      r = undefined;
    }
    if (r === undefined) {
      r = { namespace: s.namespace, label: s.guard?.label ?? s.namespace, data: [], items: 0, bytes: ENVELOPE + 2 * s.namespace.length, oldestMs: timeMs };
      this.open.set(s.namespace, r);
    }
    r.data.push(d);
    r.items++;
    r.bytes += bytes;
    if (timeMs < r.oldestMs) r.oldestMs = timeMs;
  }
}

/** The request without the data older than `cutoffMs`; undefined when none is left. Counts what it removed in `removed`. */
export function withoutOlderThan(r: PmdRequest, cutoffMs: number): { request: PmdRequest | undefined; removed: number } {
  if (r.oldestMs >= cutoffMs) return { request: r, removed: 0 };
  const data = r.data.filter((d) => (d.Timestamp as Date).getTime() >= cutoffMs);
  const removed = r.items - data.length;
  if (data.length === 0) return { request: undefined, removed };
  let oldest = Infinity;
  for (const d of data) oldest = Math.min(oldest, (d.Timestamp as Date).getTime());
  return { request: { ...r, data, items: data.length, oldestMs: oldest }, removed };
}

/** Two halves of a request (to find the datum CloudWatch refused); undefined for a single datum. */
export function halves(r: PmdRequest): [PmdRequest, PmdRequest] | undefined {
  if (r.items < 2) return undefined;
  const mid = r.items >> 1;
  const part = (data: MetricDatum[]): PmdRequest => {
    let oldest = Infinity;
    for (const d of data) oldest = Math.min(oldest, (d.Timestamp as Date).getTime());
    return { ...r, data, items: data.length, bytes: Math.ceil((r.bytes * data.length) / r.items), oldestMs: oldest };
  };
  return [part(r.data.slice(0, mid)), part(r.data.slice(mid))];
}
