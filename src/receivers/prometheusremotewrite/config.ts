import { int, section, type z } from '../../config/schema.js';
import { httpServerKeys, validateHttpServer } from '../helper/http-receiver.js';

/**
 * The prometheusremotewrite receiver's config: the Collector contrib
 * receiver's keys (its confighttp server settings, squashed, and
 * time_threshold) and defaults, except the endpoint.
 *
 * Default endpoint localhost:19291, not the Collector's current
 * localhost:9090: 9090 is Prometheus' own port, and the hosts that write to
 * this receiver usually run a Prometheus. 19291 was the Collector
 * receiver's first default and is Thanos Receive's remote-write port, so
 * it is already known as "a remote-write receiver" and free of clashes.
 */
export const prwReceiverSchema = section({
  // Applies to the body as received and to the decompressed body (Collector receiver default: 10 MiB).
  ...httpServerKeys('localhost:19291', 10 * 1024 * 1024),
  /**
   * Accepted for Collector compatibility (hours). The Collector's current
   * receiver does not apply it either: nothing is dropped for its age here;
   * the exporters and their backends decide what is too old.
   */
  time_threshold: int(24, 0),
});

export type PrwReceiverConfig = z.infer<typeof prwReceiverSchema>;

export const validatePrwReceiver = (c: PrwReceiverConfig): string[] => validateHttpServer(c);
