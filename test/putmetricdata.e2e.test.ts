import { spawnSync } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { CloudWatchClient, PutMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import { AwsJson1_0Protocol, AwsQueryProtocol, AwsSmithyRpcV2CborProtocol } from '@aws-sdk/core/protocols';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type GatewayProcess, startGateway, tempDir } from './kit/gateway.js';
import { freePorts, waitUntil } from './kit/ports.js';

/**
 * The putmetricdata receiver in the built gateway, fed by the real clients:
 * the AWS CLI (`aws cloudwatch put-metric-data`, which speaks AWS JSON 1.0)
 * and the AWS SDK for JavaScript in each of CloudWatch's three protocols.
 * Data lands in the file exporter with the key's attributes; bad keys,
 * wrong secrets and stale signatures get the codes AWS answers with, as
 * the clients surface them. A key added to the credentials file works
 * without a restart.
 */

const PARIS = { id: 'AKIDPARIS0001', secret: 'paris/secret+1', site: 'paris', account: '111122223333' };
const LYON = { id: 'AKIDLYON0001', secret: 'lyon-secret-1', site: 'lyon', account: '444455556666' };
const NICE = { id: 'AKIDNICE0001', secret: 'nice-secret-1', site: 'nice', account: '777788889999' };

let gw: GatewayProcess;
let endpoint: string;
let outFile: string;
let keysFile: string;

const keyYaml = (k: typeof LYON) => `- access_key_id: ${k.id}\n  secret_access_key: "${k.secret}"\n  attributes: {site: ${k.site}, account: "${k.account}"}\n`;

beforeAll(async () => {
  const [p, hc] = await freePorts(2);
  endpoint = `http://127.0.0.1:${p}`;
  const dir = await tempDir('tributary-pmd-');
  keysFile = join(dir, 'keys.yaml');
  await writeFile(keysFile, keyYaml(LYON));
  gw = await startGateway(
    `
receivers:
  putmetricdata:
    endpoint: "127.0.0.1:${p}"
    region: eu-west-1
    credentials:
      - access_key_id: ${PARIS.id}
        secret_access_key: "${PARIS.secret}"
        attributes: {site: ${PARIS.site}, account: "${PARIS.account}"}
    credentials_file: ./keys.yaml
    credentials_reload_interval: 200ms
exporters:
  file: {path: ./out.jsonl}
extensions:
  health_check: {endpoint: "127.0.0.1:${hc}"}
service:
  extensions: [health_check]
  pipelines:
    metrics: {receivers: [putmetricdata], exporters: [file]}
`,
    { readyUrl: `http://127.0.0.1:${hc}/`, dir },
  );
  outFile = join(gw.dir, 'out.jsonl');
});

afterAll(async () => {
  const logs = gw?.logs() ?? '';
  expect(await gw?.stop()).toBe(0);
  for (const k of [PARIS, LYON, NICE]) expect(logs).not.toContain(k.secret);
});

interface Point {
  readonly metric: string;
  readonly unit: string;
  readonly kind: 'gauge' | 'summary';
  readonly attributes: Record<string, string>;
  readonly value?: number;
  readonly count?: number;
  readonly sum?: number;
  readonly quantiles?: Record<string, number>;
  readonly metadata: Record<string, string>;
}

interface OtlpKv {
  key: string;
  value: { stringValue?: string; intValue?: string };
}
const kv = (l: OtlpKv[] | undefined): Record<string, string> => Object.fromEntries((l ?? []).map((a) => [a.key, a.value.stringValue ?? a.value.intValue ?? '']));

/** Every point the file exporter wrote for a namespace. */
async function arrived(namespace: string): Promise<Point[]> {
  const text = await readFile(outFile, 'utf8').catch(() => '');
  const out: Point[] = [];
  for (const line of text.split('\n')) {
    if (line === '') continue;
    for (const rm of JSON.parse(line).resourceMetrics) {
      for (const sm of rm.scopeMetrics) {
        for (const m of sm.metrics) {
          const kind = m.gauge !== undefined ? 'gauge' : 'summary';
          for (const dp of (m.gauge ?? m.summary).dataPoints) {
            const attributes = kv(dp.attributes);
            if (attributes['cloudwatch.namespace'] !== namespace) continue;
            const quantiles = Object.fromEntries(((dp.quantileValues ?? []) as { quantile?: number; value: number }[]).map((q) => [String(q.quantile ?? 0), q.value]));
            out.push({ metric: m.name, unit: m.unit ?? '', kind, attributes, value: dp.asDouble, count: dp.count === undefined ? undefined : Number(dp.count), sum: dp.sum, quantiles, metadata: kv(m.metadata) });
          }
        }
      }
    }
  }
  return out;
}

async function waitForPoints(namespace: string, n: number): Promise<Point[]> {
  let points: Point[] = [];
  await waitUntil(async () => (points = await arrived(namespace)).length >= n, `${n} points in namespace ${namespace}`, 10_000);
  return points;
}

/**
 * The AWS CLI, isolated from this machine's AWS config. With `skewMinutes`
 * it runs under faketime, as on a machine whose clock is off (this works for
 * any CLI version, v1 with botocore or v2 with its own copy).
 */
function aws(args: string[], key: { id: string; secret: string }, opts: { skewMinutes?: number } = {}): { status: number | null; stdout: string; stderr: string } {
  const env: Record<string, string | undefined> = {
    ...process.env,
    AWS_ACCESS_KEY_ID: key.id,
    AWS_SECRET_ACCESS_KEY: key.secret,
    AWS_SESSION_TOKEN: undefined,
    AWS_PROFILE: undefined,
    AWS_DEFAULT_REGION: 'eu-west-1',
    AWS_CONFIG_FILE: '/dev/null',
    AWS_SHARED_CREDENTIALS_FILE: '/dev/null',
    AWS_EC2_METADATA_DISABLED: 'true',
    AWS_MAX_ATTEMPTS: '1',
    AWS_PAGER: '',
  };
  const cli = ['cloudwatch', ...args, '--endpoint-url', endpoint];
  const [cmd, argv] = opts.skewMinutes === undefined ? ['aws', cli] : ['faketime', ['-f', `${opts.skewMinutes >= 0 ? '+' : ''}${opts.skewMinutes}m`, 'aws', ...cli]];
  const r = spawnSync(cmd, argv, { env, encoding: 'utf8', timeout: 60_000 });
  if (r.error !== undefined) {
    const install = cmd === 'aws' ? '"apt-get install awscli" or "pip install awscli"' : '"apt-get install faketime"';
    throw new Error(`${cmd} is required for this test and could not be run (${r.error.message}); install it with ${install}`);
  }
  if (r.status === 127 && /aws: (command )?not found/.test(r.stderr)) throw new Error('the AWS CLI is required for this test; install it with "apt-get install awscli" or "pip install awscli"');
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('the AWS CLI (aws cloudwatch put-metric-data)', () => {
  it('sends a value with dimensions and high resolution; it arrives with the key\'s attributes', async () => {
    const r = aws(['put-metric-data', '--namespace', 'E2E/cli', '--metric-name', 'DiskFree', '--value', '73.5', '--unit', 'Percent', '--dimensions', 'Host=ws-17,Volume=C:', '--storage-resolution', '1'], PARIS);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const [p] = await waitForPoints('E2E/cli', 1);
    expect(p).toEqual({
      metric: 'DiskFree',
      unit: '%',
      kind: 'gauge',
      value: 73.5,
      attributes: { Host: 'ws-17', Volume: 'C:', 'cloudwatch.namespace': 'E2E/cli', site: 'paris', account: '111122223333' },
      metadata: { 'cloudwatch.storage_resolution': '1', 'cloudwatch.unit': 'Percent' },
      count: undefined,
      sum: undefined,
      quantiles: {},
    });
  });

  it('sends Values/Counts and StatisticValues', async () => {
    const data = [
      { MetricName: 'Latency', Unit: 'Milliseconds', Values: [10, 20, 40], Counts: [6, 3, 1], Dimensions: [{ Name: 'Api', Value: 'login' }] },
      { MetricName: 'Requests', Unit: 'Count', StatisticValues: { SampleCount: 5, Sum: 50, Minimum: 2, Maximum: 20 } },
    ];
    const r = aws(['put-metric-data', '--namespace', 'E2E/cli-dist', '--metric-data', JSON.stringify(data)], LYON);
    expect(r.stderr).toBe('');
    const points = await waitForPoints('E2E/cli-dist', 2);
    const lat = points.find((p) => p.metric === 'Latency')!;
    expect(lat).toMatchObject({ kind: 'summary', unit: 'ms', count: 10, sum: 160, quantiles: { '0': 10, '0.5': 10, '0.9': 20, '0.99': 40, '1': 40 } });
    expect(lat.attributes).toEqual({ Api: 'login', 'cloudwatch.namespace': 'E2E/cli-dist', site: 'lyon', account: '444455556666' });
    expect(points.find((p) => p.metric === 'Requests')).toMatchObject({ kind: 'summary', unit: '{count}', count: 5, sum: 50, quantiles: { '0': 2, '1': 20 } });
  });

  it('gets SignatureDoesNotMatch for a wrong secret, InvalidClientTokenId for an unknown key, and "Signature expired" for a stale clock', () => {
    const args = ['put-metric-data', '--namespace', 'E2E/cli-bad', '--metric-name', 'x', '--value', '1'];
    const wrong = aws(args, { id: PARIS.id, secret: 'guessed' });
    expect(wrong.status).not.toBe(0);
    expect(wrong.stderr).toMatch(/An error occurred \(SignatureDoesNotMatch\) when calling the PutMetricData operation.*: The request signature we calculated does not match/);
    const unknown = aws(args, { id: 'AKIDNOBODY000', secret: 'x' });
    expect(unknown.stderr).toMatch(/An error occurred \(InvalidClientTokenId\) when calling the PutMetricData operation.*: The security token included in the request is invalid\./);
    const stale = aws(args, PARIS, { skewMinutes: -20 });
    expect(stale.stderr).toMatch(/An error occurred \(SignatureDoesNotMatch\) when calling the PutMetricData operation.*: Signature expired: \d{8}T\d{6}Z is now earlier than/);
    const invalid = aws(['put-metric-data', '--namespace', 'AWS/EC2', '--metric-name', 'x', '--value', '1'], PARIS);
    expect(invalid.stderr).toMatch(/An error occurred \(InvalidParameterValue\) when calling the PutMetricData operation.*: The value AWS\/EC2 for parameter Namespace is invalid\./);
  });

  it('works with a key added to the credentials file, without a restart', async () => {
    await writeFile(keysFile, keyYaml(LYON) + keyYaml(NICE));
    await waitUntil(() => gw.logs().includes('"credentials file reloaded"'), 'the credentials file to be reloaded', 10_000);
    const r = aws(['put-metric-data', '--namespace', 'E2E/cli-reload', '--metric-name', 'm', '--value', '2'], NICE);
    expect(r.stderr).toBe('');
    const [p] = await waitForPoints('E2E/cli-reload', 1);
    expect(p.attributes).toMatchObject({ site: 'nice', account: '777788889999' });
  });
});

const PROTOCOLS = { query: AwsQueryProtocol, json: AwsJson1_0Protocol, cbor: AwsSmithyRpcV2CborProtocol } as const;

describe.each(Object.keys(PROTOCOLS) as (keyof typeof PROTOCOLS)[])('@aws-sdk/client-cloudwatch over %s', (protocol) => {
  const client = (key: { id: string; secret: string }, o: { systemClockOffset?: number } = {}) =>
    new CloudWatchClient({ endpoint, region: 'eu-west-1', credentials: { accessKeyId: key.id, secretAccessKey: key.secret }, maxAttempts: 1, protocol: PROTOCOLS[protocol], ...o });

  it('sends single values, Values/Counts, StatisticValues, dimensions and high-resolution data', async () => {
    const ns = `E2E/sdk-${protocol}`;
    const at = new Date(Date.now() - 30_000);
    await client(LYON).send(
      new PutMetricDataCommand({
        Namespace: ns,
        MetricData: [
          { MetricName: 'CPU', Value: 12.25, Unit: 'Percent', StorageResolution: 1, Timestamp: at, Dimensions: [{ Name: 'Host', Value: 'ws-1' }, { Name: 'site', Value: 'forged' }] },
          { MetricName: 'Latency', Values: [1, 2, 3], Counts: [1, 1, 2], Unit: 'Seconds' },
          { MetricName: 'Bytes', StatisticValues: { SampleCount: 2, Sum: 3072, Minimum: 1024, Maximum: 2048 }, Unit: 'Bytes' },
        ],
      }),
    );
    const points = await waitForPoints(ns, 3);
    const cpu = points.find((p) => p.metric === 'CPU')!;
    expect(cpu).toMatchObject({ kind: 'gauge', value: 12.25, unit: '%', metadata: { 'cloudwatch.storage_resolution': '1', 'cloudwatch.unit': 'Percent' } });
    // The key's site wins over a dimension trying to set it.
    expect(cpu.attributes).toEqual({ Host: 'ws-1', site: 'lyon', account: '444455556666', 'cloudwatch.namespace': ns });
    expect(points.find((p) => p.metric === 'Latency')).toMatchObject({ kind: 'summary', unit: 's', count: 4, sum: 9, quantiles: { '0': 1, '1': 3 } });
    expect(points.find((p) => p.metric === 'Bytes')).toMatchObject({ kind: 'summary', unit: 'By', count: 2, sum: 3072, quantiles: { '0': 1024, '1': 2048 } });
  });

  it('gets the AWS error codes for a wrong secret, an unknown key and a stale signature', async () => {
    const send = (c: CloudWatchClient) => c.send(new PutMetricDataCommand({ Namespace: 'E2E/sdk-bad', MetricData: [{ MetricName: 'm', Value: 1 }] })).then(() => undefined, (e: Error & { $metadata?: { httpStatusCode?: number } }) => e);
    const wrong = await send(client({ id: PARIS.id, secret: 'guessed' }));
    expect([wrong?.name, wrong?.$metadata?.httpStatusCode]).toEqual(['SignatureDoesNotMatch', 403]);
    const unknown = await send(client({ id: 'AKIDNOBODY000', secret: 'x' }));
    expect([unknown?.name, unknown?.$metadata?.httpStatusCode]).toEqual(['InvalidClientTokenId', 403]);
    const stale = await send(client(PARIS, { systemClockOffset: -20 * 60_000 }));
    expect([stale?.name, stale?.$metadata?.httpStatusCode]).toEqual(['SignatureDoesNotMatch', 403]);
    expect(stale?.message).toMatch(/^Signature expired: /);
    expect(await arrived('E2E/sdk-bad')).toEqual([]);
  });
});
