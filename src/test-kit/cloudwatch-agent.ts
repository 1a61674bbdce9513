/**
 * A PutMetricData request shaped like the CloudWatch Agent's (aws-sdk-go
 * v1, AWS Query): `metrics` data of `dims` dimensions each, every datum with
 * MetricName, Dimensions, StorageResolution, Timestamp (whole seconds, as Go
 * writes it), Unit and Value, keys sorted as Go's url.Values.Encode sorts
 * them. The agent gzips this body and signs the compressed bytes.
 */
export function agentQueryForm(metrics: number, dims: number, at: Date = new Date()): string {
  const ts = at.toISOString().replace(/\.\d+Z$/, 'Z');
  const p: string[] = ['Action=PutMetricData', 'Namespace=CWAgent', 'Version=2010-08-01'];
  for (let i = 1; i <= metrics; i++) {
    const m = `MetricData.member.${i}`;
    for (let d = 1; d <= dims; d++) p.push(`${m}.Dimensions.member.${d}.Name=dim_${d}`, `${m}.Dimensions.member.${d}.Value=host-value-${d}`);
    p.push(`${m}.MetricName=metric_${i}`, `${m}.StorageResolution=60`, `${m}.Timestamp=${encodeURIComponent(ts)}`, `${m}.Unit=Percent`, `${m}.Value=${i}.5`);
  }
  return p.sort().join('&');
}
