import { anyValueToString } from '../any-value.js';
import type { Attributes } from '../attributes.js';
import type { Scope } from '../metric.js';
import { sanitizeLabelName } from './naming.js';

/**
 * Label sets for Prometheus series built from OTLP resource, scope and point
 * attributes, per the compatibility specification:
 * - point attributes, sanitized; names that collide after sanitizing get
 *   their values joined with ";" in the order of the original keys;
 * - otel_scope_name / otel_scope_version when set;
 * - job = service.namespace/service.name (or service.name), instance =
 *   service.instance.id, overriding attributes of those names;
 * - external/const labels only where no attribute set the name;
 * - reserved labels (__name__, le, quantile) last.
 * The result is sorted by label name with unique names, as remote write requires.
 */

export type Label = readonly [name: string, value: string];

const SERVICE_KEYS = new Set(['service.name', 'service.namespace', 'service.instance.id']);

export interface JobInstance {
  readonly job: string | undefined;
  readonly instance: string | undefined;
}

export function jobInstance(resource: Attributes): JobInstance {
  const name = resource.get('service.name');
  const ns = resource.get('service.namespace');
  const inst = resource.get('service.instance.id');
  const job = name === undefined ? undefined : ns === undefined || ns === '' ? anyValueToString(name) : `${anyValueToString(ns)}/${anyValueToString(name)}`;
  return { job, instance: inst === undefined ? undefined : anyValueToString(inst) };
}

export interface LabelSources {
  readonly attributes: Attributes;
  /** Resource attributes copied onto every series (resource_to_telemetry_conversion). */
  readonly resourceAttributes?: Attributes;
  readonly scope?: Scope;
  readonly jobInstance: JobInstance;
  /** Added only where nothing else set the name (external_labels, const_labels). */
  readonly external?: readonly Label[];
  /** Set last, overriding anything (for example __name__, le, quantile). */
  readonly reserved?: readonly Label[];
}

export function buildLabels(s: LabelSources): Label[] {
  const m = new Map<string, string>();
  // Sorted by original key so that collisions join in a defined order.
  const entries: [string, string][] = [];
  const add = (a: Attributes | undefined): void => {
    if (a === undefined) return;
    for (let i = 0; i < a.keys.length; i++) entries.push([a.keys[i], anyValueToString(a.values[i])]);
  };
  add(s.resourceAttributes);
  add(s.attributes);
  if (s.scope !== undefined) {
    if (s.scope.name !== '') entries.push(['otel_scope_name', s.scope.name]);
    if (s.scope.version !== '') entries.push(['otel_scope_version', s.scope.version]);
  }
  entries.sort((x, y) => (x[0] < y[0] ? -1 : x[0] > y[0] ? 1 : 0));
  for (const [k, v] of entries) {
    const n = sanitizeLabelName(k);
    const prev = m.get(n);
    if (prev === undefined) m.set(n, v);
    else if (prev !== v) m.set(n, `${prev};${v}`);
  }
  const { job, instance } = s.jobInstance;
  if (job !== undefined) m.set('job', job);
  if (instance !== undefined) m.set('instance', instance);
  for (const [k, v] of s.external ?? []) if (!m.has(k)) m.set(k, v);
  for (const [k, v] of s.reserved ?? []) m.set(k, v);
  const out: Label[] = [];
  for (const [k, v] of m) if (v !== '') out.push([k, v]);
  out.sort((x, y) => (x[0] < y[0] ? -1 : x[0] > y[0] ? 1 : 0));
  return out;
}

/**
 * target_info's labels: the resource attributes other than the service
 * identity, plus job and instance. Undefined when the resource has nothing
 * to say (no job and no instance, or no other attributes).
 */
export function targetInfoLabels(resource: Attributes, external: readonly Label[] = []): Label[] | undefined {
  const ji = jobInstance(resource);
  if (ji.job === undefined && ji.instance === undefined) return undefined;
  const keys: string[] = [];
  const values: string[] = [];
  for (let i = 0; i < resource.keys.length; i++) {
    if (SERVICE_KEYS.has(resource.keys[i])) continue;
    keys.push(resource.keys[i]);
    values.push(anyValueToString(resource.values[i]));
  }
  if (keys.length === 0) return undefined;
  const m = new Map<string, string>();
  keys.forEach((k, i) => {
    const n = sanitizeLabelName(k);
    const prev = m.get(n);
    m.set(n, prev === undefined ? values[i] : `${prev};${values[i]}`);
  });
  if (ji.job !== undefined) m.set('job', ji.job);
  if (ji.instance !== undefined) m.set('instance', ji.instance);
  for (const [k, v] of external) if (!m.has(k)) m.set(k, v);
  return [...m].filter(([, v]) => v !== '').sort((x, y) => (x[0] < y[0] ? -1 : x[0] > y[0] ? 1 : 0));
}
