import { Problems } from './aws-errors.js';
import { ENTITY_KEY_NAMES, LIMITS, STANDARD_UNITS, type StandardUnit, isStandardUnit } from './limits.js';
import { readDouble, readTimestampMs, show } from './scalars.js';

/**
 * Validation of a decoded PutMetricData input (from any of the three
 * protocols) against the API's shapes and limits, producing a typed request.
 * Member paths in messages use the Query form (`MetricData.member.3.Value`)
 * that CloudWatch uses in its messages whatever the protocol. All problems
 * are collected; if there is any, nothing of the request is accepted, as
 * CloudWatch rejects a request with an invalid datum as a whole.
 */

export type DatumKind = 'value' | 'values' | 'stats';

export interface Datum {
  readonly name: string;
  /** Dimension names and values, alternating, in request order. */
  readonly dims: readonly string[];
  /** Milliseconds since the epoch (may have a fraction), or undefined when the datum has no Timestamp. */
  readonly timeMs: number | undefined;
  readonly kind: DatumKind;
  /** kind 'value': the value. */
  readonly value: number;
  /** kind 'values': the values and their counts (1 each when Counts is absent). */
  readonly values: readonly number[] | undefined;
  readonly counts: readonly number[] | undefined;
  /** kind 'stats': SampleCount, Sum, Minimum, Maximum. */
  readonly stats: readonly [number, number, number, number] | undefined;
  readonly unit: StandardUnit | undefined;
  readonly resolution: 1 | 60;
}

export interface Entity {
  readonly keyAttributes: readonly (readonly [string, string])[];
  readonly attributes: readonly (readonly [string, string])[];
}

export interface DatumGroup {
  /** Set for EntityMetricData whose entity is valid. */
  readonly entity: Entity | undefined;
  readonly data: readonly Datum[];
}

export interface PutMetricDataRequest {
  readonly namespace: string;
  readonly groups: readonly DatumGroup[];
  readonly datumCount: number;
  /** With StrictEntityValidation false, why an entity was dropped (the X-Amzn-Failure-Message value). */
  readonly entityFailure: string | undefined;
}

export type Readout = { ok: true; request: PutMetricDataRequest } | { ok: false; error: Error };

/** Reads and validates the input; `nowMs` is the receive time the timestamp window is measured from. */
export function readPutMetricData(input: Record<string, unknown>, nowMs: number): Readout {
  const p = new Problems();
  const namespace = readNamespace(own(input, 'Namespace'), p);
  const metricData = list(own(input, 'MetricData'), 'MetricData', p);
  const entityData = list(own(input, 'EntityMetricData'), 'EntityMetricData', p);
  const strict = readBool(own(input, 'StrictEntityValidation'), 'StrictEntityValidation', p);

  let total = metricData?.length ?? 0;
  for (const e of entityData ?? []) {
    const md = isObject(e) ? own(e, 'MetricData') : undefined;
    if (Array.isArray(md)) total += md.length;
  }
  if (total > LIMITS.maxMetricData) {
    p.invalid(`The collection MetricData must not have a size greater than ${LIMITS.maxMetricData}.`);
    return { ok: false, error: p.toError()! };
  }
  if (total === 0 && p.empty) p.missing('MetricData');

  const groups: DatumGroup[] = [];
  let entityFailure: string | undefined;
  if (metricData !== undefined && metricData.length > 0) {
    groups.push({ entity: undefined, data: readData(metricData, 'MetricData', nowMs, p) });
  }
  if (entityData !== undefined) {
    if (entityData.length > LIMITS.maxEntityMetricData) entityFailure = 'EntitySizeTooLarge';
    entityData.forEach((e, g) => {
      const path = `EntityMetricData.member.${g + 1}`;
      if (!isObject(e)) {
        p.invalid(`The value ${show(e)} for parameter ${path} is invalid.`);
        return;
      }
      const md = list(own(e, 'MetricData'), `${path}.MetricData`, p) ?? [];
      const data = readData(md, `${path}.MetricData`, nowMs, p);
      const checked = entityFailure === 'EntitySizeTooLarge' ? { failure: entityFailure } : readEntity(own(e, 'Entity'));
      if ('failure' in checked) {
        entityFailure ??= checked.failure;
        if (strict === true) p.invalid(`The parameter ${path}.Entity is invalid (${checked.failure}).`);
        groups.push({ entity: undefined, data });
      } else groups.push({ entity: checked.entity, data });
    });
  }
  const err = p.toError();
  if (err !== undefined) return { ok: false, error: err };
  return { ok: true, request: { namespace: namespace!, groups, datumCount: total, entityFailure } };
}

function readNamespace(v: unknown, p: Problems): string | undefined {
  if (v === undefined || v === null) {
    p.missing('Namespace');
    return undefined;
  }
  if (typeof v !== 'string') {
    p.invalid(`The value ${show(v)} for parameter Namespace is invalid.`);
    return undefined;
  }
  if (!lengthOk(v, LIMITS.namespace, 'Namespace', p)) return undefined;
  if (!isPrintableAscii(v) || v.startsWith(':')) {
    p.invalid(`The value ${show(v)} for parameter Namespace is invalid. Namespaces must be printable ASCII and must not start with ":".`);
    return undefined;
  }
  if (v.startsWith('AWS/')) {
    p.invalid(`The value ${show(v)} for parameter Namespace is invalid. Namespaces starting with "AWS/" are reserved for AWS services.`);
    return undefined;
  }
  return v;
}

function readData(items: readonly unknown[], base: string, nowMs: number, p: Problems): Datum[] {
  const out: Datum[] = [];
  for (let i = 0; i < items.length; i++) {
    const d = readDatum(items[i], `${base}.member.${i + 1}`, nowMs, p);
    if (d !== undefined) out.push(d);
  }
  return out;
}

function readDatum(v: unknown, path: string, nowMs: number, p: Problems): Datum | undefined {
  if (!isObject(v)) {
    p.invalid(`The value ${show(v)} for parameter ${path} is invalid.`);
    return undefined;
  }
  let ok = true;
  const rawName = own(v, 'MetricName');
  let name = '';
  if (rawName === undefined || rawName === null) {
    p.missing(`${path}.MetricName`);
    ok = false;
  } else if (typeof rawName !== 'string') {
    p.invalid(`The value ${show(rawName)} for parameter ${path}.MetricName is invalid.`);
    ok = false;
  } else if (!lengthOk(rawName, LIMITS.metricName, `${path}.MetricName`, p)) ok = false;
  else name = rawName;

  const dims = readDimensions(own(v, 'Dimensions'), `${path}.Dimensions`, p);
  if (dims === undefined) ok = false;

  let timeMs: number | undefined;
  const rawTime = own(v, 'Timestamp');
  if (rawTime !== undefined && rawTime !== null) {
    timeMs = readTimestampMs(rawTime);
    if (timeMs === undefined) {
      p.invalid(`The value ${show(rawTime)} for parameter ${path}.Timestamp is invalid.`);
      ok = false;
    } else if (timeMs < nowMs - LIMITS.maxPastMs) {
      p.invalid(`The parameter ${path}.Timestamp must specify a time within the past two weeks.`);
      ok = false;
    } else if (timeMs > nowMs + LIMITS.maxFutureMs) {
      p.invalid(`The parameter ${path}.Timestamp must specify a time no more than two hours in the future.`);
      ok = false;
    }
  }

  const value = present(own(v, 'Value'));
  const stats = present(own(v, 'StatisticValues'));
  const valuesList = list(own(v, 'Values'), `${path}.Values`, p);
  const countsList = list(own(v, 'Counts'), `${path}.Counts`, p);
  // A Values or Counts that is not a list was reported by list(); nothing more to say about this datum's value.
  const badList = (valuesList === undefined && !absent(own(v, 'Values'))) || (countsList === undefined && !absent(own(v, 'Counts')));
  const rawValues = nonEmpty(valuesList);
  const rawCounts = nonEmpty(countsList);
  const given = [value !== undefined && 'Value', rawValues !== undefined && 'Values', stats !== undefined && 'StatisticValues'].filter((x): x is string => x !== false);
  let kind: DatumKind = 'value';
  let num = 0;
  let values: number[] | undefined;
  let counts: number[] | undefined;
  let statistics: [number, number, number, number] | undefined;
  if (badList) ok = false;
  else if (given.length > 1) {
    p.combination(`The parameters ${path}.${given[0]} and ${path}.${given[1]} are mutually exclusive and you have specified both.`);
    ok = false;
  } else if (given.length === 0) {
    if (rawCounts !== undefined) p.combination(`The parameter ${path}.Counts requires ${path}.Values.`);
    else p.missing(`${path}.Value`, [`${path}.Values`, `${path}.StatisticValues`]);
    ok = false;
  } else if (value !== undefined) {
    if (rawCounts !== undefined) {
      p.combination(`The parameter ${path}.Counts requires ${path}.Values.`);
      ok = false;
    }
    const n = readMetricValue(value, `${path}.Value`, p);
    if (n === undefined) ok = false;
    else num = n;
  } else if (rawValues !== undefined) {
    kind = 'values';
    values = readValueList(rawValues, `${path}.Values`, p, false);
    counts = rawCounts === undefined ? undefined : readValueList(rawCounts, `${path}.Counts`, p, true);
    if (values === undefined || (rawCounts !== undefined && counts === undefined)) ok = false;
    else if (counts !== undefined && counts.length !== values.length) {
      p.invalid(`The parameters ${path}.Values and ${path}.Counts must have the same number of members (got ${values.length} and ${counts.length}).`);
      ok = false;
    }
  } else {
    kind = 'stats';
    statistics = readStatistics(stats, `${path}.StatisticValues`, p);
    if (statistics === undefined) ok = false;
  }

  let unit: StandardUnit | undefined;
  const rawUnit = own(v, 'Unit');
  if (rawUnit !== undefined && rawUnit !== null) {
    if (typeof rawUnit === 'string' && isStandardUnit(rawUnit)) unit = rawUnit;
    else {
      p.invalid(`The parameter ${path}.Unit must be a value in the set [ ${STANDARD_UNITS.join(', ')} ].`);
      ok = false;
    }
  }

  let resolution: 1 | 60 = 60;
  const rawRes = own(v, 'StorageResolution');
  if (rawRes !== undefined && rawRes !== null) {
    const r = readDouble(rawRes);
    if (r === 1 || r === 60) resolution = r;
    else {
      p.invalid(`The value ${show(rawRes)} for parameter ${path}.StorageResolution is invalid. Valid values are 1 (high resolution) and 60.`);
      ok = false;
    }
  }
  if (!ok) return undefined;
  return { name, dims: dims!, timeMs, kind, value: num, values, counts, stats: statistics, unit, resolution };
}

function readDimensions(v: unknown, path: string, p: Problems): string[] | undefined {
  const items = list(v, path, p);
  if (items === undefined) return absent(v) ? [] : undefined;
  if (items.length > LIMITS.maxDimensions) {
    p.invalid(`The collection ${path} must not have a size greater than ${LIMITS.maxDimensions}.`);
    return undefined;
  }
  const out: string[] = [];
  let ok = true;
  for (let i = 0; i < items.length; i++) {
    const dp = `${path}.member.${i + 1}`;
    const d = items[i];
    if (!isObject(d)) {
      p.invalid(`The value ${show(d)} for parameter ${dp} is invalid.`);
      ok = false;
      continue;
    }
    const name = readDimensionText(own(d, 'Name'), `${dp}.Name`, LIMITS.dimensionName, true, p);
    const value = readDimensionText(own(d, 'Value'), `${dp}.Value`, LIMITS.dimensionValue, false, p);
    if (name === undefined || value === undefined) {
      ok = false;
      continue;
    }
    for (let j = 0; j < out.length; j += 2) {
      if (out[j] === name) {
        p.invalid(`The collection ${path} has the dimension name ${show(name)} more than once.`);
        ok = false;
      }
    }
    out.push(name, value);
  }
  return ok ? out : undefined;
}

/** Dimension names and values: ASCII without control characters, at least one non-space; names must not start with ":". */
function readDimensionText(v: unknown, path: string, len: { min: number; max: number }, isName: boolean, p: Problems): string | undefined {
  if (v === undefined || v === null) {
    p.missing(path);
    return undefined;
  }
  if (typeof v !== 'string') {
    p.invalid(`The value ${show(v)} for parameter ${path} is invalid.`);
    return undefined;
  }
  if (!lengthOk(v, len, path, p)) return undefined;
  if (!isPrintableAscii(v) || v.trim() === '' || (isName && v.startsWith(':'))) {
    const rule = isName ? 'Dimension names must be ASCII without control characters, contain a non-whitespace character and not start with ":".' : 'Dimension values must be ASCII without control characters and contain a non-whitespace character.';
    p.invalid(`The value ${show(v)} for parameter ${path} is invalid. ${rule}`);
    return undefined;
  }
  return v;
}

function readMetricValue(v: unknown, path: string, p: Problems): number | undefined {
  const n = readDouble(v);
  if (n === undefined || !Number.isFinite(n) || Math.abs(n) > LIMITS.maxAbsValue) {
    p.invalid(`The value ${n === undefined ? show(v) : String(n)} for parameter ${path} is invalid.`);
    return undefined;
  }
  return n;
}

function readValueList(items: readonly unknown[], path: string, p: Problems, isCounts: boolean): number[] | undefined {
  if (items.length > LIMITS.maxValues) {
    p.invalid(`The collection ${path} must not have a size greater than ${LIMITS.maxValues}.`);
    return undefined;
  }
  const out: number[] = new Array<number>(items.length);
  let ok = true;
  for (let i = 0; i < items.length; i++) {
    const n = readMetricValue(items[i], `${path}.member.${i + 1}`, p);
    if (n === undefined) ok = false;
    else if (isCounts && n < 0) {
      p.invalid(`The value ${n} for parameter ${path}.member.${i + 1} is invalid. Counts must not be negative.`);
      ok = false;
    } else out[i] = n;
  }
  return ok ? out : undefined;
}

function readStatistics(v: unknown, path: string, p: Problems): [number, number, number, number] | undefined {
  if (!isObject(v)) {
    p.invalid(`The value ${show(v)} for parameter ${path} is invalid.`);
    return undefined;
  }
  const out: number[] = [];
  for (const f of ['SampleCount', 'Sum', 'Minimum', 'Maximum'] as const) {
    const raw = own(v, f);
    if (raw === undefined || raw === null) p.missing(`${path}.${f}`);
    else {
      const n = readMetricValue(raw, `${path}.${f}`, p);
      if (n !== undefined) out.push(n);
    }
  }
  if (out.length < 4) return undefined;
  const [count, , min, max] = out;
  let ok = true;
  if (!(count > 0)) {
    p.invalid(`The value ${count} for parameter ${path}.SampleCount is invalid. SampleCount must be greater than 0.`);
    ok = false;
  }
  if (min > max) {
    p.invalid(`The parameter ${path}.Minimum must not be greater than ${path}.Maximum.`);
    ok = false;
  }
  return ok ? (out as [number, number, number, number]) : undefined;
}

type EntityCheck = { entity: Entity } | { failure: string };

function readEntity(v: unknown): EntityCheck {
  if (!isObject(v)) return { failure: 'InvalidEntity' };
  const key = readStringMap(own(v, 'KeyAttributes'), LIMITS.entityKeyAttributes.keyMax, LIMITS.entityKeyAttributes.valueMax);
  const { min, max } = LIMITS.entityKeyAttributes;
  if (key === undefined || key.length < min || key.length > max || key.some(([k]) => !ENTITY_KEY_NAMES.has(k))) return { failure: 'InvalidKeyAttributes' };
  if (!key.some(([k]) => k === 'Type')) return { failure: 'MissingRequiredFields' };
  const rawAttrs = own(v, 'Attributes');
  const attrs = rawAttrs === undefined || rawAttrs === null ? [] : readStringMap(rawAttrs, LIMITS.entityAttributes.keyMax, LIMITS.entityAttributes.valueMax);
  if (attrs === undefined || attrs.length > LIMITS.entityAttributes.max) return { failure: 'InvalidAttributes' };
  return { entity: { keyAttributes: key, attributes: attrs } };
}

function readStringMap(v: unknown, keyMax: number, valueMax: number): [string, string][] | undefined {
  if (!isObject(v)) return undefined;
  const out: [string, string][] = [];
  for (const k of Object.keys(v)) {
    const val = v[k];
    if (k.length < 1 || k.length > keyMax || typeof val !== 'string' || val.length < 1 || val.length > valueMax) return undefined;
    out.push([k, val]);
  }
  return out;
}

function readBool(v: unknown, path: string, p: Problems): boolean | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v === 'boolean') return v;
  if (v === 'true' || v === 'false') return v === 'true';
  p.invalid(`The value ${show(v)} for parameter ${path} is invalid.`);
  return undefined;
}

function lengthOk(s: string, len: { min: number; max: number }, path: string, p: Problems): boolean {
  if (s.length < len.min) {
    p.invalid(`The parameter ${path} must not be empty.`);
    return false;
  }
  if (s.length > len.max) {
    p.invalid(`The parameter ${path} must be shorter than ${len.max + 1} characters.`);
    return false;
  }
  return true;
}

/** Not given: missing, null, or the empty string Query writes for an empty list. */
function absent(v: unknown): boolean {
  return v === undefined || v === null || v === '';
}

/** A list member; Query writes an empty list as an empty string. Reports anything else. */
function list(v: unknown, path: string, p: Problems): readonly unknown[] | undefined {
  if (absent(v)) return undefined;
  if (Array.isArray(v)) return v;
  p.invalid(`The value ${show(v)} for parameter ${path} is invalid: a list was expected.`);
  return undefined;
}

function nonEmpty(v: readonly unknown[] | undefined): readonly unknown[] | undefined {
  return v === undefined || v.length === 0 ? undefined : v;
}

function present(v: unknown): unknown {
  return v === null ? undefined : v;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v) && !(v instanceof Uint8Array);
}

/** Own properties only: a decoded "__proto__" key must not reach the prototype chain. */
function own(o: Record<string, unknown>, key: string): unknown {
  return Object.hasOwn(o, key) ? o[key] : undefined;
}

const PRINTABLE_ASCII = /^[\x20-\x7e]*$/;

function isPrintableAscii(s: string): boolean {
  return PRINTABLE_ASCII.test(s);
}
