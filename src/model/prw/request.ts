import { Errors } from '../../errors/catalogue.js';
import { TributaryError } from '../../errors/tributary-error.js';
import type { Exemplar } from '../metric.js';
import { ExpHistogramBuilder, HistogramBuilder } from '../points-builder.js';
import type { PromType } from './metadata.js';
import type { SeriesRef } from './series-index.js';

/**
 * The scratch state of one request being decoded, reused for every request
 * (decoding is synchronous): the series seen, in first-seen order; float
 * samples as flat columns (no object per sample); native histograms in
 * point builders; exemplars (rare) as small records. Assembly (assemble.ts)
 * turns this into the model.
 */

/** The latest timestamp (ms) the model holds: its times are uint64 nanoseconds since 1970 (until 2554-07-21). */
export const MAX_TIMESTAMP_MS = 18_446_744_073_709;

export interface PendingExemplar {
  /** Request-local series index. */
  series: number;
  readonly ms: number;
  readonly exemplar: Exemplar;
}

function growF64(a: Float64Array, n: number): Float64Array {
  const b = new Float64Array(Math.max(n, a.length * 2));
  b.set(a);
  return b;
}
function growI32(a: Int32Array, n: number): Int32Array {
  const b = new Int32Array(Math.max(n, a.length * 2));
  b.set(a);
  return b;
}
function growU8(a: Uint8Array, n: number): Uint8Array {
  const b = new Uint8Array(Math.max(n, a.length * 2));
  b.set(a);
  return b;
}

/** A growable list of number pairs (byte ranges, bucket spans), reused across requests. */
export class Pairs {
  n = 0;
  a: Float64Array = new Float64Array(64);
  b: Float64Array = new Float64Array(64);

  push(a: number, b: number): void {
    if (this.n === this.a.length) {
      this.a = growF64(this.a, this.n + 1);
      this.b = growF64(this.b, this.n + 1);
    }
    this.a[this.n] = a;
    this.b[this.n++] = b;
  }
}

/** A reused Int32Array of at least `n` entries (contents unspecified). */
class I32Scratch {
  private a = new Int32Array(256);
  get(n: number): Int32Array {
    if (this.a.length < n) this.a = new Int32Array(Math.max(n, this.a.length * 2));
    return this.a;
  }
}

class U8Scratch {
  private a = new Uint8Array(256);
  get(n: number): Uint8Array {
    if (this.a.length < n) this.a = new Uint8Array(Math.max(n, this.a.length * 2));
    return this.a;
  }
}

export class RequestState {
  /** Per-request temporaries of assembly, reused so that a request allocates only what it hands on. */
  readonly scratch = {
    types: new U8Scratch(),
    roles: new U8Scratch(),
    consumed: new U8Scratch(),
    seriesSlot: new I32Scratch(),
    sampleSlot: new I32Scratch(),
    cursor: new I32Scratch(),
    from: new I32Scratch(),
  };

  epoch = 0;
  /** Series of this request, in first-seen order: the first `nSeries` entries (the array keeps its capacity). */
  readonly series: SeriesRef[] = [];
  nSeries = 0;
  /** The series of the previous TimeSeries message, for SeriesIndex's guess of the next. */
  last: SeriesRef | undefined;
  /** Per series: the type its own metadata gives (2.0), or -1 to look up the family (1.0). */
  seriesType: Int8Array = new Int8Array(256);
  readonly seriesUnit: string[] = [];
  readonly seriesHelp: string[] = [];

  n = 0;
  sSeries: Int32Array = new Int32Array(1024);
  sMs: Float64Array = new Float64Array(1024);
  /** Start time in ms, 0 when unknown. */
  sStart: Float64Array = new Float64Array(1024);
  sValue: Float64Array = new Float64Array(1024);
  sStale: Uint8Array = new Uint8Array(1024);

  /** Native histograms with an exponential schema, and with custom buckets. */
  readonly exp = new ExpHistogramBuilder();
  expSeries: Int32Array = new Int32Array(64);
  expMs: Float64Array = new Float64Array(64);
  readonly explicit = new HistogramBuilder();
  explicitSeries: Int32Array = new Int32Array(64);
  explicitMs: Float64Array = new Float64Array(64);

  readonly exemplars: PendingExemplar[] = [];
  /** Points dropped because the model cannot hold them, by reason. */
  readonly dropped = new Map<string, number>();
  /** Dense buckets materialised for native histograms so far (bounded per request). */
  denseBuckets = 0;

  begin(): void {
    this.epoch++;
    this.nSeries = 0;
    this.last = undefined;
    this.n = 0;
    this.exp.reset();
    this.explicit.reset();
    this.exemplars.length = 0;
    this.dropped.clear();
    this.denseBuckets = 0;
  }

  /** The request-local index of `ref`, adding it on first sight. */
  indexOf(ref: SeriesRef): number {
    if (ref.epoch === this.epoch) return ref.index;
    const i = this.nSeries++;
    ref.epoch = this.epoch;
    ref.index = i;
    if (i < this.series.length) this.series[i] = ref;
    else this.series.push(ref);
    if (i >= this.seriesType.length) {
      const t = new Int8Array(this.seriesType.length * 2);
      t.set(this.seriesType);
      this.seriesType = t;
    }
    this.seriesType[i] = -1;
    if (i < this.seriesUnit.length) {
      this.seriesUnit[i] = '';
      this.seriesHelp[i] = '';
    } else {
      this.seriesUnit.push('');
      this.seriesHelp.push('');
    }
    return i;
  }

  setMetadata(series: number, type: PromType, unit: string, help: string): void {
    this.seriesType[series] = type;
    this.seriesUnit[series] = unit;
    this.seriesHelp[series] = help;
  }

  pushSample(value: number, ms: number, startMs: number, stale: boolean): void {
    const i = this.n;
    if (i >= this.sMs.length) {
      this.sSeries = growI32(this.sSeries, i + 1);
      this.sMs = growF64(this.sMs, i + 1);
      this.sStart = growF64(this.sStart, i + 1);
      this.sValue = growF64(this.sValue, i + 1);
      this.sStale = growU8(this.sStale, i + 1);
    }
    this.sSeries[i] = -1;
    this.sMs[i] = ms;
    this.sStart[i] = startMs;
    this.sValue[i] = value;
    this.sStale[i] = stale ? 1 : 0;
    this.n = i + 1;
  }

  /** Records which series the exponential histogram point `i` (just committed) belongs to, and its time. */
  noteExp(i: number, ms: number): void {
    if (i >= this.expSeries.length) {
      this.expSeries = growI32(this.expSeries, i + 1);
      this.expMs = growF64(this.expMs, i + 1);
    }
    this.expSeries[i] = -1;
    this.expMs[i] = ms;
  }

  noteExplicit(i: number, ms: number): void {
    if (i >= this.explicitSeries.length) {
      this.explicitSeries = growI32(this.explicitSeries, i + 1);
      this.explicitMs = growF64(this.explicitMs, i + 1);
    }
    this.explicitSeries[i] = -1;
    this.explicitMs[i] = ms;
  }

  /**
   * Gives everything decoded since the marks to `series`: samples, histogram
   * points and exemplars of one TimeSeries message, whose labels may come
   * after its data on the wire.
   */
  assign(series: number, ref: SeriesRef, sample0: number, exp0: number, explicit0: number, exemplar0: number): void {
    for (let i = sample0; i < this.n; i++) this.sSeries[i] = series;
    for (let i = exp0; i < this.exp.n; i++) {
      this.expSeries[i] = series;
      this.exp.attributes[i] = ref.attrs;
    }
    for (let i = explicit0; i < this.explicit.n; i++) {
      this.explicitSeries[i] = series;
      this.explicit.attributes[i] = ref.attrs;
    }
    for (let i = exemplar0; i < this.exemplars.length; i++) this.exemplars[i].series = series;
  }

  drop(reason: string, n = 1): void {
    this.dropped.set(reason, (this.dropped.get(reason) ?? 0) + n);
  }
}

/** A timestamp (ms) read as an unsigned varint; negative int64s arrive as values >= 2^63. */
export function checkTimestamp(ms: number, what: string): number {
  if (ms > MAX_TIMESTAMP_MS) {
    throw new TributaryError(Errors.INVALID_DATA, `${what} timestamp is negative or after the year 2554 (${ms} as unsigned); timestamps are milliseconds since 1970`);
  }
  return ms;
}

/** True if the 8 bytes at `pos` are Prometheus' staleness marker NaN (0x7ff0000000000002). */
export function isStaleNaN(view: DataView, pos: number): boolean {
  return view.getUint32(pos, true) === 2 && view.getUint32(pos + 4, true) === 0x7ff00000;
}
