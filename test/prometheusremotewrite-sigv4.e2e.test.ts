import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AwsPeers, startAwsPeers } from './kit/aws-peers.js';
import { startGateway, tempDir } from './kit/gateway.js';
import { gaugeRequestOf, postOtlp } from './kit/otlp-send.js';
import { freePorts, waitUntil } from './kit/ports.js';
import { parsePromText, sampleValue } from './kit/prom-text.js';
import { type PrometheusPeer, startPrometheus } from './kit/prometheus.js';

/**
 * SigV4 on the remote-write path: every request the receiver gets carries
 * a signature an independent implementation (botocore, in the verifying
 * proxy in front of Prometheus) accepts, for static keys, a named profile
 * and a role assumed from moto's STS; with a wrong secret the verifier
 * rejects it and the gateway reports a permanent error.
 */

let prom: PrometheusPeer;
let aws: AwsPeers;
const STATIC = { accessKeyId: 'AKIATRIBUTARYSTATIC1', secretAccessKey: 'staticsecretstaticsecretstaticsecret0001' };
/** Variables that would let the AWS chain find credentials we did not intend. */
const CLEAN_AWS = { AWS_ACCESS_KEY_ID: '', AWS_SECRET_ACCESS_KEY: '', AWS_SESSION_TOKEN: '', AWS_PROFILE: '', AWS_REGION: 'us-east-1', AWS_EC2_METADATA_DISABLED: 'true' };

beforeAll(async () => {
  prom = await startPrometheus();
  aws = await startAwsPeers({ upstream: prom.url, staticKeys: [STATIC] });
});

afterAll(async () => {
  await aws?.stop();
  await prom?.stop();
});

async function run(name: string, env: Record<string, string>, sigv4: string): Promise<{ telemetry: string; code: number | null }> {
  const [http, tel] = await freePorts(2);
  const gw = await startGateway(
    `
receivers:
  otlp: {protocols: {http: {endpoint: "127.0.0.1:${http}"}}}
exporters:
  prometheusremotewrite:
    endpoint: ${aws.verifierUrl}/api/v1/write
    auth: {authenticator: sigv4auth}
    retry_on_failure: {initial_interval: 100ms, max_interval: 500ms}
extensions:
  sigv4auth: ${sigv4}
service:
  extensions: [sigv4auth]
  telemetry: {metrics: {address: "127.0.0.1:${tel}"}}
  pipelines:
    metrics: {receivers: [otlp], exporters: [prometheusremotewrite]}
`,
    { env: { ...CLEAN_AWS, ...env } },
  );
  try {
    expect(await postOtlp(`http://127.0.0.1:${http}/v1/metrics`, gaugeRequestOf([{ name, value: 42, timeMs: Date.now() }]))).toBe(200);
    let telemetry = '';
    await waitUntil(async () => {
      telemetry = await (await fetch(`http://127.0.0.1:${tel}/metrics`)).text();
      const s = parsePromText(telemetry);
      return (sampleValue(s, 'otelcol_exporter_sent_metric_points_total', { exporter: 'prometheusremotewrite' }) ?? 0) > 0 || s.some((x) => x.name === 'otelcol_exporter_send_failed_metric_points_total');
    }, 'the export to finish', 30_000, 200);
    return { telemetry, code: await gw.stop() };
  } catch (err) {
    await gw.stop();
    throw err;
  }
}

async function expectArrived(name: string): Promise<void> {
  await waitUntil(async () => (await prom.query(name)).length === 1, `${name} in Prometheus`, 20_000, 200);
}

describe('SigV4-signed remote write', () => {
  it('static keys from the environment: every request verified', async () => {
    await aws.resetStats();
    const r = await run('sigv4_static', { AWS_ACCESS_KEY_ID: STATIC.accessKeyId, AWS_SECRET_ACCESS_KEY: STATIC.secretAccessKey }, '{region: us-east-1, service: aps}');
    expect(r.code).toBe(0);
    await expectArrived('sigv4_static');
    const stats = await aws.stats();
    expect(stats.rejected).toBe(0);
    expect(stats.byAccessKey[STATIC.accessKeyId].verified).toBeGreaterThan(0);
    expect(stats.recent.every((o) => o.service === 'aps' && o.region === 'us-east-1' && o.payloadHash === 'header')).toBe(true);
  });

  it('a named profile from the shared files', async () => {
    await aws.resetStats();
    const dir = await tempDir();
    await writeFile(join(dir, 'credentials'), `[default]\naws_access_key_id = AKIAWRONGWRONGWRONG0\naws_secret_access_key = nope\n\n[amp]\naws_access_key_id = ${STATIC.accessKeyId}\naws_secret_access_key = ${STATIC.secretAccessKey}\n`);
    await writeFile(join(dir, 'config'), '[profile amp]\nregion = us-east-1\n');
    const r = await run('sigv4_profile', { AWS_SHARED_CREDENTIALS_FILE: join(dir, 'credentials'), AWS_CONFIG_FILE: join(dir, 'config') }, '{region: us-east-1, service: aps, profile: amp}');
    expect(r.code).toBe(0);
    await expectArrived('sigv4_profile');
    const stats = await aws.stats();
    expect(stats.rejected).toBe(0);
    expect(stats.byAccessKey[STATIC.accessKeyId].verified).toBeGreaterThan(0);
  });

  it('a role assumed from STS', async () => {
    const { user, role } = await aws.createUserWithRole({ userName: 'amp-writer', roleName: 'amp-remote-write', externalId: 'ext-1' });
    await aws.resetStats();
    const r = await run(
      'sigv4_role',
      { AWS_ACCESS_KEY_ID: user.accessKeyId, AWS_SECRET_ACCESS_KEY: user.secretAccessKey },
      `{region: us-east-1, service: aps, sts_endpoint: "${aws.motoUrl}", assume_role: {arn: "${role.arn}", external_id: ext-1, sts_region: us-east-1}}`,
    );
    expect(r.code).toBe(0);
    await expectArrived('sigv4_role');
    const stats = await aws.stats();
    expect(stats.rejected).toBe(0);
    const remoteWrites = stats.recent.filter((o) => o.path === '/api/v1/write');
    expect(remoteWrites.length).toBeGreaterThan(0);
    expect(remoteWrites.every((o) => o.outcome === 'verified' && o.keyKind === 'sts')).toBe(true);
  });

  it('a wrong secret: the verifier rejects, the gateway reports a permanent error and does not retry', async () => {
    await aws.resetStats();
    const r = await run('sigv4_wrong', { AWS_ACCESS_KEY_ID: STATIC.accessKeyId, AWS_SECRET_ACCESS_KEY: 'not-the-secret-not-the-secret-not-the-s' }, '{region: us-east-1, service: aps}');
    expect(r.code).toBe(0);
    const s = parsePromText(r.telemetry);
    expect(sampleValue(s, 'otelcol_exporter_send_failed_metric_points_total', { exporter: 'prometheusremotewrite', reason: 'http_403' })).toBe(1);
    const stats = await aws.stats();
    expect(stats.verified).toBe(0);
    expect(stats.rejected).toBe(1);
    expect(stats.lastRejection?.code).toBe('SignatureDoesNotMatch');
    expect(await prom.query('sigv4_wrong')).toEqual([]);
  });
});

describe('embedded default with AWS_PROMETHEUS_ENDPOINT', () => {
  it('sends to the endpoint through sigv4auth with no --config', async () => {
    await aws.resetStats();
    const [grpc, http, prom8889, hc, tel] = await freePorts(5);
    const gw = await startGateway(undefined, {
      env: { ...CLEAN_AWS, AWS_ACCESS_KEY_ID: STATIC.accessKeyId, AWS_SECRET_ACCESS_KEY: STATIC.secretAccessKey, AWS_REGION: 'us-east-1', AWS_PROMETHEUS_ENDPOINT: `${aws.verifierUrl}/api/v1/write` },
      args: [
        `--set=receivers::otlp::protocols::grpc::endpoint=127.0.0.1:${grpc}`,
        `--set=receivers::otlp::protocols::http::endpoint=127.0.0.1:${http}`,
        `--set=exporters::prometheus::endpoint=127.0.0.1:${prom8889}`,
        `--set=extensions::health_check::endpoint=127.0.0.1:${hc}`,
        `--set=service::telemetry::metrics::address=127.0.0.1:${tel}`,
        '--set=processors::batch::timeout=50ms',
      ],
    });
    try {
      expect(await postOtlp(`http://127.0.0.1:${http}/v1/metrics`, gaugeRequestOf([{ name: 'sigv4_default', value: 7, timeMs: Date.now() }]))).toBe(200);
      await expectArrived('sigv4_default');
      const stats = await aws.stats();
      expect(stats.rejected).toBe(0);
      expect(stats.byAccessKey[STATIC.accessKeyId].verified).toBeGreaterThan(0);
    } finally {
      expect(await gw.stop(), gw.logs()).toBe(0);
    }
  });
});
