/**
 * The limits of the real PutMetricData API, from the CloudWatch service
 * model (botocore data/cloudwatch/2010-08-01/service-2.json: shape
 * constraints and operation documentation) and the API Reference. The
 * receiver applies them so that a request accepted here would have been
 * accepted by CloudWatch, and one refused here is refused with the code and
 * message CloudWatch gives.
 */
export const LIMITS = {
  /** MetricData plus every EntityMetricData's MetricData, per request. */
  maxMetricData: 1000,
  /** EntityMetricData objects per request. */
  maxEntityMetricData: 2,
  maxDimensions: 30,
  /** Values (and Counts) per datum. */
  maxValues: 150,
  /** Request body after decompression (1 MB, "limited to 1 MB in size for HTTP POST requests"). */
  maxBodyBytes: 1024 * 1024,
  namespace: { min: 1, max: 255 },
  metricName: { min: 1, max: 255 },
  dimensionName: { min: 1, max: 255 },
  dimensionValue: { min: 1, max: 1024 },
  entityKeyAttributes: { min: 2, max: 4, keyMax: 32, valueMax: 2048 },
  entityAttributes: { max: 10, keyMax: 256, valueMax: 2048 },
  /** "Values must be in the range of -2^360 to 2^360." */
  maxAbsValue: 2 ** 360,
  /** Timestamps: "as much as two weeks before the current date, and as much as 2 hours after". */
  maxPastMs: 14 * 24 * 3600 * 1000,
  maxFutureMs: 2 * 3600 * 1000,
  /** SigV4: requests whose X-Amz-Date is further than this from our clock are refused. */
  maxClockSkewMs: 15 * 60 * 1000,
} as const;

/** The five KeyAttributes names an Entity may use. */
export const ENTITY_KEY_NAMES: ReadonlySet<string> = new Set(['Type', 'ResourceType', 'Identifier', 'Name', 'Environment']);

/** StandardUnit, in the model's order (error messages list them in this order, as CloudWatch does). */
export const STANDARD_UNITS = [
  'Seconds', 'Microseconds', 'Milliseconds', 'Bytes', 'Kilobytes', 'Megabytes', 'Gigabytes', 'Terabytes',
  'Bits', 'Kilobits', 'Megabits', 'Gigabits', 'Terabits', 'Percent', 'Count',
  'Bytes/Second', 'Kilobytes/Second', 'Megabytes/Second', 'Gigabytes/Second', 'Terabytes/Second',
  'Bits/Second', 'Kilobits/Second', 'Megabits/Second', 'Gigabits/Second', 'Terabits/Second', 'Count/Second', 'None',
] as const;
export type StandardUnit = (typeof STANDARD_UNITS)[number];

/**
 * CloudWatch unit -> OpenTelemetry unit (UCUM case-sensitive, as the
 * OpenTelemetry semantic conventions write units). Counts become the
 * annotation `{count}` rather than `1`, because `1` means a ratio and turns
 * into a `_ratio` suffix in Prometheus names. `None` is no unit. The decimal
 * prefixes follow UCUM (k = 1000), which is also how CloudWatch converts
 * between these units.
 */
export const OTEL_UNIT: Readonly<Record<StandardUnit, string>> = {
  Seconds: 's',
  Microseconds: 'us',
  Milliseconds: 'ms',
  Bytes: 'By',
  Kilobytes: 'kBy',
  Megabytes: 'MBy',
  Gigabytes: 'GBy',
  Terabytes: 'TBy',
  Bits: 'bit',
  Kilobits: 'kbit',
  Megabits: 'Mbit',
  Gigabits: 'Gbit',
  Terabits: 'Tbit',
  Percent: '%',
  Count: '{count}',
  'Bytes/Second': 'By/s',
  'Kilobytes/Second': 'kBy/s',
  'Megabytes/Second': 'MBy/s',
  'Gigabytes/Second': 'GBy/s',
  'Terabytes/Second': 'TBy/s',
  'Bits/Second': 'bit/s',
  'Kilobits/Second': 'kbit/s',
  'Megabits/Second': 'Mbit/s',
  'Gigabits/Second': 'Gbit/s',
  'Terabits/Second': 'Tbit/s',
  'Count/Second': '{count}/s',
  None: '',
};

export function isStandardUnit(u: string): u is StandardUnit {
  return Object.hasOwn(OTEL_UNIT, u);
}
