import type { Consumer, CreateSettings, RequestContext } from '../../component/component.js';
import { anyValueToString } from '../../model/any-value.js';
import type { Attributes } from '../../model/attributes.js';
import type { Metric, MetricBatch, Points, ResourceMetrics } from '../../model/metric.js';
import { selectPoints } from '../../model/points.js';
import { StreamProcessor } from '../helper/stream-processor.js';
import { StreamTable } from '../helper/stream-table.js';
import type { CardinalityGuardConfig } from './config.js';

/** Metric names counted per tenant between two log lines; the rest are summed as one. */
const MAX_NAMES_PER_TENANT = 1000;
const OTHER_NAMES = '(other metrics)';
const OVERFLOW_TENANT = '_overflow';
const OTHER_LABEL = 'other';

class Tenant {
  readonly table = new StreamTable(() => undefined, 64);
  /** Points dropped in the batch being processed. */
  pending = 0;
  /** Since the last log line. */
  droppedSinceLog = 0;
  readonly byMetric = new Map<string, number>();
  lastLog = -Infinity;

  constructor(
    readonly name: string,
    readonly limit: number,
    readonly label: string,
  ) {}

  noteDrop(metric: string): void {
    this.pending++;
    const key = this.byMetric.has(metric) || this.byMetric.size < MAX_NAMES_PER_TENANT ? metric : OTHER_NAMES;
    this.byMetric.set(key, (this.byMetric.get(key) ?? 0) + 1);
  }
}

/**
 * The cardinality_guard processor: per tenant, at most `max_series`
 * distinct series (metric streams: resource, scope, metric and point
 * attributes) within `window`. Series already seen keep flowing; points of
 * a new series are dropped while the tenant holds its limit, and a series
 * not seen for the window stops counting, which makes room. Amazon
 * Managed Service for Prometheus refuses writes past a workspace's active
 * series limit, which fails every tenant sharing it; this confines the
 * damage to the tenant that grew. A histogram stream counts as one series
 * here, while Prometheus counts each bucket: set limits accordingly.
 *
 * Drops are counted per tenant (tributary_cardinality_guard_dropped_points_total,
 * tenant label bounded by max_tenant_labels) and in
 * tributary_dropped_metric_points_total{reason="series_limit"}; each tenant
 * that drops is logged at most once per log_interval with its top metric names.
 */
export class CardinalityGuard extends StreamProcessor {
  private readonly tenants = new Map<string, Tenant>();
  private readonly labelled = new Set<string>();
  private readonly authName: string | undefined;
  private readonly attrKey: string;
  private keep = new Uint8Array(256);
  private readonly gaugeLabels = new Set<string>();
  // The tenant of the resource being visited, resolved once per resource.
  private curResource: ResourceMetrics | undefined;
  private curTenant: Tenant | undefined;

  constructor(
    set: CreateSettings,
    private readonly config: CardinalityGuardConfig,
    next: Consumer,
  ) {
    super(set, next, { maxStreams: config.max_series, staleMs: config.window, staleKey: 'window' });
    const k = config.tenant_key;
    this.authName = k.startsWith('auth.') ? k.slice(5) : undefined;
    this.attrKey = k;
    for (const name of Object.keys(config.per_tenant)) this.labelled.add(name);
  }

  get streams(): number {
    let n = 0;
    for (const t of this.tenants.values()) n += t.table.size;
    return n;
  }

  stateBytes(): number {
    let b = 0;
    for (const t of this.tenants.values()) b += t.table.bytes() + 200;
    return b;
  }

  /** Series a tenant holds (for tests). */
  seriesOf(tenant: string): number {
    return this.tenants.get(tenant)?.table.size ?? 0;
  }

  override process(batch: MetricBatch, nowMs: number, ctx?: RequestContext): void {
    this.curResource = undefined;
    super.process(batch, nowMs, ctx);
    this.report(nowMs);
  }

  protected evictStale(nowMs: number): number {
    let n = 0;
    for (const [name, t] of this.tenants) {
      n += t.table.sweep(nowMs, this.config.window);
      if (t.table.size === 0 && t.droppedSinceLog === 0) this.tenants.delete(name);
    }
    return n;
  }

  protected metric(m: Metric, rm: ResourceMetrics): boolean {
    if (rm !== this.curResource) {
      this.curResource = rm;
      this.curTenant = this.resourceTenant(rm.resource.attributes);
    }
    this.keys.metric(m);
    const p = m.points;
    if (this.keep.length < p.length) this.keep = new Uint8Array(p.length * 2);
    const keep = this.keep;
    let dropped = 0;
    for (let i = 0; i < p.length; i++) {
      const attrs = p.attributes[i];
      const t = this.curTenant ?? this.tenant(this.attrValue(attrs));
      this.keys.point(attrs);
      const s = t.table.acquire(this.keys.lo, this.keys.hi, this.now, t.limit, (now) => this.sweepTenant(t, now));
      if (s >= 0) keep[i] = 1;
      else {
        keep[i] = 0;
        dropped++;
        t.noteDrop(m.name);
      }
    }
    if (dropped === 0) return true;
    this.drops.add('series_limit', dropped);
    const kept = selectPoints(p, (i) => keep[i] === 1);
    (m as { points: Points }).points = kept;
    return kept.length > 0;
  }

  /** The tenant of a whole resource, or undefined when it must be found per point. */
  private resourceTenant(res: Attributes): Tenant | undefined {
    if (this.authName !== undefined) return this.tenant(this.ctx.client.auth?.attributes[this.authName]);
    const v = res.get(this.attrKey);
    return v === undefined ? undefined : this.tenant(anyValueToString(v));
  }

  private attrValue(attrs: Attributes): string | undefined {
    const v = attrs.get(this.attrKey);
    return v === undefined ? undefined : anyValueToString(v);
  }

  private tenant(value: string | undefined): Tenant {
    let name = value === undefined || value === '' ? this.config.default_tenant : value;
    let t = this.tenants.get(name);
    if (t !== undefined) return t;
    if (this.tenants.size >= this.config.max_tenants) {
      name = OVERFLOW_TENANT;
      t = this.tenants.get(name);
      if (t !== undefined) return t;
    }
    if (!this.labelled.has(name) && this.labelled.size < this.config.max_tenant_labels + Object.keys(this.config.per_tenant).length) this.labelled.add(name);
    t = new Tenant(name, this.config.per_tenant[name] ?? this.config.max_series, this.labelled.has(name) ? name : OTHER_LABEL);
    this.tenants.set(name, t);
    return t;
  }

  private sweepTenant(t: Tenant, nowMs: number): void {
    const n = t.table.sweep(nowMs, this.config.window);
    if (n > 0) this.set.metrics.processorStreamsEvicted.inc(this.labels, n);
  }

  /** Per-tenant counters and the throttled log line, once per batch. */
  private report(nowMs: number): void {
    for (const t of this.tenants.values()) {
      if (t.pending === 0) continue;
      this.set.metrics.cardinalityDropped.inc({ ...this.labels, tenant: t.label }, t.pending);
      t.droppedSinceLog += t.pending;
      t.pending = 0;
      if (nowMs - t.lastLog < this.config.log_interval) continue;
      const top = [...t.byMetric].sort((a, b) => b[1] - a[1]).slice(0, 5);
      this.set.logger.warn(
        { tenant: t.name, max_series: t.limit, window: `${this.config.window / 1000}s`, dropped_points: t.droppedSinceLog, top_metrics: Object.fromEntries(top) },
        `tenant "${t.name}" is at its limit of ${t.limit} series: dropped ${t.droppedSinceLog} points of new series; top metrics: ${top.map(([n, c]) => `${n} (${c})`).join(', ')}`,
      );
      t.lastLog = nowMs;
      t.droppedSinceLog = 0;
      t.byMetric.clear();
    }
  }

  /** Series per tenant label, beside the streams and bytes every stateful processor reports. */
  protected override updateGauges(): void {
    super.updateGauges();
    const byLabel = new Map<string, number>();
    for (const t of this.tenants.values()) byLabel.set(t.label, (byLabel.get(t.label) ?? 0) + t.table.size);
    // Labels of tenants that are gone go to 0 (not removed: other guards share the gauge).
    for (const tenant of this.gaugeLabels) if (!byLabel.has(tenant)) byLabel.set(tenant, 0);
    for (const [tenant, n] of byLabel) {
      this.set.metrics.cardinalitySeries.set({ ...this.labels, tenant }, n);
      this.gaugeLabels.add(tenant);
    }
  }
}
