import { bool, duration, int, num, oneOf, presence, section, str, stringMap, z } from '../../config/schema.js';
import { clientTlsSchema } from '../../config/tls.js';

/**
 * The prometheusremotewrite exporter's config: the Collector's keys, with
 * defaults chosen so nothing is lost by default (see README):
 * max_batch_size_bytes stays under AMP's 1 MB request limit, retries are
 * bounded by max_elapsed_time only when no persistent queue holds the data.
 */
export const prwSchema = section({
  endpoint: z
    .string({ error: 'must be a URL like "https://aps-workspaces.eu-west-1.amazonaws.com/workspaces/ws-.../api/v1/remote_write"' })
    .refine((v) => /^https?:\/\/[^/\s]+/.test(v), { message: 'must be an http(s) URL of the remote-write endpoint' }),
  timeout: duration('5s'),
  headers: stringMap(),
  tls: clientTlsSchema.optional(),
  auth: section({ authenticator: z.string({ error: 'must be an authenticator extension id' }) }).optional(),
  external_labels: stringMap(),
  namespace: str(''),
  resource_to_telemetry_conversion: section({ enabled: bool(false), exclude_service_attributes: bool(false) }).prefault({}),
  target_info: section({ enabled: bool(true) }).prefault({}),
  add_metric_suffixes: bool(true),
  send_metadata: bool(false),
  /** Uncompressed size at which a request is closed (AMP accepts at most 1 MB). */
  max_batch_size_bytes: int(1_000_000, 1024),
  remote_write_queue: section({
    enabled: bool(true),
    /** Requests held across all consumers. */
    queue_size: int(1000, 1),
    /** Parallel senders; every series always goes through the same one, so order is kept. */
    num_consumers: int(5, 1, 256),
  }).prefault({}),
  retry_on_failure: section({
    enabled: bool(true),
    initial_interval: duration('50ms'),
    max_interval: duration('5s'),
    /** 0: no limit. Ignored when a persistent queue holds the data (it retries until delivered). */
    max_elapsed_time: duration('5m'),
    multiplier: num(1.5, 1),
    randomization_factor: num(0.5, 0, 1),
  }).prefault({} as never),
  /** A persistent queue: `storage: file_storage[/name]`; the queue survives restarts and crashes. */
  sending_queue: presence(
    section({
      enabled: bool(true),
      storage: str(),
      queue_size: int(undefined, 1),
      /** Tributary: upper bound on the bytes the queue holds (0: no bound beyond queue_size). */
      max_size_mib: int(1024, 0),
    }),
  ),
  /** native: exponential histograms as Prometheus native histograms; classic: as _bucket/_sum/_count. */
  exponential_histograms: oneOf(['native', 'classic'], 'native'),
  /** Series kept for delta->cumulative totals and ordering (least recently used evicted beyond). */
  max_series: int(1_000_000, 1000),
  /** Accepted for Collector compatibility only: Tributary's write-ahead is sending_queue.storage. */
  wal: z.unknown().optional(),
  /** Memory bound for the in-memory queue (Tributary). */
  max_queue_size_mib: int(256, 1),
});

export type PrwConfig = z.infer<typeof prwSchema>;

const RESERVED = ['content-encoding', 'content-type', 'x-prometheus-remote-write-version', 'user-agent'];

export function validatePrw(c: PrwConfig): string[] {
  const out: string[] = [];
  if (c.wal !== undefined) out.push('wal: the Collector\'s WAL is not used by Tributary; set sending_queue: {storage: file_storage} for a persistent queue');
  for (const h of Object.keys(c.headers)) {
    if (RESERVED.includes(h.toLowerCase())) out.push(`headers::${h}: is set by the remote-write protocol and cannot be overridden`);
  }
  if (c.sending_queue?.enabled && c.sending_queue.storage === undefined) {
    out.push('sending_queue::storage: name the file_storage extension that holds the queue (e.g. file_storage); without it, use remote_write_queue');
  }
  for (const k of Object.keys(c.external_labels)) {
    if (!/^[a-zA-Z_][a-zA-Z0-9_]*$/.test(k)) out.push(`external_labels::${k}: not a valid Prometheus label name`);
  }
  return out;
}
