import { duration, endpoint, int, section, z } from '../../config/schema.js';
import { clientTlsSchema, serverTlsSchema, validateServerTls } from '../../config/tls.js';

/**
 * The prometheus_query_proxy extension's config.
 *
 * - `endpoint`: where Grafana (or any Prometheus API client) connects.
 *   Default localhost:19090: Prometheus' own 9090 with the 1 prefix that
 *   Tributary's Prometheus remote-write receiver (19291) also uses, so it
 *   collides neither with a local Prometheus (9090) nor with the Pushgateway
 *   (9091) or Alertmanager (9093). Loopback by default: opening it wider
 *   is a decision, and should come with `inbound_auth`.
 * - `upstream`: base URL the API paths are appended to, such as AMP's
 *   `https://aps-workspaces.<region>.amazonaws.com/workspaces/<id>` or a
 *   Prometheus `http://prometheus:9090`.
 * - `auth.authenticator`: a client authenticator for the upstream
 *   (sigv4auth with service "aps" for AMP), as exporters name it.
 * - `inbound_auth.authenticator`: a server authenticator for callers
 *   (bearertokenauth, basicauth, mtlsauth), as receivers' `auth`.
 * - `timeout`: bound on one upstream request, headers and body (default 2m,
 *   Prometheus' own query timeout).
 * - `tls`: client TLS for the upstream; `inbound_tls`: server TLS for callers.
 * - `max_request_body_size`: bound on a POST form body.
 */
export const queryProxySchema = section({
  endpoint: endpoint('localhost:19090'),
  upstream: z
    .string({ error: 'must be a URL like "https://aps-workspaces.eu-west-1.amazonaws.com/workspaces/ws-..."' })
    .refine((v) => /^https?:\/\/[^/\s?#]+(\/[^?#\s]*)?$/.test(v), { message: 'must be an http(s) base URL without query or fragment, such as "https://aps-workspaces.eu-west-1.amazonaws.com/workspaces/ws-..."' }),
  auth: section({ authenticator: z.string({ error: 'must be an authenticator extension id' }) }).optional(),
  inbound_auth: section({ authenticator: z.string({ error: 'must be an authenticator extension id' }) }).optional(),
  timeout: duration('2m'),
  tls: clientTlsSchema.optional(),
  inbound_tls: serverTlsSchema.optional(),
  max_request_body_size: int(4 * 1024 * 1024, 1024),
});
export type QueryProxyConfig = z.infer<typeof queryProxySchema>;

export function validateQueryProxy(c: QueryProxyConfig): string[] {
  const out = validateServerTls(c.inbound_tls, 'inbound_tls');
  if (c.timeout <= 0) out.push('timeout: must be more than 0s');
  if (/\/api\/v1\/?$/.test(c.upstream)) out.push(`upstream: give the base URL without /api/v1 (the proxy appends the API path) (got ${JSON.stringify(c.upstream)})`);
  return out;
}
