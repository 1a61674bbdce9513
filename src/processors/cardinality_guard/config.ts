import { duration, int, section, z } from '../../config/schema.js';

/**
 * The cardinality_guard processor's config (Tributary's own; the Collector
 * has no equivalent). A tenant is named by `auth.<name>` (an attribute of
 * the authenticated caller) or by a resource attribute (looked up on the
 * data point when the resource lacks it).
 */
export const cardinalityGuardSchema = section({
  tenant_key: z.string({ error: 'must be auth.<name> or an attribute key' }).min(1, { message: 'must be auth.<name> or an attribute key' }),
  /** Distinct series a tenant may have within the window, unless per_tenant says otherwise. */
  max_series: int(100_000, 1),
  /** Limits for named tenants. */
  per_tenant: z.record(z.string(), int(undefined, 1).unwrap(), { error: 'must be a map of tenant to a whole number' }).default({}),
  /** A series not seen for this long no longer counts against its tenant. */
  window: duration('1h'),
  /** The tenant of data without a tenant value. */
  default_tenant: z.string({ error: 'must be a string' }).default('unknown'),
  /** Tenants tracked at most; data of further tenants shares one limit as the tenant "_overflow". */
  max_tenants: int(10_000, 1),
  /** Tenants with their own label value in self-metrics (those in per_tenant, then the first seen); the rest are "other". */
  max_tenant_labels: int(100, 0),
  /** A tenant that drops points is logged at most once per interval, with its top metric names. */
  log_interval: duration('1m'),
});

export type CardinalityGuardConfig = z.infer<typeof cardinalityGuardSchema>;

export function validateCardinalityGuard(c: CardinalityGuardConfig): string[] {
  const out: string[] = [];
  if (c.window <= 0) out.push('window: must be a duration greater than 0 (got 0)');
  if (c.tenant_key === 'auth.') out.push('tenant_key: name the authenticated attribute after "auth." (for example auth.tenant)');
  return out;
}
