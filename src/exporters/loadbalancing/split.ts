import type { ClientInfo } from '../../component/component.js';
import { HASH_SEED, type AnyValue, fmix32, hashAnyValue, hashString } from '../../model/any-value.js';
import type { Attributes } from '../../model/attributes.js';
import { type Metric, type MetricBatch, type ResourceMetrics, type ScopeMetrics, temporalityOf } from '../../model/metric.js';
import { keepPoints } from '../../model/points.js';
import { type ContextKey, contextValues, parseContextKey } from '../../processors/helper/context-value.js';

/**
 * Splits a batch by backend according to the routing key, on the columnar
 * model: a resource, scope or metric that goes whole to one backend is
 * shared, not copied; only a metric whose points go to several backends is
 * cut, column by column (keepPoints), once per backend it reaches. The
 * input is not changed, and parts share its objects: they are read-only
 * (the exporter only encodes them).
 *
 * Key hashes depend only on content (names, attribute keys and values), so
 * every first-tier replica sends a given stream to the same backend.
 *
 * - service: the resource's service.name (the Collector's default);
 * - resource: all resource attributes;
 * - metric: the metric name;
 * - streamID: resource, scope, metric identity (name, unit, type,
 *   temporality, monotonicity) and point attributes: each stream as the
 *   data model defines it, what deltatocumulative keys its state by;
 * - attributes: the values of `routing_attributes` (context, resource,
 *   scope, then point attributes).
 */
export type RoutingKey = 'service' | 'resource' | 'metric' | 'streamID' | 'attributes';

export interface SplitterOptions {
  readonly key: RoutingKey;
  readonly attributes?: readonly string[];
}

/** Backend index for a 32-bit key hash (the ring), or -1 when there is none. */
export type Pick = (keyHash: number) => number;

type Source = { readonly kind: 'context'; readonly key: ContextKey } | { readonly kind: 'data'; readonly name: string };

const MISSING = 0x6d697373;

export class BatchSplitter {
  private readonly sources: readonly Source[];

  constructor(private readonly o: SplitterOptions) {
    this.sources = (o.attributes ?? []).map((a) =>
      a.startsWith('auth.') || a.startsWith('metadata.') || a === 'client.address' ? { kind: 'context', key: parseContextKey(a) } : { kind: 'data', name: a },
    );
  }

  /** Parts by backend index (sparse); `n` is the number of backends. */
  split(batch: MetricBatch, pick: Pick, n: number, client: ClientInfo): (MetricBatch | undefined)[] {
    const parts: (MetricBatch | undefined)[] = new Array(n);
    const part = (b: number): MetricBatch => (parts[b] ??= { resourceMetrics: [] });
    const ctxHash = this.o.key === 'attributes' ? this.contextHash(client) : HASH_SEED;
    for (const rm of batch.resourceMetrics) {
      if (this.o.key === 'service' || this.o.key === 'resource') {
        const b = pick(fmix32(this.resourceHash(rm)));
        if (b >= 0) part(b).resourceMetrics.push(rm);
        continue;
      }
      const split = new ResourceSplit(rm, part);
      for (const sm of rm.scopeMetrics) {
        for (const m of sm.metrics) this.splitMetric(split, sm, m, pick, n, ctxHash);
      }
    }
    return parts;
  }

  private resourceHash(rm: ResourceMetrics): number {
    if (this.o.key === 'resource') return rm.resource.attributes.hash;
    const svc = rm.resource.attributes.get('service.name');
    return hashAnyValue(HASH_SEED, svc ?? '');
  }

  private contextHash(client: ClientInfo): number {
    let h = HASH_SEED;
    for (const s of this.sources) if (s.kind === 'context') h = hashString(h, contextValues(client, s.key).join(';'));
    return h;
  }

  private splitMetric(split: ResourceSplit, sm: ScopeMetrics, m: Metric, pick: Pick, n: number, ctxHash: number): void {
    if (this.o.key === 'metric') {
      const b = pick(fmix32(hashString(HASH_SEED, m.name)));
      if (b >= 0) split.add(b, sm, m);
      return;
    }
    const p = m.points;
    if (p.length === 0) return;
    let base: number;
    let perPoint: ((attrs: Attributes) => number) | undefined;
    if (this.o.key === 'streamID') {
      base = streamBase(split.rm, sm, m);
      perPoint = (a) => fmix32(mix(base, a.hash));
    } else {
      const r = this.attributesBase(split.rm, sm, ctxHash);
      base = r.hash;
      const missing = r.missing;
      perPoint = missing.length === 0 ? undefined : (a) => fmix32(pointAttrs(base, missing, a));
    }
    if (perPoint === undefined) {
      const b = pick(fmix32(base));
      if (b >= 0) split.add(b, sm, m);
      return;
    }
    const targets = new Int32Array(p.length);
    const counts = new Int32Array(n);
    let first = -2;
    let mixed = false;
    for (let i = 0; i < p.length; i++) {
      const b = pick(perPoint(p.attributes[i]));
      targets[i] = b;
      if (b >= 0) counts[b]++;
      if (first === -2) first = b;
      else if (b !== first) mixed = true;
    }
    if (!mixed) {
      if (first >= 0) split.add(first, sm, m);
      return;
    }
    const keep = new Uint8Array(p.length);
    for (let b = 0; b < n; b++) {
      if (counts[b] === 0) continue;
      for (let i = 0; i < p.length; i++) keep[i] = targets[i] === b ? 1 : 0;
      split.add(b, sm, { ...m, points: keepPoints(p, keep, counts[b]) } as Metric);
    }
  }

  /** The hash of the routing attributes found on the context, resource or scope, and the names left to find on points. */
  private attributesBase(rm: ResourceMetrics, sm: ScopeMetrics, ctxHash: number): { hash: number; missing: string[] } {
    let h = ctxHash;
    const missing: string[] = [];
    for (const s of this.sources) {
      if (s.kind !== 'data') continue;
      const v: AnyValue | undefined = rm.resource.attributes.get(s.name) ?? sm.scope.attributes.get(s.name);
      if (v === undefined) missing.push(s.name);
      else h = hashAnyValue(hashString(h, s.name), v);
    }
    return { hash: h, missing };
  }
}

function mix(a: number, b: number): number {
  return (Math.imul(a ^ (b >>> 0), 0x01000193) + 0x9e3779b9) | 0;
}

function streamBase(rm: ResourceMetrics, sm: ScopeMetrics, m: Metric): number {
  let h = mix(HASH_SEED, rm.resource.attributes.hash);
  h = hashString(hashString(h, sm.scope.name), sm.scope.version);
  h = mix(h, sm.scope.attributes.hash);
  h = hashString(hashString(h, m.name), m.unit);
  const monotonic = m.type === 2 ? (m.monotonic ? 1 : 0) : 0;
  return mix(h, (m.type << 4) | (temporalityOf(m) << 1) | monotonic);
}

function pointAttrs(base: number, names: readonly string[], a: Attributes): number {
  let h = base;
  for (const name of names) {
    const v = a.get(name);
    h = v === undefined ? mix(hashString(h, name), MISSING) : hashAnyValue(hashString(h, name), v);
  }
  return h;
}

/** The parts of one resource by backend, each with its scopes created on first use. */
class ResourceSplit {
  private readonly byBackend = new Map<number, { rm: ResourceMetrics; scopes: Map<ScopeMetrics, ScopeMetrics> }>();

  constructor(
    readonly rm: ResourceMetrics,
    private readonly part: (b: number) => MetricBatch,
  ) {}

  add(b: number, sm: ScopeMetrics, m: Metric): void {
    let r = this.byBackend.get(b);
    if (r === undefined) {
      r = { rm: { resource: this.rm.resource, schemaUrl: this.rm.schemaUrl, scopeMetrics: [] }, scopes: new Map() };
      this.byBackend.set(b, r);
      this.part(b).resourceMetrics.push(r.rm);
    }
    let s = r.scopes.get(sm);
    if (s === undefined) {
      s = { scope: sm.scope, schemaUrl: sm.schemaUrl, metrics: [] };
      r.scopes.set(sm, s);
      r.rm.scopeMetrics.push(s);
    }
    s.metrics.push(m);
  }
}
