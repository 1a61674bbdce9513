import { type StandardUnit, isStandardUnit } from '../../../receivers/putmetricdata/limits.js';

/**
 * OpenTelemetry units (UCUM, case-sensitive, as the semantic conventions
 * write them) -> CloudWatch's 27 standard units. Where CloudWatch has the
 * unit, the value is sent as it is; where it has only a related unit, the
 * value is scaled into it (`scale`): nanoseconds and minutes into seconds
 * or microseconds, binary prefixes (KiBy, MiBy...) into bytes or bits,
 * since CloudWatch's Kilobytes etc. are decimal (UCUM's k, as the
 * putmetricdata receiver maps them the other way). Annotations (`{request}`)
 * are counts; `1` is a ratio, which CloudWatch cannot express, so it goes
 * as None rather than being multiplied into Percent. Anything else is None.
 * docs/cloudwatch-exporters.md has this table.
 */

export interface CwUnit {
  readonly unit: StandardUnit;
  /** Multiply values (not counts) by this to express them in `unit`. */
  readonly scale: number;
}

const NONE: CwUnit = Object.freeze({ unit: 'None', scale: 1 });

function u(unit: StandardUnit, scale = 1): CwUnit {
  return Object.freeze({ unit, scale });
}

/** The table, exact matches (docs list it in this order). */
export const UNIT_TABLE: Readonly<Record<string, CwUnit>> = {
  s: u('Seconds'),
  ms: u('Milliseconds'),
  us: u('Microseconds'),
  µs: u('Microseconds'),
  μs: u('Microseconds'),
  ns: u('Microseconds', 1e-3),
  min: u('Seconds', 60),
  h: u('Seconds', 3600),
  d: u('Seconds', 86400),
  By: u('Bytes'),
  kBy: u('Kilobytes'),
  KBy: u('Kilobytes'),
  MBy: u('Megabytes'),
  GBy: u('Gigabytes'),
  TBy: u('Terabytes'),
  KiBy: u('Bytes', 1024),
  MiBy: u('Bytes', 1024 ** 2),
  GiBy: u('Bytes', 1024 ** 3),
  TiBy: u('Bytes', 1024 ** 4),
  bit: u('Bits'),
  kbit: u('Kilobits'),
  Kbit: u('Kilobits'),
  Mbit: u('Megabits'),
  Gbit: u('Gigabits'),
  Tbit: u('Terabits'),
  Kibit: u('Bits', 1024),
  Mibit: u('Bits', 1024 ** 2),
  Gibit: u('Bits', 1024 ** 3),
  Tibit: u('Bits', 1024 ** 4),
  'By/s': u('Bytes/Second'),
  'kBy/s': u('Kilobytes/Second'),
  'KBy/s': u('Kilobytes/Second'),
  'MBy/s': u('Megabytes/Second'),
  'GBy/s': u('Gigabytes/Second'),
  'TBy/s': u('Terabytes/Second'),
  'KiBy/s': u('Bytes/Second', 1024),
  'MiBy/s': u('Bytes/Second', 1024 ** 2),
  'GiBy/s': u('Bytes/Second', 1024 ** 3),
  'bit/s': u('Bits/Second'),
  'kbit/s': u('Kilobits/Second'),
  'Kbit/s': u('Kilobits/Second'),
  'Mbit/s': u('Megabits/Second'),
  'Gbit/s': u('Gigabits/Second'),
  'Tbit/s': u('Terabits/Second'),
  '%': u('Percent'),
  '1/s': u('Count/Second'),
  '{count}': u('Count'),
  '1': NONE,
  '': NONE,
};

const ANNOTATION = /^\{[^{}]*\}$/;
const ANNOTATION_RATE = /^\{[^{}]*\}\/s$/;

/** The CloudWatch unit for an OpenTelemetry unit string. */
export function cloudWatchUnit(otelUnit: string): CwUnit {
  const hit = UNIT_TABLE[otelUnit];
  if (hit !== undefined) return hit;
  if (ANNOTATION.test(otelUnit)) return u('Count');
  if (ANNOTATION_RATE.test(otelUnit)) return u('Count/Second');
  return NONE;
}

/**
 * The unit of one metric: a `metric_descriptors` entry for its name wins
 * (with `overwrite`, or when the metric has no unit); then a standard unit
 * the putmetricdata receiver kept in the metadata (`cloudwatch.unit`), so
 * that data passing through keeps its unit exactly; then the mapping.
 */
export function unitOf(otelUnit: string, metadataUnit: string | undefined, descriptor: { unit: StandardUnit; overwrite: boolean } | undefined): CwUnit {
  if (descriptor !== undefined && (descriptor.overwrite || otelUnit === '')) return u(descriptor.unit);
  if (metadataUnit !== undefined && isStandardUnit(metadataUnit)) return u(metadataUnit);
  return cloudWatchUnit(otelUnit);
}
