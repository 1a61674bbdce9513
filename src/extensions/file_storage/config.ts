import { bool, duration, int, presence, section, str, z } from '../../config/schema.js';

/**
 * file_storage, with the OpenTelemetry Collector's keys. Where Tributary's
 * defaults differ from the Collector's it is on purpose:
 * - `directory` defaults to ./data/file_storage, relative to the working
 *   directory (the Collector's /var/lib/otelcol/file_storage needs root).
 * - `create_directory` defaults to true (the Collector's is false), so a
 *   first start does not fail on a missing directory.
 * - `fsync` defaults to true (the Collector's is false): a queued record is
 *   acknowledged only once it is on disk.
 * `timeout` is how long opening a queue waits for a lock held by another
 * live process. `compaction` is accepted for config compatibility and has no
 * effect: consumed segment files are deleted as the queue drains, so the
 * space is given back without compaction.
 */
export const fileStorageSchema = section({
  directory: z.string({ error: 'must be a directory path' }).min(1, { message: 'must be a directory path' }).default('./data/file_storage'),
  timeout: duration('1s'),
  create_directory: bool(true),
  directory_permissions: z
    .string({ error: 'must be octal permissions in quotes, like "0750"' })
    .regex(/^0?[0-7]{3}$/, { message: 'must be octal permissions in quotes, like "0750"' })
    .default('0750'),
  fsync: bool(true),
  compaction: presence(
    section({
      on_start: bool(false),
      on_rebound: bool(false),
      directory: str(),
      max_transaction_size: int(65_536),
      rebound_needed_threshold_mib: int(100),
      rebound_trigger_threshold_mib: int(10),
      check_interval: duration('5s'),
      cleanup_on_start: bool(false),
    }),
  ),
});
export type FileStorageConfig = z.infer<typeof fileStorageSchema>;
