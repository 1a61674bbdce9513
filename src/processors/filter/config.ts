import { oneOf, presence, section, stringList, z } from '../../config/schema.js';
import { attributeMatchSchema, checkPatterns, regexpCacheSchema } from '../helper/match.js';
import { checkCondition } from '../helper/ottl.js';

/**
 * The filter processor's config, in both of the Collector's syntaxes:
 * - legacy: `metrics: {include|exclude: {match_type: strict|regexp,
 *   metric_names, resource_attributes}}`, fully;
 * - OTTL: `metrics: {metric: [...], datapoint: [...]}`, with the condition
 *   subset documented in processors/helper/ottl.ts.
 * The two cannot be mixed, as in the Collector.
 */
const legacyMatch = section({
  match_type: z.string({ error: 'must be one of: strict, regexp' }),
  regexp: regexpCacheSchema,
  metric_names: stringList(),
  resource_attributes: z.array(attributeMatchSchema, { error: 'must be a list of {key, value}' }).default([]),
  /** The Collector's expr-language matching; rejected in validate with a pointer to OTTL. */
  expressions: stringList(),
});
export type LegacyMatch = z.infer<typeof legacyMatch>;

export const filterSchema = section({
  /** Accepted for compatibility: the supported conditions cannot fail at run time, so there is nothing to propagate or ignore. */
  error_mode: oneOf(['propagate', 'ignore', 'silent'], 'propagate'),
  metrics: section({
    include: presence(legacyMatch),
    exclude: presence(legacyMatch),
    metric: stringList(),
    datapoint: stringList(),
  }).prefault({} as never),
});

export type FilterConfig = z.infer<typeof filterSchema>;

export function validateFilter(c: FilterConfig): string[] {
  const out: string[] = [];
  const m = c.metrics;
  const ottl = m.metric.length > 0 || m.datapoint.length > 0;
  if (ottl && (m.include !== undefined || m.exclude !== undefined)) {
    out.push('metrics: use either include/exclude or the OTTL conditions (metric, datapoint), not both');
  }
  for (const [name, p] of [['include', m.include], ['exclude', m.exclude]] as const) {
    if (p === undefined) continue;
    const at = `metrics::${name}`;
    if (p.match_type === 'expr' || p.expressions.length > 0) {
      out.push(`${at}: the expr language (match_type: expr, expressions) is not supported; write OTTL conditions under metrics::metric or metrics::datapoint instead`);
      continue;
    }
    if (p.match_type !== 'strict' && p.match_type !== 'regexp') {
      out.push(`${at}::match_type: must be one of: strict, regexp (got ${JSON.stringify(p.match_type)})`);
      continue;
    }
    if (p.metric_names.length === 0 && p.resource_attributes.length === 0) out.push(`${at}: needs metric_names or resource_attributes (or remove ${at})`);
    out.push(...checkPatterns(p.match_type, p.metric_names, p.resource_attributes, `${at}::metric_names`, `${at}::resource_attributes`));
  }
  m.metric.forEach((cond, i) => {
    const e = checkCondition(cond, 'metric');
    if (e !== undefined) out.push(`metrics::metric::${i}: ${e}`);
  });
  m.datapoint.forEach((cond, i) => {
    const e = checkCondition(cond, 'datapoint');
    if (e !== undefined) out.push(`metrics::datapoint::${i}: ${e}`);
  });
  return out;
}
