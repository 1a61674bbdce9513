import { duration, int, section, z } from '../../config/schema.js';

/** The deltatocumulative processor's config: the Collector's keys. */
export const deltaToCumulativeSchema = section({
  /** A stream not updated for this long is forgotten; its next point starts a new total. */
  max_stale: duration('5m'),
  /**
   * Streams held at most. At the limit, points of new streams are dropped
   * (and counted) until stale streams are forgotten; streams in use are never
   * evicted to make room. 0: no limit (the Collector's default; Tributary
   * bounds it by default, at about 50 to 250 MB of state).
   */
  max_streams: int(1_000_000, 0),
});

export type DeltaToCumulativeConfig = z.infer<typeof deltaToCumulativeSchema>;

export function validateDeltaToCumulative(c: DeltaToCumulativeConfig): string[] {
  return c.max_stale > 0 ? [] : ['max_stale: must be a duration greater than 0 (got 0)'];
}
