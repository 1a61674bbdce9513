import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { EMPTY_CONTEXT } from '../../component/component.js';
import type { Host } from '../../component/component.js';
import type { Metric, MetricBatch } from '../../model/metric.js';
import { setTimeMs } from '../../model/time.js';
import { STATIC_KEYS } from '../../test-kit/aws-static.js';
import { batchOf, numberMetric } from '../../test-kit/batches.js';
import { type CloudWatchEndpoint, type CloudWatchTestBed, THROTTLING, selfMetricValue, startCloudWatchTestBed } from '../../test-kit/cloudwatch-endpoint.js';
import { expHistogramMetric, histogramMetric, summaryMetric } from '../../test-kit/distribution-metrics.js';
import { lifecycleSuite } from '../../test-kit/lifecycle-suite.js';
import { testSettings } from '../../test-kit/settings.js';
import { cwMetricsExporterFactory } from './factory.js';
import { CwMetricsExporter } from './exporter.js';

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

lifecycleSuite(cwMetricsExporterFactory, { region: 'eu-west-1', endpoint: 'http://127.0.0.1:9', auth: { authenticator: 'sigv4auth' } }, {
  getExtension: (id) => host.getExtension(id),
  phase: () => 'running',
});

const NOW = Date.now();

interface Started {
  readonly exp: CwMetricsExporter;
  readonly set: ReturnType<typeof testSettings>;
}

async function start(raw: Record<string, unknown> = {}): Promise<Started> {
  const config = cwMetricsExporterFactory.configSchema.parse({
    region: 'eu-west-1',
    endpoint: cw.url,
    auth: { authenticator: 'sigv4auth' },
    namespace: 'Test',
    retry_on_failure: { initial_interval: '5ms', max_interval: '20ms' },
    ...raw,
  });
  expect(cwMetricsExporterFactory.validate?.(config) ?? []).toEqual([]);
  const set = testSettings('exporter', 'awscloudwatchmetrics');
  const exp = new CwMetricsExporter(set, config, { env: {} });
  await exp.start(host);
  return { exp, set };
}

/** Consumes, then drains the exporter (shutdown delivers everything queued). */
async function send(raw: Record<string, unknown>, ...batches: MetricBatch[]): Promise<Started> {
  const s = await start(raw);
  for (const b of batches) await s.exp.consume(b, EMPTY_CONTEXT);
  await s.exp.shutdown();
  return s;
}

function data(): Record<string, unknown>[] {
  return cw.calls.filter((c) => c.status === 200 && c.operation === 'PutMetricData').flatMap((c) => c.input.MetricData as Record<string, unknown>[]);
}

function metricValue(set: Started['set'], name: string, labels: Record<string, string>): Promise<number> {
  return selfMetricValue(set.metrics, name, labels);
}

function gauge(name: string, value: number, attrs: Record<string, string> = {}, unit = ''): Metric {
  return numberMetric({ name, unit, points: [{ value, attrs, timeMs: NOW }] });
}

describe('awscloudwatchmetrics: what is sent', () => {
  it('sends a gauge as a datum with its attributes as dimensions, its unit mapped, its time, signed', async () => {
    await send({}, batchOf([gauge('queue.depth', 42, { queue: 'orders', region: 'eu' }, 'ms')]));
    const calls = cw.calls.filter((c) => c.operation === 'PutMetricData');
    expect(calls).toHaveLength(1);
    expect(calls[0].validated?.ok).toBe(true);
    expect(calls[0].input.Namespace).toBe('Test');
    expect(String(calls[0].headers.authorization)).toContain(`Credential=${STATIC_KEYS.accessKeyId}/`);
    expect(String(calls[0].headers.authorization)).toContain('/eu-west-1/monitoring/aws4_request');
    const [d] = data();
    expect(d).toMatchObject({ MetricName: 'queue.depth', Value: 42, Unit: 'Milliseconds', Dimensions: [{ Name: 'queue', Value: 'orders' }, { Name: 'region', Value: 'eu' }] });
    expect(Math.round((d.Timestamp as number) * 1000)).toBe(NOW);
    expect(d.StorageResolution).toBeUndefined();
  });

  it('drops NaN and infinite values and counts them; the rest of the batch goes', async () => {
    const m = numberMetric({ name: 'g', points: [{ value: NaN, timeMs: NOW }, { value: Infinity, timeMs: NOW, attrs: { a: '1' } }, { value: 3, timeMs: NOW, attrs: { a: '2' } }] });
    const { set } = await send({}, batchOf([m]));
    expect(data().map((d) => d.Value)).toEqual([3]);
    expect(await metricValue(set, 'tributary_dropped_metric_points_total', { reason: 'non_finite' })).toBe(2);
  });

  it('scales units CloudWatch does not have into ones it has', async () => {
    await send({}, batchOf([gauge('gc.pause', 2_500_000, {}, 'ns'), gauge('mem', 2, {}, 'KiBy'), gauge('reqs', 7, {}, '{request}'), gauge('ratio', 0.5, {}, '1')]));
    const byName = Object.fromEntries(data().map((d) => [d.MetricName, d]));
    expect(byName['gc.pause']).toMatchObject({ Value: 2500, Unit: 'Microseconds' });
    expect(byName.mem).toMatchObject({ Value: 2048, Unit: 'Bytes' });
    expect(byName.reqs).toMatchObject({ Value: 7, Unit: 'Count' });
    expect(byName.ratio.Unit).toBeUndefined();
  });

  it('takes the namespace and the storage resolution per series from attributes, and leaves both out of the dimensions', async () => {
    await send(
      {},
      batchOf([
        gauge('cpu', 1, { 'cloudwatch.namespace': 'Team/A', 'cloudwatch.storage_resolution': '1', host: 'h1' }),
        gauge('cpu', 2, { host: 'h2' }),
      ]),
    );
    const calls = cw.calls.filter((c) => c.operation === 'PutMetricData');
    const byNs = Object.fromEntries(calls.map((c) => [c.input.Namespace as string, (c.input.MetricData as Record<string, unknown>[])[0]]));
    expect(byNs['Team/A']).toMatchObject({ Value: 1, StorageResolution: 1, Dimensions: [{ Name: 'host', Value: 'h1' }] });
    expect(byNs.Test).toMatchObject({ Value: 2, Dimensions: [{ Name: 'host', Value: 'h2' }] });
    expect(byNs.Test.StorageResolution).toBeUndefined();
  });

  it('sends histograms as StatisticValues and exponential histograms as Values/Counts', async () => {
    const h = histogramMetric('lat', 'ms', 'delta', [{ timeMs: NOW, bounds: [10, 100], counts: [1, 2, 1], sum: 250, min: 4, max: 150 }]);
    const e = expHistogramMetric('size', 'By', 'delta', [{ timeMs: NOW, scale: 0, zeroCount: 1, posOffset: 1, pos: [2, 0, 3], sum: 30, min: 0, max: 15 }]);
    await send({}, batchOf([h, e]));
    const byName = Object.fromEntries(data().map((d) => [d.MetricName, d]));
    expect(byName.lat).toMatchObject({ Unit: 'Milliseconds', StatisticValues: { SampleCount: 4, Sum: 250, Minimum: 4, Maximum: 150 } });
    // scale 0: bucket 1 is (2, 4], bucket 3 is (8, 16]; midpoints 3 and 12; the zero bucket is 0.
    expect(byName.size).toMatchObject({ Unit: 'Bytes', Values: [0, 3, 12], Counts: [1, 2, 3] });
  });

  it('sends summaries as StatisticValues with quantiles 0 and 1 as minimum and maximum', async () => {
    await send({}, batchOf([summaryMetric('rt', 's', [{ timeMs: NOW, count: 4, sum: 10, quantiles: [[0, 1], [0.5, 2], [1, 5]] }])]));
    expect(data()[0]).toMatchObject({ Unit: 'Seconds', StatisticValues: { SampleCount: 4, Sum: 10, Minimum: 1, Maximum: 5 } });
  });

  it('turns cumulative counters into deltas per series; the first point waits unless the series started after the exporter', async () => {
    const s = await start({ sending_queue: { num_consumers: 1 } });
    const t0 = Date.now();
    const counter = (v: number, t: number, startMs: number, attrs: Record<string, string>): Metric => {
      const m = numberMetric({ name: 'requests', type: 'sum', temporality: 'cumulative', points: [{ value: v, timeMs: t, attrs }] });
      setTimeMs(m.points.startTimes, 0, startMs);
      return m;
    };
    const old = t0 - 60_000; // began before the exporter: its first total is not an increase we saw
    const fresh = t0 + 500; // began after: its first total counts from zero
    await s.exp.consume(batchOf([counter(100, t0 + 1000, old, { s: 'old' }), counter(5, t0 + 1000, fresh, { s: 'new' })]), EMPTY_CONTEXT);
    await s.exp.consume(batchOf([counter(130, t0 + 2000, old, { s: 'old' }), counter(9, t0 + 2000, fresh, { s: 'new' })]), EMPTY_CONTEXT);
    await s.exp.consume(batchOf([counter(131, t0 + 2000, old, { s: 'old' })]), EMPTY_CONTEXT); // same time again: a duplicate
    await s.exp.consume(batchOf([counter(20, t0 + 3000, t0 + 2500, { s: 'old' })]), EMPTY_CONTEXT); // restarted
    await s.exp.shutdown();
    const got = data().map((d) => [(d.Dimensions as { Value: string }[])[0].Value, d.Value]);
    expect(got).toEqual([['new', 5], ['old', 30], ['new', 4], ['old', 20]]);
    expect(await metricValue(s.set, 'tributary_dropped_metric_points_total', { reason: 'cumulative_first_point' })).toBe(1);
    expect(await metricValue(s.set, 'tributary_dropped_metric_points_total', { reason: 'out_of_order' })).toBe(1);
  });
});

describe('awscloudwatchmetrics: delivery', () => {
  it('retries Throttling with backoff and delivers each datum exactly once', async () => {
    // 3,000 data: three requests on four parallel senders; the endpoint throttles the first four attempts.
    cw.script('PutMetricData', THROTTLING, THROTTLING, THROTTLING, THROTTLING);
    const m = numberMetric({ name: 'g', points: Array.from({ length: 3000 }, (_, i) => ({ value: i, timeMs: NOW, attrs: { i: String(i) } })) });
    const { set } = await send({}, batchOf([m]));
    const attempts = cw.calls.filter((c) => c.operation === 'PutMetricData');
    expect(attempts.filter((c) => c.status === 400)).toHaveLength(4);
    expect(attempts.filter((c) => c.status === 200)).toHaveLength(3);
    const values = data().map((d) => d.Value as number);
    expect(values).toHaveLength(3000);
    expect(new Set(values).size).toBe(3000);
    expect(await metricValue(set, 'tributary_exporter_retries_total', { reason: 'throttled' })).toBe(4);
    expect(await metricValue(set, 'tributary_cloudwatch_datums_sent_total', { namespace: 'Test' })).toBe(3000);
    expect(await metricValue(set, 'otelcol_exporter_send_failed_metric_points_total', {})).toBe(0);
  });

  it('drops a request CloudWatch refuses for good, counting it under the AWS error code', async () => {
    cw.script('PutMetricData', { status: 403, code: 'InvalidClientTokenId', message: 'The security token included in the request is invalid.' });
    const { set } = await send({}, batchOf([gauge('g', 1)]));
    expect(cw.calls.filter((c) => c.operation === 'PutMetricData')).toHaveLength(1);
    expect(await metricValue(set, 'otelcol_exporter_send_failed_metric_points_total', { reason: 'InvalidClientTokenId' })).toBe(1);
  });

  it('reports an error body the SDK cannot read (XML from a proxy or emulator) by its code and message', async () => {
    const xml = '<?xml version="1.0"?><ErrorResponse><Error><Code>SignatureDoesNotMatch</Code><Message>The request signature we calculated does not match</Message></Error></ErrorResponse>';
    cw.script('PutMetricData', { status: 403, raw: { contentType: 'text/xml', body: xml } });
    const { set } = await send({}, batchOf([gauge('g', 1)]));
    expect(await metricValue(set, 'otelcol_exporter_send_failed_metric_points_total', { reason: 'SignatureDoesNotMatch' })).toBe(1);
  });

  it('splits a request refused for an invalid parameter, so the valid data still go', async () => {
    cw.script('PutMetricData', { status: 400, code: 'InvalidParameterValue', message: 'bad' }, { status: 400, code: 'InvalidParameterValue', message: 'bad' });
    const m = numberMetric({ name: 'g', points: Array.from({ length: 4 }, (_, i) => ({ value: i, timeMs: NOW, attrs: { i: String(i) } })) });
    const { set } = await send({}, batchOf([m]));
    // [0..3] refused, [0,1] refused, then 0 and 1 alone and [2,3] succeed.
    expect(data().map((d) => d.Value)).toEqual([0, 1, 2, 3]);
    expect(await metricValue(set, 'tributary_exporter_retries_total', { reason: 'split_InvalidParameterValue' })).toBe(2);
  });

  it('gzips request bodies of 10 KiB and more', async () => {
    const m = numberMetric({ name: 'g', points: Array.from({ length: 200 }, (_, i) => ({ value: i, timeMs: NOW, attrs: { i: String(i), host: 'a-rather-long-host-name.example' } })) });
    await send({}, batchOf([m]));
    const [c] = cw.calls;
    expect(c.headers['content-encoding']).toBe('gzip');
    expect(c.raw.length).toBeLessThan(JSON.stringify(c.input).length / 3);
    expect(c.validated?.ok).toBe(true);
  });

  it('refuses a batch with a retryable error while the send queue is full', async () => {
    const s = await start({ sending_queue: { queue_size: 1, num_consumers: 1 }, max_requests_per_second: 1 });
    const b = (ns: string): MetricBatch => batchOf([gauge('g', 1, { 'cloudwatch.namespace': ns })]);
    await s.exp.consume(b('A'), EMPTY_CONTEXT); // taken by the sender at once
    await new Promise((r) => setTimeout(r, 50));
    await s.exp.consume(b('B'), EMPTY_CONTEXT); // waits for the rate budget
    await s.exp.consume(b('C'), EMPTY_CONTEXT); // queued
    await expect(s.exp.consume(b('D'), EMPTY_CONTEXT)).rejects.toMatchObject({ code: 'TRIB_ERR_QUEUE_FULL', retryable: true });
    await s.exp.shutdown();
  });
});

describe('awscloudwatchmetrics: cost', () => {
  it('counts metric combinations per namespace and caps new ones', async () => {
    const m = numberMetric({ name: 'g', points: Array.from({ length: 5 }, (_, i) => ({ value: i, timeMs: NOW, attrs: { i: String(i) } })) });
    const { set } = await send({ max_metrics_per_namespace: 3 }, batchOf([m]), batchOf([m]));
    expect(data().map((d) => d.Value)).toEqual([0, 1, 2, 0, 1, 2]);
    expect(await metricValue(set, 'tributary_cloudwatch_metric_combinations', { namespace: 'Test' })).toBe(3);
    expect(await metricValue(set, 'tributary_cloudwatch_combinations_refused_total', { namespace: 'Test' })).toBe(4);
  });

  it('sends one datum per dimension set: rollups multiply what CloudWatch bills', async () => {
    const { set } = await send({ dimension_rollup_option: 'ZeroAndSingleDimensionRollup' }, batchOf([gauge('g', 1, { a: '1', b: '2' })]));
    expect(data().map((d) => (d.Dimensions as { Name: string }[] | undefined)?.map((x) => x.Name) ?? [])).toEqual([['a', 'b'], [], ['a'], ['b']]);
    expect(await metricValue(set, 'tributary_cloudwatch_metric_combinations', { namespace: 'Test' })).toBe(4);
  });
});

