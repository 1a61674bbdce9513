import { describe, expect, it } from 'vitest';
import { formatIssues } from '../../config/schema.js';
import { cwMetricsExporterFactory } from '../awscloudwatchmetrics/factory.js';
import { emfExporterFactory } from './factory.js';

function problems(factory: typeof emfExporterFactory | typeof cwMetricsExporterFactory, raw: unknown): string[] {
  const r = factory.configSchema.safeParse(raw);
  if (!r.success) return formatIssues(r.error.issues, [], raw);
  return [...((factory.validate as (c: unknown) => readonly string[] | undefined)?.(r.data) ?? [])];
}

describe('CloudWatch exporter configs', () => {
  it('default to no dimension rollup, standard resolution and the Collector\'s log group and stream', () => {
    const c = emfExporterFactory.configSchema.parse({});
    expect(c).toMatchObject({
      dimension_rollup_option: 'NoDimensionRollup',
      log_group_name: '/metrics/default',
      log_stream_name: 'otel-stream',
      log_retention: 0,
      output_destination: 'cloudwatch',
      storage_resolution: 60,
      namespace_attribute: 'cloudwatch.namespace',
      initial_value: 'auto',
      max_metrics_per_namespace: 0,
      max_requests_per_second: 50,
      sending_queue: { num_consumers: 4, queue_size: 100 },
    });
    const m = cwMetricsExporterFactory.configSchema.parse({});
    expect(m).toMatchObject({ dimension_rollup_option: 'NoDimensionRollup', compression: 'gzip', timeout: 15_000 });
  });

  it('accepts the Collector\'s rollup names, and SingleDimensionRollup for SingleDimensionRollupOnly', () => {
    expect(emfExporterFactory.configSchema.parse({ dimension_rollup_option: 'ZeroAndSingleDimensionRollup' }).dimension_rollup_option).toBe('ZeroAndSingleDimensionRollup');
    expect(emfExporterFactory.configSchema.parse({ dimension_rollup_option: 'SingleDimensionRollup' }).dimension_rollup_option).toBe('SingleDimensionRollupOnly');
  });

  it.each([
    [{ dimension_rollup_option: 'AllRollups' }, /^dimension_rollup_option: must be one of: NoDimensionRollup, SingleDimensionRollupOnly, ZeroAndSingleDimensionRollup/],
    [{ region: 'Europe' }, /^region: must be an AWS region like "eu-west-1"/],
    [{ endpoint: 'monitoring.eu-west-1.amazonaws.com' }, /^endpoint: must be an http\(s\) URL/],
    [{ role_arn: 'admin' }, /^role_arn: must be an IAM role ARN/],
    [{ external_id: 'x1' }, /^external_id: only applies with role_arn/],
    [{ role_arn: 'arn:aws:iam::123456789012:role/r', auth: { authenticator: 'sigv4auth' } }, /^role_arn: with auth::authenticator/],
    [{ storage_resolution: 30 }, /^storage_resolution: must be 1 \(high resolution\) or 60 \(standard\)/],
    [{ log_retention: 10 }, /^log_retention: must be one of 0, 1, 3, 5, 7, 14/],
    [{ log_group_name: 'bad group' }, /^log_group_name: must be 1-512/],
    [{ log_stream_name: 'a:b' }, /^log_stream_name: must be 1-512 characters without/],
    [{ metric_declarations: [{ dimensions: [['a']] }] }, /^metric_declarations::0::metric_name_selectors: list at least one/],
    [{ metric_descriptors: [{ metric_name: 'm', unit: 'Furlongs' }] }, /^metric_descriptors::0::unit: must be a CloudWatch unit/],
    [{ retain_initial_value_of_delta_metric: true, initial_value: 'drop' }, /^retain_initial_value_of_delta_metric: set either this/],
    [{ max_retries: 3 }, /^: unknown key "max_retries"; valid keys are: /],
  ])('refuses %j', (raw, want) => {
    expect(problems(emfExporterFactory, raw)).toEqual([expect.stringMatching(want)]);
  });

  it('has no EMF keys in awscloudwatchmetrics', () => {
    expect(problems(cwMetricsExporterFactory, { log_group_name: '/x' })[0]).toMatch(/unknown key "log_group_name"/);
  });
});
