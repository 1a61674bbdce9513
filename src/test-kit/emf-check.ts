/**
 * Checks a log event message against the Embedded Metric Format
 * specification (CloudWatch User Guide, "Specification: Embedded metric
 * format"): a JSON object whose `_aws` member has an integer `Timestamp`
 * and a `CloudWatchMetrics` array of MetricDirectives, each with a
 * `Namespace`, `Dimensions` (DimensionSets of at most 30 keys, each naming
 * a root member with a string value of at most 1024 characters) and at
 * most 100 `Metrics`, each naming a root member that holds a number, an
 * array of at most 100 numbers, or (as CloudWatch Logs also extracts) a
 * statistic set {Max, Min, Count, Sum} or a distribution {Values, Counts,
 * Max, Min, Count, Sum}. Returns the problems found (none: valid).
 */

const UNITS = new Set([
  'Seconds', 'Microseconds', 'Milliseconds', 'Bytes', 'Kilobytes', 'Megabytes', 'Gigabytes', 'Terabytes', 'Bits', 'Kilobits', 'Megabits',
  'Gigabits', 'Terabits', 'Percent', 'Count', 'Bytes/Second', 'Kilobytes/Second', 'Megabytes/Second', 'Gigabytes/Second', 'Terabytes/Second',
  'Bits/Second', 'Kilobits/Second', 'Megabits/Second', 'Gigabits/Second', 'Terabits/Second', 'Count/Second', 'None',
]);

function isNumber(v: unknown): boolean {
  return typeof v === 'number' && Number.isFinite(v);
}

function metricValueProblem(v: unknown): string | undefined {
  if (isNumber(v)) return undefined;
  if (Array.isArray(v)) return v.length <= 100 && v.every(isNumber) ? undefined : 'an array of at most 100 numbers';
  if (v !== null && typeof v === 'object') {
    const o = v as Record<string, unknown>;
    const stats = ['Max', 'Min', 'Count', 'Sum'].every((k) => isNumber(o[k]));
    if (!stats) return 'a statistic set needs numeric Max, Min, Count and Sum';
    if (o.Values === undefined && o.Counts === undefined) return Number(o.Min) <= Number(o.Max) ? undefined : 'Min > Max';
    const values = o.Values as unknown[];
    const counts = o.Counts as unknown[];
    if (!Array.isArray(values) || !Array.isArray(counts) || values.length !== counts.length || values.length > 100) return 'Values and Counts must be arrays of equal length, at most 100';
    if (!values.every(isNumber) || !counts.every(isNumber)) return 'Values and Counts must hold numbers';
    return undefined;
  }
  return 'a number, an array of numbers or a statistic set';
}

export function emfProblems(message: string): string[] {
  const out: string[] = [];
  let root: Record<string, unknown>;
  try {
    root = JSON.parse(message) as Record<string, unknown>;
  } catch (err) {
    return [`not JSON: ${(err as Error).message}`];
  }
  if (root === null || typeof root !== 'object' || Array.isArray(root)) return ['the root is not an object'];
  const aws = root._aws as Record<string, unknown> | undefined;
  if (aws === undefined || typeof aws !== 'object') return ['no _aws object'];
  if (!Number.isInteger(aws.Timestamp)) out.push('_aws.Timestamp must be an integer (ms since the epoch)');
  const directives = aws.CloudWatchMetrics;
  if (!Array.isArray(directives)) return [...out, '_aws.CloudWatchMetrics must be an array'];
  directives.forEach((d: Record<string, unknown>, i) => {
    const at = `CloudWatchMetrics[${i}]`;
    if (typeof d.Namespace !== 'string' || d.Namespace.length < 1 || d.Namespace.length > 1024) out.push(`${at}.Namespace must be a string of 1-1024 characters`);
    if (!Array.isArray(d.Dimensions) || d.Dimensions.length < 1) out.push(`${at}.Dimensions must be a non-empty array of DimensionSets`);
    else {
      for (const set of d.Dimensions as unknown[]) {
        if (!Array.isArray(set) || set.length > 30) {
          out.push(`${at}: a DimensionSet must be an array of at most 30 keys`);
          continue;
        }
        for (const k of set) {
          const v = root[k as string];
          if (typeof v !== 'string' || v.length > 1024) out.push(`${at}: dimension "${k}" must be a root member with a string of at most 1024 characters`);
        }
      }
    }
    if (!Array.isArray(d.Metrics) || d.Metrics.length > 100) out.push(`${at}.Metrics must be an array of at most 100 MetricDefinitions`);
    else {
      for (const m of d.Metrics as Record<string, unknown>[]) {
        if (typeof m.Name !== 'string') {
          out.push(`${at}: a MetricDefinition needs a Name`);
          continue;
        }
        if (m.Unit !== undefined && !UNITS.has(m.Unit as string)) out.push(`${at}: ${m.Name}: unknown Unit ${String(m.Unit)}`);
        if (m.StorageResolution !== undefined && m.StorageResolution !== 1 && m.StorageResolution !== 60) out.push(`${at}: ${m.Name}: StorageResolution must be 1 or 60`);
        const p = metricValueProblem(root[m.Name]);
        if (p !== undefined) out.push(`${at}: metric "${m.Name}" must be ${p}`);
      }
    }
  });
  return out;
}
