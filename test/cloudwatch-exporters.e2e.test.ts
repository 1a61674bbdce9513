import { join } from 'node:path';
import { CloudWatchClient, GetMetricDataCommand, GetMetricStatisticsCommand, ListMetricsCommand, type Datapoint } from '@aws-sdk/client-cloudwatch';
import { CloudWatchLogsClient, DescribeLogGroupsCommand, GetLogEventsCommand } from '@aws-sdk/client-cloudwatch-logs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { emfProblems } from '../src/test-kit/emf-check.js';
import { type AwsPeers, type UserWithRole, startAwsPeers } from './kit/aws-peers.js';
import { type GatewayProcess, startGateway, tempDir } from './kit/gateway.js';
import { freePorts, waitUntil } from './kit/ports.js';
import { type RecordingProxy, startRecordingProxy } from './kit/recording-proxy.js';
import { sdkClient } from './kit/sdk-client.js';

/**
 * The CloudWatch exporters in the built gateway against moto's CloudWatch
 * and CloudWatch Logs with IAM and signature checking on (test/kit/aws-
 * peers.ts): what they send is read back with GetMetricData,
 * GetMetricStatistics, ListMetrics and GetLogEvents. Credentials are those
 * of a moto IAM user: awscloudwatchmetrics takes them from the default
 * chain (environment) and assumes a role with an external id through
 * moto's STS; awsemf gets them from a sigv4auth extension doing the same.
 * moto does not keep StorageResolution, so high resolution is shown twice:
 * on the wire (a recording proxy in front of moto) and by values read back
 * one second apart.
 */

const REGION = 'us-east-1';
const EXTERNAL_ID = 'tributary-cw-e2e';
/** moto names CloudWatch actions by the signing name (monitoring:), AWS by the service prefix (cloudwatch:); the role allows both. */
const MOTO_CLOUDWATCH_ACTION = 'monitoring:PutMetricData';

let aws: AwsPeers;
let iam: UserWithRole;
let dir: string;
let cw: CloudWatchClient;
let logs: CloudWatchLogsClient;

beforeAll(async () => {
  aws = await startAwsPeers();
  iam = await aws.createUserWithRole({ externalId: EXTERNAL_ID, roleActions: ['cloudwatch:PutMetricData', 'logs:*', MOTO_CLOUDWATCH_ACTION] });
  dir = await tempDir('tributary-cw-e2e-');
  const admin = { region: REGION, endpoint: aws.motoUrl, credentials: { accessKeyId: aws.admin.accessKeyId, secretAccessKey: aws.admin.secretAccessKey } };
  cw = new CloudWatchClient(admin);
  logs = new CloudWatchLogsClient(admin);
});

afterAll(async () => {
  cw?.destroy();
  logs?.destroy();
  await aws?.stop();
});

/** The gateway's environment: the IAM user's keys, moto's STS, nothing from this machine. */
function gatewayEnv(secret = iam.user.secretAccessKey): Record<string, string> {
  return {
    AWS_ACCESS_KEY_ID: iam.user.accessKeyId,
    AWS_SECRET_ACCESS_KEY: secret,
    AWS_SESSION_TOKEN: '',
    AWS_PROFILE: '',
    AWS_REGION: REGION,
    AWS_ENDPOINT_URL_STS: aws.motoUrl,
    AWS_EC2_METADATA_DISABLED: 'true',
    AWS_SHARED_CREDENTIALS_FILE: join(dir, 'none-credentials'),
    AWS_CONFIG_FILE: join(dir, 'none-config'),
  };
}

async function gatewayWith(exporters: string, pipelineExporters: string, extra = ''): Promise<{ gw: GatewayProcess; otlp: string; grpc: string; metrics: string }> {
  const [http, grpc, tel] = await freePorts(3);
  const gw = await startGateway(
    `
receivers:
  otlp:
    protocols:
      http: {endpoint: "127.0.0.1:${http}"}
      grpc: {endpoint: "127.0.0.1:${grpc}"}
exporters:
${exporters}
${extra}
service:
  telemetry: {metrics: {address: "127.0.0.1:${tel}"}}
  ${extra.includes('extensions:') ? 'extensions: [sigv4auth]' : ''}
  pipelines:
    metrics: {receivers: [otlp], exporters: [${pipelineExporters}]}
`,
    { env: gatewayEnv() },
  );
  return { gw, otlp: `http://127.0.0.1:${http}/v1/metrics`, grpc: `127.0.0.1:${grpc}`, metrics: `http://127.0.0.1:${tel}/metrics` };
}

const kv = (o: Record<string, string | number>) => Object.entries(o).map(([key, v]) => ({ key, value: typeof v === 'number' ? { intValue: String(v) } : { stringValue: v } }));
const ns = (ms: number): string => (BigInt(ms) * 1_000_000n).toString();

async function postOtlp(url: string, metrics: object[]): Promise<void> {
  const body = { resourceMetrics: [{ resource: { attributes: kv({ 'service.name': 'e2e' }) }, scopeMetrics: [{ scope: { name: 'e2e' }, metrics }] }] };
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  expect(res.status).toBe(200);
}

async function datapoints(namespace: string, metric: string, dims: Record<string, string>, t: number, period: number, unit?: string): Promise<Datapoint[]> {
  const out = await cw.send(
    new GetMetricStatisticsCommand({
      Namespace: namespace,
      MetricName: metric,
      Dimensions: Object.entries(dims).map(([Name, Value]) => ({ Name, Value })),
      StartTime: new Date(t - 600_000),
      EndTime: new Date(t + 600_000),
      Period: period,
      Statistics: ['Sum', 'SampleCount', 'Minimum', 'Maximum', 'Average'],
      ...(unit === undefined ? {} : { Unit: unit as never }),
    }),
  );
  return (out.Datapoints ?? []).sort((a, b) => a.Timestamp!.getTime() - b.Timestamp!.getTime());
}

async function selfMetric(url: string, pattern: RegExp): Promise<number> {
  const text = await (await fetch(url)).text();
  const line = text.split('\n').find((l) => pattern.test(l));
  return line === undefined ? 0 : Number(line.slice(line.lastIndexOf(' ') + 1));
}

describe('awscloudwatchmetrics -> moto (default chain, assumed role with external id)', () => {
  let g: Awaited<ReturnType<typeof gatewayWith>>;
  let proxy: RecordingProxy;
  const T = Math.floor(Date.now() / 1000) * 1000 - 30_000;

  beforeAll(async () => {
    proxy = await startRecordingProxy(aws.motoUrl);
    g = await gatewayWith(
      `  awscloudwatchmetrics:
    region: ${REGION}
    endpoint: ${proxy.url}
    role_arn: ${iam.role.arn}
    external_id: ${EXTERNAL_ID}
    namespace: E2E/PMD`,
      'awscloudwatchmetrics',
    );
    await postOtlp(g.otlp, [
      { name: 'queue.depth', unit: 'ms', gauge: { dataPoints: [{ attributes: kv({ queue: 'orders' }), timeUnixNano: ns(T), asDouble: 42 }] } },
      {
        name: 'fast.gauge',
        unit: '%',
        gauge: { dataPoints: [0, 1, 2].map((k) => ({ attributes: kv({ host: 'h1', 'cloudwatch.storage_resolution': 1 }), timeUnixNano: ns(T + k * 1000), asDouble: 10 + k })) },
      },
      { name: 'latency', unit: 'ms', histogram: { aggregationTemporality: 1, dataPoints: [{ attributes: kv({ route: '/cart' }), timeUnixNano: ns(T), count: '4', sum: 250, min: 4, max: 150, bucketCounts: ['1', '2', '1'], explicitBounds: [10, 100] }] } },
      { name: 'payload', unit: 'By', exponentialHistogram: { aggregationTemporality: 1, dataPoints: [{ timeUnixNano: ns(T), count: '6', sum: 42, scale: 0, zeroCount: '1', positive: { offset: 1, bucketCounts: ['2', '0', '3'] }, min: 0, max: 15 }] } },
    ]);
    await waitUntil(async () => (await datapoints('E2E/PMD', 'payload', {}, T, 60)).length > 0, 'the data in moto', 20_000, 200);
  });

  afterAll(async () => {
    expect(await g?.gw.stop()).toBe(0);
    await proxy?.close();
  });

  it('is read back with its value, unit and dimensions', async () => {
    const [dp] = await datapoints('E2E/PMD', 'queue.depth', { queue: 'orders' }, T, 60, 'Milliseconds');
    expect(dp).toMatchObject({ Average: 42, SampleCount: 1, Unit: 'Milliseconds' });
    const listed = await cw.send(new ListMetricsCommand({ Namespace: 'E2E/PMD', MetricName: 'queue.depth' }));
    expect(listed.Metrics?.map((m) => m.Dimensions)).toEqual([[{ Name: 'queue', Value: 'orders' }]]);
    const data = await cw.send(
      new GetMetricDataCommand({
        StartTime: new Date(T - 600_000),
        EndTime: new Date(T + 600_000),
        MetricDataQueries: [{ Id: 'q', MetricStat: { Metric: { Namespace: 'E2E/PMD', MetricName: 'queue.depth', Dimensions: [{ Name: 'queue', Value: 'orders' }] }, Period: 60, Stat: 'Maximum', Unit: 'Milliseconds' } }],
      }),
    );
    expect(data.MetricDataResults?.[0].Values).toEqual([42]);
  });

  it('keeps high resolution: StorageResolution 1 on the wire, values one second apart read back per second', async () => {
    const sent = proxy.requests.flatMap((r) => (JSON.parse(r.body.toString()) as { MetricData?: Record<string, unknown>[] }).MetricData ?? []);
    const fast = sent.filter((d) => d.MetricName === 'fast.gauge');
    expect(fast.map((d) => d.StorageResolution)).toEqual([1, 1, 1]);
    expect(fast[0].Dimensions).toEqual([{ Name: 'host', Value: 'h1' }]); // the resolution attribute is not a dimension
    const data = await cw.send(
      new GetMetricDataCommand({
        StartTime: new Date(T - 10_000),
        EndTime: new Date(T + 10_000),
        ScanBy: 'TimestampAscending',
        MetricDataQueries: [{ Id: 'f', MetricStat: { Metric: { Namespace: 'E2E/PMD', MetricName: 'fast.gauge', Dimensions: [{ Name: 'host', Value: 'h1' }] }, Period: 1, Stat: 'Maximum', Unit: 'Percent' } }],
      }),
    );
    expect(data.MetricDataResults?.[0].Values).toEqual([10, 11, 12]);
    expect(data.MetricDataResults?.[0].Timestamps?.map((d) => d.getTime())).toEqual([T, T + 1000, T + 2000]);
  });

  it('sends a histogram as statistics and an exponential histogram as values with counts', async () => {
    const [h] = await datapoints('E2E/PMD', 'latency', { route: '/cart' }, T, 60, 'Milliseconds');
    expect(h).toMatchObject({ SampleCount: 4, Sum: 250, Minimum: 4, Maximum: 150 });
    const [e] = await datapoints('E2E/PMD', 'payload', {}, T, 60, 'Bytes');
    // scale 0: the zero bucket (0), (2, 4] x2 -> 3, (8, 16] x3 -> 12
    expect(e).toMatchObject({ SampleCount: 6, Sum: 42, Minimum: 0, Maximum: 12 });
  });

  it('sent every request signed with the assumed role\'s session, gzip-compressed where large', async () => {
    expect(proxy.requests.length).toBeGreaterThan(0);
    for (const r of proxy.requests) {
      expect(r.status).toBe(200);
      expect(String(r.headers.authorization)).toMatch(/Credential=[A-Z0-9]+\/\d{8}\/us-east-1\/monitoring\/aws4_request/);
      expect(r.headers['x-amz-security-token']).toBeDefined(); // temporary credentials from AssumeRole
    }
  });
});

describe('a wrong secret', () => {
  it('is refused by moto, and the gateway reports a permanent error with AWS\'s code', async () => {
    const [http, tel] = await freePorts(2);
    const gw = await startGateway(
      `
receivers:
  otlp: {protocols: {http: {endpoint: "127.0.0.1:${http}"}}}
exporters:
  awscloudwatchmetrics/bad: {region: ${REGION}, endpoint: ${aws.motoUrl}, namespace: E2E/Bad}
service:
  telemetry: {metrics: {address: "127.0.0.1:${tel}"}}
  pipelines:
    metrics: {receivers: [otlp], exporters: [awscloudwatchmetrics/bad]}
`,
      { env: gatewayEnv('not-the-secret') },
    );
    try {
      const t = Date.now();
      await postOtlp(`http://127.0.0.1:${http}/v1/metrics`, [{ name: 'g', gauge: { dataPoints: [{ timeUnixNano: ns(t), asDouble: 1 }] } }]);
      const metrics = `http://127.0.0.1:${tel}/metrics`;
      await waitUntil(async () => (await selfMetric(metrics, /^otelcol_exporter_send_failed_metric_points_total\{.*reason="SignatureDoesNotMatch"/)) === 1, 'the permanent failure to be counted', 20_000, 200);
      expect(gw.logs()).toMatch(/"reason":"SignatureDoesNotMatch".*PutMetricData request dropped/);
      expect(gw.logs()).toContain('The request signature we calculated does not match the signature you provided');
      expect(await selfMetric(metrics, /^tributary_exporter_retries_total\{/)).toBe(0);
      expect(gw.logs()).not.toContain('not-the-secret');
    } finally {
      expect(await gw.stop(), gw.logs()).toBe(0);
    }
  });
});

describe('OpenTelemetry SDK cumulative counters -> awscloudwatchmetrics -> moto', () => {
  it('arrive as the increase of each period', async () => {
    const g = await gatewayWith(
      `  awscloudwatchmetrics:
    region: ${REGION}
    endpoint: ${aws.motoUrl}
    role_arn: ${iam.role.arn}
    external_id: ${EXTERNAL_ID}
    namespace: E2E/SDK
    storage_resolution: 1
    metric_declarations:
      - dimensions: [[http.route]]
        metric_name_selectors: ['^orders\\.placed$']`,
      'awscloudwatchmetrics',
    );
    try {
      const client = sdkClient({ protocol: 'grpc', endpoint: g.grpc, temporality: 'cumulative', runId: 'cw-sdk' });
      const counter = client.provider.getMeter('e2e').createCounter('orders.placed', { unit: '{order}' });
      const adds = [5, 3, 7];
      const t0 = Date.now();
      for (const [k, n] of adds.entries()) {
        counter.add(n, { 'http.route': '/checkout' });
        counter.add(1, { 'http.route': '/other' });
        await client.flush();
        if (k + 1 < adds.length) await new Promise((r) => setTimeout(r, 1100)); // the next export falls in the next second
      }
      await client.shutdown();
      expect(client.tee.exported.every((e) => e.ok)).toBe(true);
      let dps: Datapoint[] = [];
      await waitUntil(async () => (dps = await datapoints('E2E/SDK', 'orders.placed', { 'http.route': '/checkout' }, t0, 1)).length >= adds.length, 'three periods in moto', 20_000, 200);
      expect(dps.map((d) => d.Sum)).toEqual(adds);
      expect(dps.map((d) => d.Unit)).toEqual(['Count', 'Count', 'Count']);
      const other = await datapoints('E2E/SDK', 'orders.placed', { 'http.route': '/other' }, t0, 1);
      expect(other.map((d) => d.Sum)).toEqual([1, 1, 1]);
    } finally {
      expect(await g.gw.stop(), g.gw.logs()).toBe(0);
    }
  });
});

describe('awsemf -> moto CloudWatch Logs (sigv4auth extension)', () => {
  it('creates the log group with its retention and the stream, and the events read back are valid EMF with the values', async () => {
    const g = await gatewayWith(
      `  awsemf:
    region: ${REGION}
    endpoint: ${aws.motoUrl}
    auth: {authenticator: sigv4auth}
    namespace: E2E/EMF
    log_group_name: /e2e/emf
    log_stream_name: gateway-1
    log_retention: 7
    metric_declarations:
      - dimensions: [[queue]]
        metric_name_selectors: ['^queue\\.']`,
      'awsemf',
      `extensions:
  sigv4auth:
    region: ${REGION}
    service: logs
    sts_endpoint: ${aws.motoUrl}
    assume_role: {arn: "${iam.role.arn}", external_id: ${EXTERNAL_ID}}`,
    );
    try {
      const t = Math.floor(Date.now() / 1000) * 1000 - 5000;
      await postOtlp(g.otlp, [
        { name: 'queue.depth', unit: 'ms', gauge: { dataPoints: [{ attributes: kv({ queue: 'orders', pod: 'p1' }), timeUnixNano: ns(t), asDouble: 42 }] } },
        { name: 'queue.age', unit: 's', gauge: { dataPoints: [{ attributes: kv({ queue: 'orders', pod: 'p1' }), timeUnixNano: ns(t), asDouble: 3 }] } },
        { name: 'latency', unit: 'ms', histogram: { aggregationTemporality: 1, dataPoints: [{ attributes: kv({ queue: 'orders' }), timeUnixNano: ns(t), count: '2', sum: 30, min: 5, max: 25, bucketCounts: ['1', '1'], explicitBounds: [10] }] } },
      ]);
      let messages: { timestamp?: number; message?: string }[] = [];
      await waitUntil(async () => {
        messages = (await logs.send(new GetLogEventsCommand({ logGroupName: '/e2e/emf', logStreamName: 'gateway-1', startFromHead: true }))).events ?? [];
        return messages.length > 0;
      }, 'EMF events in moto', 20_000, 200);
      expect(messages).toHaveLength(1);
      expect(emfProblems(messages[0].message!)).toEqual([]);
      const doc = JSON.parse(messages[0].message!);
      expect(messages[0].timestamp).toBe(t);
      expect(doc).toEqual({
        queue: 'orders',
        pod: 'p1',
        'queue.depth': 42,
        'queue.age': 3,
        _aws: { Timestamp: t, CloudWatchMetrics: [{ Namespace: 'E2E/EMF', Dimensions: [['queue']], Metrics: [{ Name: 'queue.depth', Unit: 'Milliseconds' }, { Name: 'queue.age', Unit: 'Seconds' }] }] },
      });
      const groups = await logs.send(new DescribeLogGroupsCommand({ logGroupNamePrefix: '/e2e/emf' }));
      expect(groups.logGroups?.map((l) => [l.logGroupName, l.retentionInDays])).toEqual([['/e2e/emf', 7]]);
      expect(await selfMetric(g.metrics, /^tributary_dropped_metric_points_total\{.*reason="not_declared"/)).toBe(1);
    } finally {
      expect(await g.gw.stop(), g.gw.logs()).toBe(0);
    }
  });
});
