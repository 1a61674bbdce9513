import { num, oneOf, section, str, stringList, z } from '../../config/schema.js';
import { checkGoRegexp } from '../helper/go-regexp.js';

/**
 * The metricstransform processor's config, as the Collector writes it. The
 * supported subset is the one ADOT users rely on: actions `update` and
 * `insert`; operations `add_label`, `update_label` (rename and value_actions),
 * `delete_label_value`, `aggregate_labels`, `aggregate_label_values`,
 * `toggle_scalar_data_type` and `experimental_scale_value`. The `combine` and
 * `group` actions and `experimental_match_labels` are rejected with a message
 * saying so.
 */

/** YAML may write label values as numbers or bools; they are label strings. */
const labelString = z.union([z.string(), z.number(), z.boolean()], { error: 'must be a string' }).transform(String);

const AGGREGATIONS = ['sum', 'mean', 'min', 'max'] as const;
export type AggregationType = (typeof AGGREGATIONS)[number];

const OPERATIONS = [
  'add_label',
  'update_label',
  'delete_label_value',
  'toggle_scalar_data_type',
  'experimental_scale_value',
  'aggregate_labels',
  'aggregate_label_values',
] as const;

const operationSchema = section({
  action: z.enum(OPERATIONS, { error: `must be one of: ${OPERATIONS.join(', ')}` }),
  label: str(),
  new_label: str(),
  label_set: stringList(),
  aggregation_type: str(),
  aggregated_values: z.array(labelString, { error: 'must be a list of strings' }).default([]),
  new_value: labelString.optional(),
  value_actions: z.array(section({ value: labelString, new_value: labelString }), { error: 'must be a list of {value, new_value}' }).default([]),
  experimental_scale: num(undefined),
  label_value: labelString.optional(),
});
export type OperationConfig = z.infer<typeof operationSchema>;

const transformSchema = section({
  include: z.string({ error: 'must be a metric name, or a regexp with match_type: regexp' }),
  match_type: oneOf(['strict', 'regexp'], 'strict'),
  experimental_match_labels: z.record(z.string(), z.string()).optional(),
  action: z.enum(['update', 'insert', 'combine', 'group'], { error: 'must be one of: update, insert, combine, group' }),
  new_name: str(),
  group_resource_labels: z.record(z.string(), z.string()).optional(),
  aggregation_type: str(),
  submatch_case: oneOf(['lower', 'upper']),
  operations: z.array(operationSchema, { error: 'must be a list of operations' }).default([]),
});
export type TransformConfig = z.infer<typeof transformSchema>;

export const metricsTransformSchema = section({
  transforms: z.array(transformSchema, { error: 'must be a list of transforms' }).default([]),
});
export type MetricsTransformConfig = z.infer<typeof metricsTransformSchema>;

export function validateMetricsTransform(c: MetricsTransformConfig): string[] {
  const out: string[] = [];
  if (c.transforms.length === 0) out.push('transforms: at least one transform is required, e.g. [{include: old_name, action: update, new_name: new_name}]');
  c.transforms.forEach((t, i) => {
    const at = `transforms::${i}`;
    if (t.include === '') out.push(`${at}::include: must not be empty`);
    if (t.match_type === 'regexp') {
      const e = checkGoRegexp(t.include);
      if (e !== undefined) out.push(`${at}::include: ${e}`);
    }
    if (t.action === 'combine' || t.action === 'group') out.push(`${at}::action: "${t.action}" is not supported by Tributary; use update or insert`);
    if (t.experimental_match_labels !== undefined) out.push(`${at}::experimental_match_labels: not supported by Tributary; select the points with the filter processor instead`);
    if (t.action === 'insert' && (t.new_name === undefined || t.new_name === '')) out.push(`${at}::new_name: required for action insert`);
    t.operations.forEach((op, j) => out.push(...checkOperation(op, `${at}::operations::${j}`)));
  });
  return out;
}

function checkOperation(op: OperationConfig, at: string): string[] {
  const out: string[] = [];
  const need = (key: keyof OperationConfig, ok: boolean) => {
    if (!ok) out.push(`${at}::${key}: required for ${op.action}`);
  };
  const aggregation = () => {
    if (op.aggregation_type === undefined) out.push(`${at}::aggregation_type: required for ${op.action}; one of ${AGGREGATIONS.join(', ')}`);
    else if (!(AGGREGATIONS as readonly string[]).includes(op.aggregation_type)) {
      out.push(`${at}::aggregation_type: must be one of: ${AGGREGATIONS.join(', ')} (got ${JSON.stringify(op.aggregation_type)})`);
    }
  };
  switch (op.action) {
    case 'add_label':
      need('new_label', !!op.new_label);
      need('new_value', op.new_value !== undefined);
      break;
    case 'update_label':
      need('label', !!op.label);
      if (op.new_label === undefined && op.value_actions.length === 0) out.push(`${at}: update_label needs new_label, value_actions or both`);
      break;
    case 'delete_label_value':
      need('label', !!op.label);
      need('label_value', op.label_value !== undefined);
      break;
    case 'aggregate_labels':
      aggregation();
      break;
    case 'aggregate_label_values':
      need('label', !!op.label);
      need('aggregated_values', op.aggregated_values.length > 0);
      need('new_value', op.new_value !== undefined);
      aggregation();
      break;
    case 'experimental_scale_value':
      need('experimental_scale', op.experimental_scale !== undefined);
      break;
    case 'toggle_scalar_data_type':
      break;
  }
  return out;
}
