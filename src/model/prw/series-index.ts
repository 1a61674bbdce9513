import { Errors } from '../../errors/catalogue.js';
import { TributaryError } from '../../errors/tributary-error.js';
import { Attributes } from '../attributes.js';
import { formatLabelFloat } from '../prom/naming.js';
import { ByteIntern, type StoredBytes, bytesEqual, hashRange } from '../proto/byte-intern.js';
import { ProtoReader } from '../proto/reader.js';
import type { FamilyMetadata } from './metadata.js';

/**
 * What a remote-write label set means in the model, worked out once per
 * distinct label set and remembered by its raw bytes (remote write 1.0
 * `Label` messages; 2.0 label sets are rebuilt in the same encoding from
 * the symbols table):
 * - `__name__` is the metric name;
 * - `job` and `instance` make the resource: job "ns/name" -> service.namespace
 *   and service.name (split at the first "/" when both sides are non-empty),
 *   otherwise service.name = job; instance -> service.instance.id. This is
 *   the inverse of what the prometheusremotewrite exporter writes, so the
 *   labels come out as they came in;
 * - `otel_scope_name` / `otel_scope_version` make the scope (the exporter
 *   writes them back); without them the scope is empty, so the exporter adds
 *   no scope labels;
 * - every other label is a point attribute, names and values unchanged;
 * - labels with an empty value are dropped, as Prometheus does.
 * Classic histogram and summary parts are recognised here by shape (see
 * Part); whether they are grouped depends on the family's metadata, which
 * is per request.
 */

/** Which part of a classic histogram or summary a series can be. */
export const Part = { NONE: 0, BUCKET: 1, SUM: 2, COUNT: 3, QUANTILE: 4 } as const;
export type Part = (typeof Part)[keyof typeof Part];

/** A (resource, scope, name, kind) identity: one OTLP metric per request. Per-request slot fields are scratch. */
export class MetricRef {
  epoch = -1;
  slot = -1;
  constructor(
    readonly resource: ResourceRef,
    readonly scope: ScopeRef,
    readonly name: string,
  ) {}
}

let nextId = 1;

export class ResourceRef {
  epoch = -1;
  slot = -1;
  readonly id = nextId++;
  constructor(readonly attributes: Attributes) {}
}

export class ScopeRef {
  readonly id = nextId++;
  constructor(
    readonly name: string,
    readonly version: string,
  ) {}
}

export class SeriesRef {
  /** Per request: the request-local index of this series (valid when epoch matches). */
  epoch = -1;
  index = -1;
  /** The 1.0 family metadata resolved for this series, valid while the cache's version is `metaVersion`. */
  meta: FamilyMetadata | undefined;
  metaVersion = -1;
  /** The label bytes this series was interned by (shared with the intern table). */
  key: StoredBytes | undefined;
  /** The series that followed this one in the last request that had both: the guess for next time. */
  follower: SeriesRef | undefined;
  private exp: MetricRef | undefined;
  private explicit: MetricRef | undefined;

  constructor(
    private readonly owner: SeriesIndex,
    readonly name: string,
    readonly resource: ResourceRef,
    readonly scope: ScopeRef,
    readonly attrs: Attributes,
    /** The metric for float samples. */
    readonly number: MetricRef,
    readonly part: Part,
    /** For parts: the family name (name without _bucket/_sum/_count); else the name. */
    readonly family: string,
    /** `le` or `quantile` as a number, for BUCKET and QUANTILE parts. */
    readonly bound: number,
    /** Attributes without `le` / `quantile`: identical for every part of one histogram or summary. */
    readonly groupAttrs: Attributes,
  ) {}

  /** The metric for native histograms with an exponential schema. */
  expMetric(): MetricRef {
    return (this.exp ??= this.owner.metric(this.resource, this.scope, this.name, 'exp'));
  }

  /** The metric for native histograms with custom buckets (schema -53). */
  explicitMetric(): MetricRef {
    return (this.explicit ??= this.owner.metric(this.resource, this.scope, this.name, 'explicit'));
  }

  /** `name{labels}` for error messages, job and instance included. */
  describe(): string {
    const r = this.resource.attributes;
    const ns = r.get(SERVICE_NAMESPACE);
    const job = r.get(SERVICE_NAME);
    const instance = r.get(SERVICE_INSTANCE_ID);
    const pairs = this.attrs.keys.map((k, i) => `${k}="${String(this.attrs.values[i])}"`);
    if (instance !== undefined) pairs.unshift(`instance="${String(instance)}"`);
    if (job !== undefined) pairs.unshift(`job="${ns === undefined ? '' : `${String(ns)}/`}${String(job)}"`);
    const labels = pairs.join(', ');
    const s = `${this.name}{${labels}}`;
    return s.length > 200 ? `${s.slice(0, 197)}...` : s;
  }
}

const SERVICE_NAME = 'service.name';
const SERVICE_NAMESPACE = 'service.namespace';
const SERVICE_INSTANCE_ID = 'service.instance.id';

/** A float as Prometheus writes it in `le` / `quantile`, or NaN when the text is anything else. */
export function parseLabelFloat(s: string): number {
  if (s === '+Inf' || s === 'Inf' || s === '+inf' || s === 'inf') return Infinity;
  if (s === '-Inf' || s === '-inf') return -Infinity;
  if (!/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(s)) return NaN;
  return Number(s);
}

/**
 * A bound usable for grouping: parsed, and written exactly as the exporter
 * writes it back (Go's FormatFloat 'f' -1), so grouping never changes a
 * label value. "0.5", "1", "+Inf" qualify; "1.0" and "1e+06" do not, and
 * their series stay separate gauges.
 */
function canonicalBound(s: string | undefined): number {
  if (s === undefined) return NaN;
  const v = parseLabelFloat(s);
  return !Number.isNaN(v) && formatLabelFloat(v) === s ? v : NaN;
}

function invalid(message: string): TributaryError {
  return new TributaryError(Errors.INVALID_DATA, message);
}

/**
 * The interning tables of one receiver: label bytes -> SeriesRef, and the
 * resources, scopes and metrics those share. Bounded: the byte table keeps
 * two generations; the small maps are cleared when they grow past their
 * bound (refs held by live series stay valid, a new request just makes
 * new ones).
 */
export class SeriesIndex {
  private readonly series: ByteIntern<SeriesRef>;
  private resources = new Map<string, ResourceRef>();
  private scopes = new Map<string, ScopeRef>();
  private metrics = new Map<string, MetricRef>();

  constructor(capacity = 1 << 16) {
    this.series = new ByteIntern<SeriesRef>(capacity);
  }

  /**
   * The series whose Label messages are buf[start, end), which follows
   * `prev` in the request (undefined for the first). Throws a 400 error for
   * an invalid label set.
   *
   * Senders send their series in the same order request after request
   * (Prometheus and vmagent in scrape order), so the series that followed
   * `prev` last time is tried first, with one byte comparison and no hash;
   * a wrong guess usually differs within the first label (`__name__`) and
   * costs little before the hash lookup.
   */
  lookup(buf: Buffer, view: DataView, start: number, end: number, prev: SeriesRef | undefined): SeriesRef {
    const guess = prev?.follower;
    if (guess?.key !== undefined && bytesEqual(guess.key, buf, view, start, end)) return guess;
    const h = hashRange(view, start, end);
    let ref = this.series.get(buf, view, start, end, h)?.value;
    if (ref === undefined) {
      ref = this.create(buf, start, end);
      ref.key = this.series.put(buf, start, end, h, ref);
    }
    if (prev !== undefined) prev.follower = ref;
    return ref;
  }

  /**
   * The series that followed `prev` last time, if its label bytes start at
   * buf[start] (and end before `end`): lets a decoder skip finding where the
   * labels end. The caller checks that no label field follows.
   */
  guessAt(buf: Buffer, view: DataView, start: number, end: number, prev: SeriesRef | undefined): SeriesRef | undefined {
    const guess = prev?.follower;
    const key = guess?.key;
    if (key === undefined || start + key.bytes.length > end) return undefined;
    return bytesEqual(key, buf, view, start, start + key.bytes.length) ? guess : undefined;
  }

  metric(resource: ResourceRef, scope: ScopeRef, name: string, kind: string): MetricRef {
    const key = `${kind}\u0000${name}\u0000${scope.name}\u0000${scope.version}`;
    // Keyed per resource object: a resource ref is itself interned.
    const perResource = this.metricsOf(resource);
    let m = perResource.get(key);
    if (m === undefined) {
      m = new MetricRef(resource, scope, name);
      perResource.set(key, m);
    }
    return m;
  }

  private readonly byResource = new WeakMap<ResourceRef, Map<string, MetricRef>>();

  private metricsOf(resource: ResourceRef): Map<string, MetricRef> {
    let m = this.byResource.get(resource);
    if (m === undefined) {
      m = new Map();
      this.byResource.set(resource, m);
    }
    if (m.size > 100_000) m.clear();
    return m;
  }

  private resource(job: string | undefined, instance: string | undefined): ResourceRef {
    const key = `${job ?? '\u0001'}\u0000${instance ?? '\u0001'}`;
    let r = this.resources.get(key);
    if (r !== undefined) return r;
    const keys: string[] = [];
    const values: string[] = [];
    if (job !== undefined) {
      const slash = job.indexOf('/');
      if (slash > 0 && slash < job.length - 1) {
        keys.push(SERVICE_NAMESPACE, SERVICE_NAME);
        values.push(job.slice(0, slash), job.slice(slash + 1));
      } else {
        keys.push(SERVICE_NAME);
        values.push(job);
      }
    }
    if (instance !== undefined) {
      keys.push(SERVICE_INSTANCE_ID);
      values.push(instance);
    }
    r = new ResourceRef(Attributes.of(keys, values));
    if (this.resources.size > 100_000) this.resources.clear();
    this.resources.set(key, r);
    return r;
  }

  private scope(name: string, version: string): ScopeRef {
    const key = `${name}\u0000${version}`;
    let s = this.scopes.get(key);
    if (s === undefined) {
      s = new ScopeRef(name, version);
      if (this.scopes.size > 10_000) this.scopes.clear();
      this.scopes.set(key, s);
    }
    return s;
  }

  private create(buf: Buffer, start: number, end: number): SeriesRef {
    const r = new ProtoReader(buf, 'remote write label set');
    r.pos = start;
    const names: string[] = [];
    const values: string[] = [];
    while (r.pos < end) {
      const t = r.uint32();
      if (t !== 10 /* 1:LEN */) {
        r.skip(t, end);
        continue;
      }
      const e = r.lenEnd(end);
      let name = '';
      let value = '';
      while (r.pos < e) {
        const lt = r.uint32();
        if (lt === 10 /* 1:LEN */) name = r.string(e);
        else if (lt === 18 /* 2:LEN */) value = r.string(e);
        else r.skip(lt, e);
      }
      r.checkEnd(e);
      names.push(name);
      values.push(value);
    }
    r.checkEnd(end);
    return this.fromLabels(names, values);
  }

  private fromLabels(names: string[], values: string[]): SeriesRef {
    let metricName: string | undefined;
    let job: string | undefined;
    let instance: string | undefined;
    let scopeName = '';
    let scopeVersion = '';
    let le: string | undefined;
    let quantile: string | undefined;
    const keys: string[] = [];
    const vals: string[] = [];
    const seen = new Set<string>();
    for (let i = 0; i < names.length; i++) {
      const n = names[i];
      const v = values[i];
      if (n === '') throw invalid(`a label has an empty name (value "${v}"); label names must match [a-zA-Z_][a-zA-Z0-9_]*`);
      if (seen.has(n)) throw invalid(`label "${n}" appears twice in one label set${metricName === undefined ? '' : ` of ${metricName}`}; a series must not repeat a label name`);
      seen.add(n);
      if (v === '') continue;
      switch (n) {
        case '__name__':
          metricName = v;
          continue;
        case 'job':
          job = v;
          continue;
        case 'instance':
          instance = v;
          continue;
        case 'otel_scope_name':
          scopeName = v;
          continue;
        case 'otel_scope_version':
          scopeVersion = v;
          continue;
        case 'le':
          le = v;
          break;
        case 'quantile':
          quantile = v;
          break;
      }
      keys.push(n);
      vals.push(v);
    }
    if (metricName === undefined) {
      const shown = names.map((n, i) => `${n}="${values[i]}"`).join(', ');
      throw invalid(`a series has no __name__ label (labels: {${shown.length > 200 ? `${shown.slice(0, 197)}...` : shown}}); every series needs a metric name`);
    }
    const attrs = Attributes.of(keys.slice(), vals.slice());
    const resource = this.resource(job, instance);
    const scope = this.scope(scopeName, scopeVersion);
    let part: Part = Part.NONE;
    let family = metricName;
    let bound = NaN;
    let groupAttrs = attrs;
    const without = (label: string): Attributes => {
      const i = keys.indexOf(label);
      return Attributes.of(keys.filter((_, k) => k !== i), vals.filter((_, k) => k !== i));
    };
    // A bound that cannot be written back unchanged is NaN: its group is never merged.
    if (metricName.endsWith('_bucket') && metricName.length > 7 && le !== undefined) {
      part = Part.BUCKET;
      family = metricName.slice(0, -7);
      bound = canonicalBound(le);
      groupAttrs = without('le');
    } else if (metricName.endsWith('_sum') && metricName.length > 4) {
      part = Part.SUM;
      family = metricName.slice(0, -4);
    } else if (metricName.endsWith('_count') && metricName.length > 6) {
      part = Part.COUNT;
      family = metricName.slice(0, -6);
    } else if (quantile !== undefined) {
      part = Part.QUANTILE;
      bound = canonicalBound(quantile);
      groupAttrs = without('quantile');
    }
    const number = this.metric(resource, scope, metricName, 'number');
    return new SeriesRef(this, metricName, resource, scope, attrs, number, part, family, bound, groupAttrs);
  }
}
