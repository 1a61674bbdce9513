import { bool, endpoint, int, section, z } from '../../config/schema.js';
import { serverTlsSchema, validateServerTls } from '../../config/tls.js';
import { httpServerSettings, validateServerSettings } from '../helper/server-settings.js';

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
  /** read_timeout, read_header_timeout, idle_timeout, rate_limit. */
  ...httpServerSettings,
});

export type InfluxdbReceiverConfig = z.infer<typeof influxdbReceiverSchema>;

export function validateInfluxdbReceiver(c: InfluxdbReceiverConfig): string[] {
  return [...validateServerTls(c.tls), ...validateServerSettings(c)];
}
