import { bool, duration, int, num, oneOf, section, str, z } from '../../../config/schema.js';
import { STANDARD_UNITS, type StandardUnit } from '../../../receivers/putmetricdata/limits.js';
import { type DeclarationConfig, Declarations, type RollupOption, validateDeclarations } from './declarations.js';

/**
 * Config keys the two CloudWatch exporters share: where and as whom to
 * connect (region, endpoint, auth or role_arn/external_id), what to send
 * (namespace, metric_declarations, dimension_rollup_option,
 * metric_descriptors, resource_to_telemetry_conversion, storage
 * resolution, initial_value), what it may cost (max_metrics_per_namespace)
 * and how to send (queue, senders, rate, retries, timeout). Keys named as
 * in the Collector's awsemf exporter keep its meaning; the defaults differ
 * where the Collector's cost money (dimension_rollup_option).
 */

const REGION = /^[a-z]{2}(-[a-z]+)+-\d+$/;
const ROLE_ARN = /^arn:aws[a-z-]*:iam::\d{12}:role\/[\w+=,.@/-]+$/;
const EXTERNAL_ID = /^[\w+=,.@:/-]{2,1224}$/;

/** An optional string where "" means unset (so `${env:VAR}` with VAR unset is "not set"). */
function opt(check?: { re: RegExp; message: string }) {
  const base = z.string({ error: 'must be a string' });
  const s = check === undefined ? base : base.regex(check.re, { message: check.message });
  return z.preprocess((v) => (v === '' || v === null ? undefined : v), s.optional());
}

function endpointUrl(v: string): boolean {
  try {
    const u = new URL(v);
    return (u.protocol === 'https:' || u.protocol === 'http:') && u.hostname !== '' && u.search === '';
  } catch {
    return false;
  }
}

const ROLLUP = ['NoDimensionRollup', 'SingleDimensionRollupOnly', 'ZeroAndSingleDimensionRollup'] as const;

const labelMatcherSchema = section({
  label_names: z.array(z.string({ error: 'must be a label name' }), { error: 'must be a list of label names' }),
  separator: str(';'),
  regex: z.string({ error: 'must be a regular expression' }),
});

const declarationSchema = section({
  dimensions: z.array(z.array(z.string({ error: 'must be a label name' }), { error: 'must be a list of label names' }), { error: 'must be a list of dimension sets, like [[service.name, http.route], []]' }).default([[]]),
  metric_name_selectors: z.array(z.string({ error: 'must be a regular expression' }), { error: 'must be a list of regular expressions' }).default([]),
  label_matchers: z.array(labelMatcherSchema, { error: 'must be a list of label matchers' }).default([]),
});

const descriptorSchema = section({
  metric_name: z.string({ error: 'must be a metric name' }),
  unit: z.enum(STANDARD_UNITS, { error: `must be a CloudWatch unit: ${STANDARD_UNITS.join(', ')}` }),
  overwrite: bool(false),
});

export const cloudWatchCommonShape = {
  /** AWS region; AWS_REGION / AWS_DEFAULT_REGION when unset. */
  region: opt({ re: REGION, message: 'must be an AWS region like "eu-west-1"' }),
  /** Endpoint URL override: a VPC endpoint, a FIPS endpoint, or a test server. */
  endpoint: z.preprocess(
    (v) => (v === '' || v === null ? undefined : v),
    z.string({ error: 'must be a URL' }).refine(endpointUrl, { message: 'must be an http(s) URL like "https://monitoring.eu-west-1.amazonaws.com"' }).optional(),
  ),
  /** Role to assume with the default credential chain (ignored with auth). */
  role_arn: opt({ re: ROLE_ARN, message: 'must be an IAM role ARN like "arn:aws:iam::123456789012:role/name"' }),
  external_id: opt({ re: EXTERNAL_ID, message: 'must be 2 to 1224 characters of letters, digits and +=,.@:/_-' }),
  /** A sigv4auth extension providing credentials, proxy and CA for the SDK client. */
  auth: section({ authenticator: z.string({ error: 'must be an authenticator extension id' }) }).optional(),
  /** Namespace for data without the namespace attribute; default: service.namespace/service.name, else "default". */
  namespace: opt(),
  /** Tributary: point or resource attribute that names the namespace per series ("" to switch off). */
  namespace_attribute: str('cloudwatch.namespace'),
  dimension_rollup_option: z.preprocess(
    (v) => (v === 'SingleDimensionRollup' ? 'SingleDimensionRollupOnly' : v),
    oneOf(ROLLUP, 'NoDimensionRollup'),
  ) as unknown as z.ZodDefault<z.ZodType<RollupOption>>,
  metric_declarations: z.array(declarationSchema, { error: 'must be a list of metric declarations' }).default([]),
  metric_descriptors: z.array(descriptorSchema, { error: 'must be a list of metric descriptors' }).default([]),
  resource_to_telemetry_conversion: section({ enabled: bool(false) }).prefault({}),
  /** Tributary: 60 (standard) or 1 (high resolution, billed higher) when the attribute does not say. */
  storage_resolution: z.union([z.literal(1), z.literal(60)], { error: 'must be 1 (high resolution) or 60 (standard)' }).default(60),
  /** Tributary: point attribute, metric metadata or resource attribute giving 1 or 60 per series ("" to switch off). */
  storage_resolution_attribute: str('cloudwatch.storage_resolution'),
  /** Tributary: what happens to the first point of a cumulative series (auto, keep, drop). */
  initial_value: oneOf(['auto', 'keep', 'drop'], 'auto'),
  /** Tributary: series kept for cumulative -> delta and dimension caching (least recently used forgotten beyond). */
  max_series: int(100_000, 100),
  /** Tributary: cap on metric + dimension combinations per namespace in an hour (0: no cap). */
  max_metrics_per_namespace: int(0, 0),
  /** Tributary: requests per second across the senders (0: no limit); the regional API quota is shared by every caller of the account. */
  max_requests_per_second: num(50, 0),
  timeout: duration('15s'),
  sending_queue: section({
    /** Parallel senders. */
    num_consumers: int(4, 1, 64),
    /** Requests held, checked before each batch. */
    queue_size: int(100, 1),
  }).prefault({}),
  retry_on_failure: section({
    enabled: bool(true),
    initial_interval: duration('500ms'),
    max_interval: duration('30s'),
    /** 0: no limit. */
    max_elapsed_time: duration('5m'),
    multiplier: num(1.5, 1),
    randomization_factor: num(0.5, 0, 1),
  }).prefault({} as never),
};

const commonSchema = section(cloudWatchCommonShape);
export type CloudWatchCommonConfig = z.infer<typeof commonSchema>;

export function validateCloudWatchCommon(c: CloudWatchCommonConfig): string[] {
  const out = validateDeclarations(c.metric_declarations as DeclarationConfig[]);
  if (c.auth !== undefined && (c.role_arn !== undefined || c.external_id !== undefined)) {
    out.push('role_arn: with auth::authenticator the credentials come from the sigv4auth extension; set assume_role there, or remove auth');
  }
  if (c.external_id !== undefined && c.role_arn === undefined) out.push('external_id: only applies with role_arn');
  const seen = new Set<string>();
  c.metric_descriptors.forEach((d, i) => {
    if (seen.has(d.metric_name)) out.push(`metric_descriptors::${i}::metric_name: "${d.metric_name}" is described twice`);
    seen.add(d.metric_name);
  });
  return out;
}

export function declarationsOf(c: CloudWatchCommonConfig): Declarations {
  return new Declarations(c.metric_declarations as DeclarationConfig[], c.dimension_rollup_option);
}

export function descriptorsOf(c: CloudWatchCommonConfig): Map<string, { unit: StandardUnit; overwrite: boolean }> {
  return new Map(c.metric_descriptors.map((d) => [d.metric_name, { unit: d.unit, overwrite: d.overwrite }]));
}
