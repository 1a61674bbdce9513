import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { EMPTY_CONTEXT, type Host } from '../../component/component.js';
import type { Metric, MetricBatch } from '../../model/metric.js';
import { batchOf, numberMetric } from '../../test-kit/batches.js';
import { type CloudWatchEndpoint, type CloudWatchTestBed, selfMetricValue, startCloudWatchTestBed } from '../../test-kit/cloudwatch-endpoint.js';
import { expHistogramMetric, histogramMetric } from '../../test-kit/distribution-metrics.js';
import { emfProblems } from '../../test-kit/emf-check.js';
import { lifecycleSuite } from '../../test-kit/lifecycle-suite.js';
import { testSettings } from '../../test-kit/settings.js';
import { EmfExporter } from './exporter.js';
import { emfExporterFactory } from './factory.js';

let cw: CloudWatchEndpoint;
let host: Host;
let bed: CloudWatchTestBed;

beforeAll(async () => {
  bed = await startCloudWatchTestBed();
  ({ cw, host } = bed);
});
afterAll(() => bed?.close());
afterEach(() => {
  cw.calls.length = 0;
});

lifecycleSuite(emfExporterFactory, { output_destination: 'stdout' });

const NOW = Date.now();

async function send(raw: Record<string, unknown>, ...batches: MetricBatch[]): Promise<{ set: ReturnType<typeof testSettings>; lines: string[] }> {
  const config = emfExporterFactory.configSchema.parse({
    region: 'eu-west-1',
    endpoint: cw.url,
    auth: { authenticator: 'sigv4auth' },
    namespace: 'Emf',
    retry_on_failure: { initial_interval: '5ms', max_interval: '20ms' },
    ...raw,
  });
  expect(emfExporterFactory.validate?.(config) ?? []).toEqual([]);
  const set = testSettings('exporter', 'awsemf');
  const lines: string[] = [];
  const exp = new EmfExporter(set, config, { env: {}, stdout: (l) => lines.push(l) });
  await exp.start(host);
  for (const b of batches) await exp.consume(b, EMPTY_CONTEXT);
  await exp.shutdown();
  return { set, lines };
}

function events(): Record<string, unknown>[] {
  const out: Record<string, unknown>[] = [];
  for (const c of cw.calls) {
    if (c.operation !== 'PutLogEvents' || c.status !== 200) continue;
    for (const e of c.input.logEvents as { message: string; timestamp: number }[]) {
      expect(emfProblems(e.message)).toEqual([]);
      const doc = JSON.parse(e.message) as Record<string, unknown>;
      expect((doc._aws as { Timestamp: number }).Timestamp).toBe(e.timestamp);
      out.push(doc);
    }
  }
  return out;
}

function metric(set: ReturnType<typeof testSettings>, name: string, labels: Record<string, string>): Promise<number> {
  return selfMetricValue(set.metrics, name, labels);
}

const g = (name: string, value: number, attrs: Record<string, string>, unit = ''): Metric => numberMetric({ name, unit, points: [{ value, attrs, timeMs: NOW }] });

describe('awsemf: the events', () => {
  it('puts the metrics of one label set and time in one EMF event, labels as members, with the metric directive', async () => {
    await send({}, batchOf([g('cpu', 0.5, { host: 'h1' }, '%'), g('mem', 2048, { host: 'h1' }, 'By'), g('cpu', 0.7, { host: 'h2' }, '%')]));
    const evs = events();
    expect(evs).toHaveLength(2);
    const h1 = evs.find((e) => e.host === 'h1')!;
    expect(h1).toMatchObject({
      host: 'h1',
      cpu: 0.5,
      mem: 2048,
      _aws: {
        Timestamp: NOW,
        CloudWatchMetrics: [{ Namespace: 'Emf', Dimensions: [['host']], Metrics: [{ Name: 'cpu', Unit: 'Percent' }, { Name: 'mem', Unit: 'Bytes' }] }],
      },
    });
    const put = cw.calls.find((c) => c.operation === 'PutLogEvents')!;
    expect(put.input).toMatchObject({ logGroupName: '/metrics/default', logStreamName: 'otel-stream' });
    expect(String(put.headers['x-amz-target'])).toBe('Logs_20140328.PutLogEvents');
  });

  it('writes histograms as statistic sets and exponential histograms as Values/Counts of at most 100', async () => {
    const h = histogramMetric('lat', 'ms', 'delta', [{ timeMs: NOW, bounds: [10], counts: [1, 1], sum: 30, min: 5, max: 25 }]);
    const pos = Array.from({ length: 300 }, () => 1);
    const e = expHistogramMetric('size', 'By', 'delta', [{ timeMs: NOW, scale: 4, posOffset: 40, pos, sum: 5000, min: 5, max: 2000 }]);
    await send({}, batchOf([h, e]));
    const [ev] = events();
    expect(ev.lat).toEqual({ Max: 25, Min: 5, Count: 2, Sum: 30 });
    const size = ev.size as { Values: number[]; Counts: number[]; Count: number };
    expect(size.Values.length).toBeLessThanOrEqual(100);
    expect(size.Counts.reduce((a, b) => a + b, 0)).toBe(300);
    expect(size.Count).toBe(300);
  });

  it('declares only the dimension sets of metric_declarations, and leaves undeclared metrics out', async () => {
    const { set } = await send(
      { metric_declarations: [{ dimensions: [['svc'], ['route', 'svc']], metric_name_selectors: ['^http_'] }] },
      batchOf([g('http_requests', 3, { svc: 'a', route: '/x', pod: 'p1' }), g('other', 1, { svc: 'a', route: '/x', pod: 'p1' })]),
    );
    const [ev] = events();
    expect((ev._aws as { CloudWatchMetrics: unknown[] }).CloudWatchMetrics).toEqual([{ Namespace: 'Emf', Dimensions: [['svc'], ['route', 'svc']], Metrics: [{ Name: 'http_requests' }] }]);
    expect(ev.other).toBeUndefined();
    expect(ev.pod).toBe('p1'); // labels stay in the event as fields
    expect(await metric(set, 'tributary_dropped_metric_points_total', { reason: 'not_declared' })).toBe(1);
  });

  it('marks high-resolution metrics with StorageResolution 1', async () => {
    await send({ storage_resolution: 1 }, batchOf([g('fast', 1, { a: '1' })]));
    const [ev] = events();
    expect((ev._aws as { CloudWatchMetrics: { Metrics: unknown[] }[] }).CloudWatchMetrics[0].Metrics).toEqual([{ Name: 'fast', StorageResolution: 1 }]);
  });

  it('fills log group and stream placeholders from resource attributes', async () => {
    const b = batchOf([g('x', 1, {})], { 'service.name': 's', 'aws.ecs.cluster.name': 'prod', 'aws.ecs.task.id': 'task:1' });
    await send({ log_group_name: '/aws/ecs/{ClusterName}', log_stream_name: '{TaskId}-{NodeName}' }, b);
    const put = cw.calls.find((c) => c.operation === 'PutLogEvents')!;
    expect(put.input).toMatchObject({ logGroupName: '/aws/ecs/prod', logStreamName: 'task_1-undefined' });
  });

  it('writes one EMF document per line with output_destination stdout', async () => {
    const { lines, set } = await send({ output_destination: 'stdout' }, batchOf([g('x', 1, { a: '1' }), g('y', 2, { a: '2' })]));
    expect(cw.calls).toHaveLength(0);
    expect(lines).toHaveLength(2);
    for (const l of lines) expect(emfProblems(l)).toEqual([]);
    expect(await metric(set, 'tributary_cloudwatch_datums_sent_total', { namespace: 'Emf' })).toBe(2);
  });
});

describe('awsemf: delivery', () => {
  it('creates a missing log group (with retention and tags) and stream, then sends again', async () => {
    cw.script('PutLogEvents', { status: 400, code: 'ResourceNotFoundException', message: 'The specified log group does not exist.' });
    const { set } = await send({ log_retention: 14, tags: { team: 'obs' } }, batchOf([g('x', 1, { a: '1' })]));
    expect(cw.calls.map((c) => c.operation)).toEqual(['PutLogEvents', 'CreateLogGroup', 'PutRetentionPolicy', 'CreateLogStream', 'PutLogEvents']);
    expect(cw.calls[1].input).toEqual({ logGroupName: '/metrics/default', tags: { team: 'obs' } });
    expect(cw.calls[2].input).toEqual({ logGroupName: '/metrics/default', retentionInDays: 14 });
    expect(cw.calls[3].input).toEqual({ logGroupName: '/metrics/default', logStreamName: 'otel-stream' });
    expect(events()).toHaveLength(1);
    expect(await metric(set, 'tributary_cloudwatch_datums_sent_total', { namespace: 'Emf' })).toBe(1);
  });

  it('leaves the retention of a log group that exists alone', async () => {
    cw.script('PutLogEvents', { status: 400, code: 'ResourceNotFoundException', message: 'The specified log stream does not exist.' });
    cw.script('CreateLogGroup', { status: 400, code: 'ResourceAlreadyExistsException', message: 'The specified log group already exists' });
    await send({ log_retention: 14 }, batchOf([g('x', 1, { a: '1' })]));
    expect(cw.calls.map((c) => c.operation)).toEqual(['PutLogEvents', 'CreateLogGroup', 'CreateLogStream', 'PutLogEvents']);
  });

  it('retries throttling and drops what CloudWatch Logs refuses for good', async () => {
    cw.script('PutLogEvents', { status: 400, code: 'ThrottlingException', message: 'Rate exceeded' }, { status: 400, code: 'AccessDeniedException', message: 'not allowed' });
    const { set } = await send({ sending_queue: { num_consumers: 1 } }, batchOf([g('x', 1, { a: '1' })]), batchOf([g('y', 1, { a: '1' })]));
    expect(cw.calls.map((c) => c.status)).toEqual([400, 400, 200]);
    expect(await metric(set, 'tributary_exporter_retries_total', { reason: 'throttled' })).toBe(1);
    expect(await metric(set, 'otelcol_exporter_send_failed_metric_points_total', { reason: 'AccessDeniedException' })).toBe(1);
  });
});
