import { altHashString, fmix32, hashString } from '../../model/any-value.js';
import type { Attributes } from '../../model/attributes.js';
import { type Metric, MetricType, type Scope } from '../../model/metric.js';

/**
 * 64-bit keys for metric streams, from content: the resource's attributes,
 * the scope's name and version, the metric's name, type, unit and
 * monotonicity, and the point's attributes (the OpenTelemetry data model's
 * stream identity). Each half is a separate 32-bit hash family, so two
 * different streams share a key with probability about 2^-64: at a million
 * streams, about one chance in 3.6e7 that any two collide.
 *
 * Interned attribute sets are not used by identity: the intern table
 * rotates, and state held for a million streams must survive that. The
 * cost is per metric (a few strings) plus, per point, two fields of the
 * point's attribute set (its hash, and hash2, cached on the set).
 *
 * Usage: resource() once per ResourceMetrics, scope() per ScopeMetrics,
 * metric() per Metric, then point() per point and read lo/hi.
 */
export class StreamKeys {
  private r1 = 0;
  private r2 = 0;
  private s1 = 0;
  private s2 = 0;
  private m1 = 0;
  private m2 = 0;
  /** The key of the last point(): low and high 32 bits. */
  lo = 0;
  hi = 0;

  resource(attrs: Attributes): void {
    this.r1 = fmix32(attrs.hash ^ 0x6a09e667);
    this.r2 = fmix32(attrs.hash2 ^ 0xbb67ae85);
  }

  scope(scope: Scope): void {
    this.s1 = hashString(hashString(this.r1, scope.name), scope.version);
    this.s2 = altHashString(altHashString(this.r2, scope.name), scope.version);
  }

  metric(m: Metric): void {
    const kind = `${m.type}${m.type === MetricType.Sum && m.monotonic ? 'm' : ''}`;
    this.m1 = fmix32(hashString(hashString(hashString(this.s1, m.name), m.unit), kind));
    this.m2 = fmix32(altHashString(altHashString(altHashString(this.s2, m.name), m.unit), kind));
  }

  /**
   * The key of a point with these attributes. For a fixed metric prefix,
   * each half is a bijection of the attribute hash, so points whose sets
   * differ in either hash never collide within one metric.
   */
  point(attrs: Attributes): void {
    this.lo = fmix32(this.m1 ^ attrs.hash);
    this.hi = fmix32((this.m2 + attrs.hash2) | 0);
  }

  /** Mixes an extra 32-bit value into the metric prefix (for example a tenant number). */
  salt(v: number): void {
    this.m1 = fmix32(this.m1 ^ Math.imul(v + 1, 0x9e3779b1));
    this.m2 = fmix32((this.m2 + Math.imul(v + 1, 0x85ebca77)) | 0);
  }
}
