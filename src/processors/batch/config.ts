import { duration, int, section, stringList, z } from '../../config/schema.js';

/** The batch processor's config: the Collector's keys and defaults, plus a bound on pending data. */
export const batchSchema = section({
  send_batch_size: int(8192, 1),
  /** 0 means no upper bound on the size of a sent batch. */
  send_batch_max_size: int(0, 0),
  timeout: duration('200ms'),
  /**
   * Batch separately per value of these request metadata keys (lower-case
   * header names, needing include_metadata on the receiver), or per
   * authenticated attribute when written `auth.<name>`.
   */
  metadata_keys: stringList(),
  metadata_cardinality_limit: int(1000, 1),
  /**
   * Tributary: data points held (waiting or being sent) across all batches,
   * above which new data is refused with a retryable error. 0 picks
   * max(100000, 10 x send_batch_size).
   */
  max_pending_points: int(0, 0),
});

export type BatchConfig = z.infer<typeof batchSchema>;

export function validateBatch(c: BatchConfig): string[] {
  if (c.send_batch_max_size > 0 && c.send_batch_max_size < c.send_batch_size) {
    return [`send_batch_max_size: must be 0 or at least send_batch_size (${c.send_batch_size}) (got ${c.send_batch_max_size})`];
  }
  return [];
}
