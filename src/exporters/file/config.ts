import { bool, duration, oneOf, section, z } from '../../config/schema.js';

export const fileSchema = section({
  path: z.string({ error: 'must be a file path' }).min(1, { message: 'must be a file path' }),
  /** json: one ExportMetricsServiceRequest per line; proto: each message prefixed by its 4-byte big-endian length. */
  format: oneOf(['json', 'proto'], 'json'),
  /** Keep what the file holds at start (true) or start it empty (false), as the Collector does. */
  append: bool(false),
  /** Accepted for Collector compatibility: data is written before each export is acknowledged. */
  flush_interval: duration('1s'),
});
export type FileConfig = z.infer<typeof fileSchema>;
