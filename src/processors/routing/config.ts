import { oneOf, section, str, stringList, z } from '../../config/schema.js';
import { checkCondition, routeStatementCondition } from '../helper/ottl.js';

/**
 * The routing processor's config: the Collector's routing processor keys
 * (`from_attribute`, `attribute_source`, `drop_resource_routing_attribute`,
 * `table: [{value, exporters}]`, `default_exporters`), plus the routing
 * connector's way of choosing a route by condition, `condition` or
 * `statement: route() where <condition>`, evaluated per resource (OTTL
 * subset, resource context, with `request["k"]` for the request context).
 * Routes name exporters; the connector's `pipelines` need connectors, which
 * Tributary does not have.
 */
const routeSchema = section({
  value: z.union([z.string(), z.number(), z.boolean()], { error: 'must be a string' }).transform(String).optional(),
  condition: str(),
  statement: str(),
  exporters: stringList(),
  /** The routing connector's key; rejected in validate with an explanation. */
  pipelines: stringList(),
});
export type RouteConfig = z.infer<typeof routeSchema>;

export const routingSchema = section({
  from_attribute: str(),
  attribute_source: oneOf(['context', 'resource'], 'context'),
  drop_resource_routing_attribute: z.boolean({ error: 'must be true or false' }).default(false),
  default_exporters: stringList(),
  /** Accepted for compatibility; the supported conditions cannot fail at run time. */
  error_mode: oneOf(['propagate', 'ignore', 'silent'], 'propagate'),
  table: z.array(routeSchema, { error: 'must be a list of routes' }).default([]),
});
export type RoutingConfig = z.infer<typeof routingSchema>;

/** The condition of a route given as `condition` or `statement`. */
export function routeCondition(r: RouteConfig): string | undefined {
  return r.condition ?? (r.statement === undefined ? undefined : routeStatementCondition(r.statement));
}

export function validateRouting(c: RoutingConfig): string[] {
  const out: string[] = [];
  if (c.table.length === 0) out.push('table: at least one route is required, e.g. [{value: acme, exporters: [prometheusremotewrite/acme]}]');
  if (c.drop_resource_routing_attribute && c.attribute_source !== 'resource') out.push('drop_resource_routing_attribute: only applies with attribute_source: resource');
  c.table.forEach((r, i) => {
    const at = `table::${i}`;
    const ways = [r.value !== undefined, r.condition !== undefined, r.statement !== undefined].filter(Boolean).length;
    if (ways !== 1) out.push(`${at}: give exactly one of value, condition or statement`);
    if (r.value !== undefined && (c.from_attribute === undefined || c.from_attribute === '')) out.push(`${at}::value: routing by value needs from_attribute (a request header, auth.<name> or a resource attribute)`);
    if (r.statement !== undefined && routeStatementCondition(r.statement) === undefined) out.push(`${at}::statement: must read "route() where <condition>" (got ${JSON.stringify(r.statement)})`);
    const cond = routeCondition(r);
    if (cond !== undefined) {
      const e = checkCondition(cond, 'resource');
      if (e !== undefined) out.push(`${at}::${r.condition !== undefined ? 'condition' : 'statement'}: ${e}`);
    }
    if (r.pipelines.length > 0) out.push(`${at}::pipelines: routing to pipelines needs the routing connector, which Tributary does not have; list exporters instead`);
    else if (r.exporters.length === 0) out.push(`${at}::exporters: at least one exporter is required`);
  });
  return out;
}

/** Every exporter the config routes to (for the pipeline check). */
export function routedExporters(c: RoutingConfig): string[] {
  return [...new Set([...c.table.flatMap((r) => r.exporters), ...c.default_exporters])];
}
