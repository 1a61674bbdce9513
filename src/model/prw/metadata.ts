/**
 * Prometheus metric metadata (TYPE, HELP, UNIT) as remote write carries it:
 * in 1.0, MetricMetadata messages keyed by family name, sent by Prometheus
 * in their own requests every `metadata_config.send_interval` (1m by
 * default); in 2.0, one Metadata message on each series. The receiver
 * remembers 1.0 metadata across requests, because it almost never arrives
 * in the request that carries the samples it describes.
 */

/** prompb MetricMetadata.MetricType and io.prometheus.write.v2 Metadata.MetricType (same numbers). */
export const PromType = {
  UNKNOWN: 0,
  COUNTER: 1,
  GAUGE: 2,
  HISTOGRAM: 3,
  GAUGEHISTOGRAM: 4,
  SUMMARY: 5,
  INFO: 6,
  STATESET: 7,
} as const;
export type PromType = (typeof PromType)[keyof typeof PromType];

/** The `prometheus.type` metric metadata value per type (OTel Prometheus compatibility spec, "Metric Metadata"). */
export const PROM_TYPE_NAMES: readonly string[] = ['unknown', 'counter', 'gauge', 'histogram', 'gaugehistogram', 'summary', 'info', 'stateset'];

export function promTypeOf(v: number): PromType {
  return v >= 0 && v <= 7 ? (v as PromType) : PromType.UNKNOWN;
}

export interface FamilyMetadata {
  readonly type: PromType;
  readonly help: string;
  /** Already in OpenTelemetry (UCUM) form, see otelUnit. */
  readonly unit: string;
}

/**
 * Family name -> metadata, bounded: two generations, so families in use
 * survive a rotation and forgotten ones are dropped. The latest metadata
 * for a name wins.
 */
export class MetadataCache {
  private current = new Map<string, FamilyMetadata>();
  private previous = new Map<string, FamilyMetadata>();
  /** Bumped whenever a lookup could answer differently: callers may memoise answers per version. */
  version = 0;

  constructor(private readonly capacity = 50_000) {}

  get(family: string): FamilyMetadata | undefined {
    const hit = this.current.get(family);
    if (hit !== undefined) return hit;
    const old = this.previous.get(family);
    if (old !== undefined) this.put(family, old);
    return old;
  }

  set(family: string, m: FamilyMetadata): void {
    const cur = this.current.get(family);
    if (cur !== undefined && cur.type === m.type && cur.help === m.help && cur.unit === m.unit) return;
    this.put(family, m);
    this.version++;
  }

  private put(family: string, m: FamilyMetadata): void {
    if (this.current.size >= this.capacity) {
      this.previous = this.current;
      this.current = new Map();
      this.version++;
    }
    this.current.set(family, m);
  }
}

/**
 * Prometheus unit words -> UCUM, the inverse of the exporter's table
 * (model/prom/naming.ts), so that a unit read here is written back as the
 * same word: "seconds" -> "s", "bytes_per_second" -> "By/s", "ratio" -> "1".
 * Unknown words are kept as they are.
 */
const UNIT_WORDS: Readonly<Record<string, string>> = {
  days: 'd', hours: 'h', minutes: 'min', seconds: 's', milliseconds: 'ms', microseconds: 'us', nanoseconds: 'ns',
  bytes: 'By', kibibytes: 'KiBy', mebibytes: 'MiBy', gibibytes: 'GiBy', tebibytes: 'TiBy',
  kilobytes: 'kBy', megabytes: 'MBy', gigabytes: 'GBy', terabytes: 'TBy',
  meters: 'm', volts: 'V', amperes: 'A', joules: 'J', watts: 'W', grams: 'g', celsius: 'Cel', hertz: 'Hz',
  percent: '%', ratio: '1',
};
const PER_WORDS: Readonly<Record<string, string>> = { second: 's', minute: 'm', hour: 'h', day: 'd', week: 'w', month: 'mo', year: 'y' };

const unitCache = new Map<string, string>();

export function otelUnit(prom: string): string {
  if (prom === '') return '';
  let u = unitCache.get(prom);
  if (u !== undefined) return u;
  const at = prom.indexOf('_per_');
  if (at > 0) {
    const main = prom.slice(0, at);
    const per = prom.slice(at + 5);
    u = `${UNIT_WORDS[main] ?? main}/${PER_WORDS[per] ?? per}`;
  } else if (prom.startsWith('per_') && prom.length > 4) {
    const per = prom.slice(4);
    u = `1/${PER_WORDS[per] ?? per}`;
  } else u = UNIT_WORDS[prom] ?? prom;
  if (unitCache.size > 10_000) unitCache.clear();
  unitCache.set(prom, u);
  return u;
}
