import { bool, duration, int, num, oneOf, presence, section, str, stringList, stringMap, z } from '../../config/schema.js';
import { clientTlsSchema } from '../../config/tls.js';

/** The port a backend listed without one (static) or a DNS answer is sent to: OTLP/gRPC's. */
export const DEFAULT_OTLP_PORT = 4317;

/**
 * The loadbalancing exporter's config: the Collector's keys (`routing_key`,
 * `routing_attributes`, `protocol.otlp`, `resolver.static`, `resolver.dns`).
 * `protocol.otlp` takes the OTLP/gRPC exporter's keys except `endpoint`,
 * which the resolver provides; each backend gets its own queue and retries.
 */
const otlpSchema = section({
  /** Refused in validate: the resolver names the backends. */
  endpoint: str(),
  timeout: duration('5s'),
  tls: clientTlsSchema.prefault({}),
  compression: oneOf(['gzip', 'none'], 'gzip'),
  headers: stringMap(),
  /** Accepted for Collector compatibility; one connection per backend serves. */
  balancer_name: str(),
  /** gRPC keepalive, accepted for Collector compatibility (grpc-js defaults apply). */
  keepalive: z.unknown().optional(),
  retry_on_failure: section({
    enabled: bool(true),
    initial_interval: duration('5s'),
    max_interval: duration('30s'),
    /** 0: no limit. Ignored with a persistent queue (it retries until delivered). */
    max_elapsed_time: duration('5m'),
    multiplier: num(1.5, 1),
    randomization_factor: num(0.5, 0, 1),
  }).prefault({} as never),
  sending_queue: section({
    enabled: bool(true),
    /**
     * Accepted for Collector compatibility. Each backend sends one request at
     * a time, in order, so that a stream's deltas reach it in order.
     */
    num_consumers: int(1, 1),
    /** Requests held per backend. */
    queue_size: int(1000, 1),
    /** A file_storage extension: each backend's queue survives restarts. */
    storage: str(),
    /** Tributary: bytes held per backend (0: no bound beyond queue_size). */
    max_size_mib: int(64, 0),
  }).prefault({} as never),
});

export const loadBalancingSchema = section({
  routing_key: oneOf(['service', 'resource', 'metric', 'streamID', 'attributes', 'traceID'], 'service'),
  /**
   * With routing_key: attributes, the values that pick the backend, in
   * order: `auth.<name>` and `metadata.<header>` from the request context,
   * any other name as a resource attribute, else a scope attribute, else a
   * data point attribute.
   */
  routing_attributes: stringList(),
  protocol: section({ otlp: otlpSchema.prefault({} as never) }).prefault({} as never),
  resolver: section({
    static: presence(section({ hostnames: stringList() })),
    dns: presence(
      section({
        hostname: z.string({ error: 'must be a host name, e.g. a headless Service or a Cloud Map name' }).min(1, { message: 'must be a host name' }),
        port: z.union([z.number(), z.string()], { error: 'must be a port number' }).transform(Number).default(DEFAULT_OTLP_PORT),
        interval: duration('5s'),
        timeout: duration('1s'),
      }),
    ),
    k8s: z.unknown().optional(),
    aws_cloud_map: z.unknown().optional(),
  }).prefault({}),
  /** Accepted for Collector compatibility: the per-backend settings are under protocol.otlp. */
  timeout: duration('0s'),
});

export type LoadBalancingConfig = z.infer<typeof loadBalancingSchema>;
export type OtlpBackendConfig = LoadBalancingConfig['protocol']['otlp'];

export function validateLoadBalancing(c: LoadBalancingConfig): string[] {
  const out: string[] = [];
  const r = c.resolver;
  const given = [r.static !== undefined, r.dns !== undefined, r.k8s !== undefined, r.aws_cloud_map !== undefined].filter(Boolean).length;
  if (given !== 1) out.push('resolver: configure exactly one of static or dns');
  if (r.k8s !== undefined) out.push('resolver::k8s: the Kubernetes resolver is not implemented; use dns with a headless Service name');
  if (r.aws_cloud_map !== undefined) out.push('resolver::aws_cloud_map: not implemented; use dns with the Cloud Map service\'s DNS name');
  if (r.static !== undefined) {
    if (r.static.hostnames.length === 0) out.push('resolver::static::hostnames: list at least one backend, e.g. [collector-1:4317]');
    r.static.hostnames.forEach((h, i) => {
      if (parseBackend(h) === undefined) out.push(`resolver::static::hostnames::${i}: must be host or host:port (got ${JSON.stringify(h)})`);
    });
  }
  if (r.dns !== undefined) {
    const p = r.dns.port;
    if (!Number.isInteger(p) || p < 1 || p > 65535) out.push(`resolver::dns::port: must be a port number 1-65535 (got ${JSON.stringify(p)})`);
    if (r.dns.interval <= 0) out.push('resolver::dns::interval: must be greater than 0');
  }
  if (c.routing_key === 'traceID') out.push('routing_key: traceID routes traces; for metrics use service, resource, metric, streamID or attributes');
  if (c.routing_key === 'attributes' && c.routing_attributes.length === 0) out.push('routing_attributes: list the attributes to route by, e.g. [auth.tenant] or [tenant]');
  if (c.routing_key !== 'attributes' && c.routing_attributes.length > 0) out.push('routing_attributes: only used with routing_key: attributes');
  if (c.protocol.otlp.endpoint !== undefined) out.push('protocol::otlp::endpoint: the resolver provides the backends; remove endpoint');
  const q = c.protocol.otlp.sending_queue;
  if (q.storage !== undefined && !q.enabled) out.push('protocol::otlp::sending_queue::storage: the queue is disabled (enabled: false)');
  return out;
}

/** "host", "host:port" or "[v6]:port" as an endpoint with a port; undefined if malformed. */
export function parseBackend(s: string): string | undefined {
  const t = s.trim().replace(/^(?:dns:\/\/\/|https?:\/\/)/, '');
  if (t === '' || /[\s/]/.test(t)) return undefined;
  const m = /^(\[[^\]]+\]|[^:[\]]+)(?::(\d{1,5}))?$/.exec(t);
  if (m === null) return /^[0-9a-fA-F:]+$/.test(t) && t.includes(':') ? `[${t}]:${DEFAULT_OTLP_PORT}` : undefined;
  const port = m[2] === undefined ? DEFAULT_OTLP_PORT : Number(m[2]);
  if (port < 1 || port > 65535) return undefined;
  return `${m[1]}:${port}`;
}
