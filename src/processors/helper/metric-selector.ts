import { section, stringList, z } from '../../config/schema.js';
import type { Attributes } from '../../model/attributes.js';
import { type AttributeMatchConfig, AttributesMatcher, StringMatcher, attributeMatchSchema, checkPatterns, matchTypeSchema, regexpCacheSchema } from './match.js';

/**
 * `include` / `exclude` of the attributes processor, for metrics: which
 * metrics its actions apply to, by metric name and by resource attributes
 * (the Collector's MatchProperties keys `match_type`, `metric_names`,
 * `resources`). Within one of them every given property must match; a metric
 * is processed if it matches `include` (when given) and does not match
 * `exclude` (when given).
 */
export const matchPropertiesSchema = section({
  match_type: matchTypeSchema,
  regexp: regexpCacheSchema,
  metric_names: stringList(),
  resources: z.array(attributeMatchSchema, { error: 'must be a list of {key, value}' }).default([]),
});
export type MatchProperties = z.infer<typeof matchPropertiesSchema>;

export function checkMatchProperties(p: MatchProperties | undefined, at: string): string[] {
  if (p === undefined) return [];
  const out = checkPatterns(p.match_type, p.metric_names, p.resources, `${at}::metric_names`, `${at}::resources`);
  if (p.metric_names.length === 0 && p.resources.length === 0) out.unshift(`${at}: needs metric_names or resources (or remove ${at})`);
  return out;
}

class Matcher {
  private readonly names: StringMatcher | undefined;
  private readonly resources: AttributesMatcher | undefined;

  constructor(p: MatchProperties) {
    this.names = p.metric_names.length > 0 ? new StringMatcher(p.match_type, p.metric_names) : undefined;
    this.resources = p.resources.length > 0 ? new AttributesMatcher(p.match_type, p.resources as AttributeMatchConfig[]) : undefined;
  }

  matchesResource(a: Attributes): boolean {
    return this.resources === undefined || this.resources.matches(a);
  }

  matchesName(name: string): boolean {
    return this.names === undefined || this.names.matches(name);
  }
}

export class MetricSelector {
  private readonly include: Matcher | undefined;
  private readonly exclude: Matcher | undefined;

  constructor(include: MatchProperties | undefined, exclude: MatchProperties | undefined) {
    this.include = include === undefined ? undefined : new Matcher(include);
    this.exclude = exclude === undefined ? undefined : new Matcher(exclude);
  }

  /** True when every metric is selected (no include, no exclude): callers can skip the checks. */
  get all(): boolean {
    return this.include === undefined && this.exclude === undefined;
  }

  /** Decided once per resource: returns the per-metric test for metrics under it. */
  forResource(resource: Attributes): (metricName: string) => boolean {
    const inc = this.include;
    const exc = this.exclude;
    const incRes = inc === undefined || inc.matchesResource(resource);
    const excRes = exc !== undefined && exc.matchesResource(resource);
    if (!incRes) return () => false;
    return (name) => (inc === undefined || inc.matchesName(name)) && !(excRes && exc!.matchesName(name));
  }
}
