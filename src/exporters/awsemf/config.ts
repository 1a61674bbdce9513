import { bool, int, oneOf, section, str, stringMap, type z } from '../../config/schema.js';
import { cloudWatchCommonShape, validateCloudWatchCommon } from '../helper/cloudwatch/config.js';

/**
 * The awsemf exporter's config: the Collector's awsemf keys (namespace,
 * log_group_name, log_stream_name, region, endpoint, role_arn,
 * dimension_rollup_option, metric_declarations, metric_descriptors,
 * resource_to_telemetry_conversion, output_destination, log_retention,
 * tags, retain_initial_value_of_delta_metric) with their meaning, and the
 * keys shared with awscloudwatchmetrics. One default differs on purpose:
 * dimension_rollup_option is NoDimensionRollup, because the Collector's
 * ZeroAndSingleDimensionRollup turns every metric with n labels into n + 2
 * billed metrics.
 */

/** Retention values CloudWatch Logs accepts (PutRetentionPolicy), in days; 0: never expire. */
export const RETENTION_DAYS = [0, 1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653] as const;

/** Log group names: 1-512 of letters, digits and _-./# ; placeholders {Name} allowed in the template. */
const GROUP_TEMPLATE = /^[\w\-./#{}]{1,512}$/;
/** Log stream names: 1-512 characters, no ':' or '*'. */
const STREAM_TEMPLATE = /^[^:*]{1,512}$/;

export const emfSchema = section({
  ...cloudWatchCommonShape,
  log_group_name: str('/metrics/default'),
  log_stream_name: str('otel-stream'),
  /** Days to keep a log group the exporter creates (0: never expire); groups that exist are left alone. */
  log_retention: int(0, 0),
  /** Tags for log groups the exporter creates. */
  tags: stringMap(),
  /** cloudwatch: PutLogEvents; stdout: one EMF document per line on standard output (Lambda, ECS awslogs). */
  output_destination: oneOf(['cloudwatch', 'stdout'], 'cloudwatch'),
  /** The Collector's key: true sends the first point of a cumulative series (initial_value: keep). */
  retain_initial_value_of_delta_metric: bool(false),
});

export type EmfConfig = z.infer<typeof emfSchema>;

export function validateEmf(c: EmfConfig): string[] {
  const out = validateCloudWatchCommon(c);
  if (!(RETENTION_DAYS as readonly number[]).includes(c.log_retention)) out.push(`log_retention: must be one of ${RETENTION_DAYS.join(', ')} days (0: never expire)`);
  if (!GROUP_TEMPLATE.test(c.log_group_name)) out.push('log_group_name: must be 1-512 letters, digits and _-./# (placeholders like {TaskId} allowed)');
  if (!STREAM_TEMPLATE.test(c.log_stream_name)) out.push('log_stream_name: must be 1-512 characters without ":" or "*"');
  const tags = Object.entries(c.tags);
  if (tags.length > 50) out.push(`tags: at most 50 tags (got ${tags.length})`);
  for (const [k, v] of tags) {
    if (k.length < 1 || k.length > 128) out.push(`tags::${k}: tag keys are 1-128 characters`);
    if (v.length > 256) out.push(`tags::${k}: tag values are at most 256 characters`);
  }
  if (c.retain_initial_value_of_delta_metric && c.initial_value !== 'auto') {
    out.push('retain_initial_value_of_delta_metric: set either this (the Collector\'s key) or initial_value, not both');
  }
  return out;
}

export function initialValueOf(c: EmfConfig): 'auto' | 'keep' | 'drop' {
  return c.retain_initial_value_of_delta_metric ? 'keep' : c.initial_value;
}
