import { int, oneOf, section, z } from '../../config/schema.js';

export const debugSchema = section({
  verbosity: oneOf(['basic', 'normal', 'detailed'], 'basic'),
  /** Log this many batches per second, then one in sampling_thereafter (the Collector's sampling). */
  sampling_initial: int(2, 0),
  sampling_thereafter: int(1, 1),
});
export type DebugConfig = z.infer<typeof debugSchema>;
