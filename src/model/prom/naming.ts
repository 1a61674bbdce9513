import { type Metric, MetricType } from '../metric.js';

/**
 * OpenTelemetry -> Prometheus metric names, per the specification's
 * "Prometheus and OpenMetrics Compatibility" and the Collector's translator
 * (default strategy: underscore escaping with suffixes):
 * - split the name on characters outside [a-zA-Z0-9:], rejoin with "_";
 * - append the unit (UCUM -> word, "/x" -> "per_x", braces dropped) unless
 *   the same token is already in the name;
 * - monotonic sums get "_total" (moved last), gauges with unit "1" "_ratio";
 * - a leading digit gets a "_" prefix; a namespace is prepended.
 */

const UNITS: Readonly<Record<string, string>> = {
  d: 'days', h: 'hours', min: 'minutes', s: 'seconds', ms: 'milliseconds', us: 'microseconds', ns: 'nanoseconds',
  By: 'bytes', KiBy: 'kibibytes', MiBy: 'mebibytes', GiBy: 'gibibytes', TiBy: 'tebibytes',
  KBy: 'kilobytes', kBy: 'kilobytes', MBy: 'megabytes', GBy: 'gigabytes', TBy: 'terabytes',
  m: 'meters', V: 'volts', A: 'amperes', J: 'joules', W: 'watts', g: 'grams', Cel: 'celsius', Hz: 'hertz',
  '1': '', '%': 'percent',
};

const PER_UNITS: Readonly<Record<string, string>> = { s: 'second', m: 'minute', h: 'hour', d: 'day', w: 'week', mo: 'month', y: 'year' };

export interface NamingOptions {
  readonly addMetricSuffixes: boolean;
  readonly namespace: string;
}

function tokens(s: string): string[] {
  return s.split(/[^a-zA-Z0-9:]+/).filter((t) => t !== '');
}

function cleanUnit(u: string): string {
  return u.replace(/[^a-zA-Z0-9:]+/g, '_').replace(/^_+|_+$/g, '');
}

/** The unit's word tokens: ["bytes"], ["per_second"], ["bytes", "per_second"], or []. */
export function unitTokens(unit: string): string[] {
  const slash = unit.indexOf('/');
  const main = (slash < 0 ? unit : unit.slice(0, slash)).trim();
  const per = slash < 0 ? '' : unit.slice(slash + 1).trim();
  const out: string[] = [];
  if (main !== '' && !/[{}]/.test(main)) {
    const w = cleanUnit(UNITS[main] ?? main);
    if (w !== '') out.push(w);
  }
  if (per !== '' && !/[{}]/.test(per)) {
    const w = cleanUnit(PER_UNITS[per] ?? per);
    if (w !== '') out.push(`per_${w}`);
  }
  return out;
}

export type PromKind = 'counter' | 'gauge' | 'histogram' | 'summary';

/** The Prometheus family type of an OTLP metric (non-monotonic sums are gauges). */
export function promKind(m: Metric): PromKind {
  switch (m.type) {
    case MetricType.Gauge:
      return 'gauge';
    case MetricType.Sum:
      return m.monotonic ? 'counter' : 'gauge';
    case MetricType.Histogram:
    case MetricType.ExponentialHistogram:
      return 'histogram';
    case MetricType.Summary:
      return 'summary';
  }
}

export function buildMetricName(name: string, unit: string, kind: PromKind, isGauge: boolean, o: NamingOptions): string {
  if (!o.addMetricSuffixes) {
    const n = name.split(/[^a-zA-Z0-9:_]+/).filter((x) => x !== '').join('_');
    if (o.namespace !== '') return `${o.namespace.split(/[^a-zA-Z0-9:_]+/).filter((x) => x !== '').join('_')}_${n}`;
    return /^[0-9]/.test(n) ? `_${n}` : n;
  }
  const t = tokens(name);
  for (const u of unitTokens(unit)) {
    if (u.startsWith('per_') || !t.includes(u)) t.push(u);
  }
  if (kind === 'counter') {
    const i = t.indexOf('total');
    if (i >= 0) for (let k = t.length - 1; k >= 0; k--) if (t[k] === 'total') t.splice(k, 1);
    t.push('total');
  }
  if (isGauge && unit === '1') {
    for (let k = t.length - 1; k >= 0; k--) if (t[k] === 'ratio') t.splice(k, 1);
    t.push('ratio');
  }
  if (o.namespace !== '') t.unshift(o.namespace);
  const n = t.join('_');
  return /^[0-9]/.test(n) ? `_${n}` : n;
}

/** Memoised per (options, name, unit, kind): names repeat in every request. */
export class MetricNamer {
  private readonly cache = new Map<string, string>();

  constructor(readonly options: NamingOptions) {}

  name(m: Metric): string {
    const kind = promKind(m);
    const isGauge = m.type === MetricType.Gauge;
    const key = `${kind}${isGauge ? 'G' : ''}\u0000${m.unit}\u0000${m.name}`;
    let n = this.cache.get(key);
    if (n === undefined) {
      n = buildMetricName(m.name, m.unit, kind, isGauge, this.options);
      if (this.cache.size > 100_000) this.cache.clear();
      this.cache.set(key, n);
    }
    return n;
  }
}

const labelCache = new Map<string, string>();

/**
 * Label names: every character outside [a-zA-Z0-9_] becomes "_"; a leading
 * digit gets "key_"; "__name__"-style names are kept. Multiple and leading
 * underscores are kept (the Collector's default, permissive sanitization).
 */
export function sanitizeLabelName(k: string): string {
  let s = labelCache.get(k);
  if (s !== undefined) return s;
  s = k.replace(/[^a-zA-Z0-9_]/g, '_');
  if (/^[0-9]/.test(s)) s = `key_${s}`;
  if (s === '') s = '_';
  if (labelCache.size > 100_000) labelCache.clear();
  labelCache.set(k, s);
  return s;
}

/**
 * Formats a float as Prometheus does in `le` and `quantile` labels (Go's
 * FormatFloat(v, 'f', -1)): the shortest round-tripping digits, in plain
 * decimal, never an exponent; +Inf, -Inf and NaN spelled out.
 */
export function formatLabelFloat(v: number): string {
  if (v === Infinity) return '+Inf';
  if (v === -Infinity) return '-Inf';
  if (Number.isNaN(v)) return 'NaN';
  const s = String(v);
  const e = s.indexOf('e');
  if (e < 0) return s;
  const neg = s.startsWith('-');
  const mant = s.slice(neg ? 1 : 0, e);
  const exp = Number(s.slice(e + 1));
  const dot = mant.indexOf('.');
  const digits = mant.replace('.', '');
  const intLen = (dot < 0 ? mant.length : dot) + exp;
  let out: string;
  if (intLen <= 0) out = `0.${'0'.repeat(-intLen)}${digits}`;
  else if (intLen >= digits.length) out = digits + '0'.repeat(intLen - digits.length);
  else out = `${digits.slice(0, intLen)}.${digits.slice(intLen)}`;
  return neg ? `-${out}` : out;
}
