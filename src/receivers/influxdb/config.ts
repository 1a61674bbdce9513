import { bool, duration, endpoint, int, section, z } from '../../config/schema.js';
import { serverTlsSchema, validateServerTls } from '../../config/tls.js';

/**
 * The influxdb receiver's config: the Collector contrib receiver's keys
 * (its confighttp server settings, squashed) and defaults.
 */
export const influxdbReceiverSchema = section({
  endpoint: endpoint('localhost:8086'),
  /** Applies to the decompressed body (Collector default: 20 MiB). */
  max_request_body_size: int(20 * 1024 * 1024, 1),
  include_metadata: bool(false),
  tls: serverTlsSchema.optional(),
  auth: section({ authenticator: z.string({ error: 'must be an authenticator extension id' }) }).optional(),
  /** Time to receive a whole request; 0 means no limit. */
  read_timeout: duration('0s'),
  read_header_timeout: duration('0s'),
  /** How long an idle keep-alive connection stays open. */
  idle_timeout: duration('72s'),
});

export type InfluxdbReceiverConfig = z.infer<typeof influxdbReceiverSchema>;

export function validateInfluxdbReceiver(c: InfluxdbReceiverConfig): string[] {
  return validateServerTls(c.tls);
}
