import { oneOf, section, type z } from '../../config/schema.js';
import { cloudWatchCommonShape, validateCloudWatchCommon } from '../helper/cloudwatch/config.js';

/**
 * The awscloudwatchmetrics exporter's config: the keys shared with awsemf
 * (helper/cloudwatch/config.ts), plus the request compression. The
 * Collector has no PutMetricData exporter; the shared keys keep awsemf's
 * names and meaning so a config can move between the two.
 */
export const cwMetricsSchema = section({
  ...cloudWatchCommonShape,
  /** gzip request bodies (the SDK compresses those of 10 KiB and more); none to switch off. */
  compression: oneOf(['gzip', 'none'], 'gzip'),
});

export type CwMetricsConfig = z.infer<typeof cwMetricsSchema>;

export function validateCwMetrics(c: CwMetricsConfig): string[] {
  return validateCloudWatchCommon(c);
}
