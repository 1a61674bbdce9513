import { spawn, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { type Server, createServer } from 'node:https';
import { join } from 'node:path';
import { PutObjectCommand, CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { PutParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AwsPeers, startAwsPeers } from './kit/aws-peers.js';
import { CLI, startGateway, tempDir } from './kit/gateway.js';
import { requireProgram } from './kit/peers.js';
import { freePorts } from './kit/ports.js';

/**
 * --config from where operators keep configs: SSM Parameter Store and S3
 * (moto with IAM and signature checks on), and HTTPS (a local server with a
 * certificate made here by openssl, trusted through NODE_EXTRA_CA_CERTS).
 */

interface CliResult {
  readonly code: number | null;
  readonly out: string;
  readonly err: string;
}

/** Runs the CLI without blocking this process (the HTTPS server below answers from it). */
function runCli(args: string[], env: Record<string, string>): Promise<CliResult> {
  return new Promise((resolve) => {
    const p = spawn(process.execPath, [CLI, ...args], { env: { ...cleanEnv(), ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    p.stdout.on('data', (d: Buffer) => (out += d.toString()));
    p.stderr.on('data', (d: Buffer) => (err += d.toString()));
    const t = setTimeout(() => p.pid !== undefined && process.kill(p.pid, 'SIGKILL'), 120_000);
    p.on('exit', (code) => {
      clearTimeout(t);
      resolve({ code, out, err });
    });
  });
}

/** The test's own environment without AWS settings, so only what a test sets counts. */
function cleanEnv(): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined && !/^AWS_|^NODE_EXTRA_CA_CERTS$/.test(k)) env[k] = v;
  return env;
}

const gatewayYaml = (healthPort: number): string =>
  [
    'receivers: {otlp: {protocols: {http: {endpoint: "127.0.0.1:0"}}}}',
    'exporters: {debug: }',
    `extensions: {health_check: {endpoint: "127.0.0.1:${healthPort}"}}`,
    'service:',
    '  extensions: [health_check]',
    '  telemetry: {metrics: {level: none}}',
    '  pipelines: {metrics: {receivers: [otlp], exporters: [debug]}}',
    '',
  ].join('\n');

describe('--config from SSM Parameter Store and S3', () => {
  let aws: AwsPeers;
  let env: Record<string, string>;
  beforeAll(async () => {
    aws = await startAwsPeers();
    env = aws.cliEnv();
  });
  afterAll(async () => aws?.stop());

  const ssm = (): SSMClient => new SSMClient({ region: 'us-east-1', endpoint: aws.motoUrl, credentials: aws.admin });
  const s3 = (): S3Client => new S3Client({ region: 'us-east-1', endpoint: aws.motoUrl, credentials: aws.admin, forcePathStyle: true });

  it('runs with a config held in an SSM SecureString parameter', async () => {
    const [health] = await freePorts(1);
    await ssm().send(new PutParameterCommand({ Name: '/tributary/config', Type: 'SecureString', Value: gatewayYaml(health), Overwrite: true }));
    const gw = await startGateway(undefined, { args: ['--config', 'ssm:/tributary/config'], env, readyUrl: `http://127.0.0.1:${health}/` });
    try {
      const res = await fetch(`http://127.0.0.1:${health}/readyz`);
      expect(res.status).toBe(200);
    } finally {
      expect(await gw.stop(), gw.logs()).toBe(0);
    }
  }, 240_000);

  it('merges an S3 object and an SSM parameter in order, later over earlier', async () => {
    const [first, second] = await freePorts(2);
    await s3().send(new CreateBucketCommand({ Bucket: 'configs' }));
    await s3().send(new PutObjectCommand({ Bucket: 'configs', Key: 'gateway/base.yaml', Body: gatewayYaml(first) }));
    await ssm().send(new PutParameterCommand({ Name: '/tributary/override', Type: 'String', Value: `extensions: {health_check: {endpoint: "127.0.0.1:${second}"}}`, Overwrite: true }));
    const gw = await startGateway(undefined, {
      args: ['--config', 's3://configs/gateway/base.yaml', '--config', 'ssm:/tributary/override'],
      env,
      readyUrl: `http://127.0.0.1:${second}/`,
    });
    try {
      expect((await fetch(`http://127.0.0.1:${second}/readyz`)).status).toBe(200);
      await expect(fetch(`http://127.0.0.1:${first}/readyz`)).rejects.toThrow();
    } finally {
      expect(await gw.stop(), gw.logs()).toBe(0);
    }
  }, 240_000);

  it('validate reads ssm: and s3:// too, and reports what is wrong in them', async () => {
    await ssm().send(new PutParameterCommand({ Name: '/tributary/valid', Type: 'String', Value: gatewayYaml(0), Overwrite: true }));
    await ssm().send(new PutParameterCommand({ Name: '/tributary/invalid', Type: 'String', Value: 'processors: {batch: {timeout: soon}}', Overwrite: true }));
    const ok = await runCli(['validate', '--config', 'ssm:/tributary/valid'], env);
    expect(ok.out).toContain('configuration is valid');
    expect(ok.code).toBe(0);
    const s3ok = await runCli(['validate', '--config', 's3://configs/gateway/base.yaml'], env);
    expect(s3ok.code).toBe(0);
    const bad = await runCli(['validate', '--config', 'ssm:/tributary/valid', '--config', 'ssm:/tributary/invalid'], env);
    expect(bad.code).toBe(1);
    expect(bad.err).toMatch(/processors::batch::timeout: must be a duration/);
  }, 240_000);

  it('a missing parameter, bucket or key, or a wrong key, is a clear error and a non-zero exit', async () => {
    const missing = await runCli(['--config', 'ssm:/tributary/nope'], env);
    expect(missing.code).toBe(1);
    expect(missing.err).toContain('TRIB_ERR_CONFIG_SOURCE: --config ssm:/tributary/nope: parameter not found (ParameterNotFound)');

    const v = await runCli(['validate', '--config', 'ssm:/tributary/nope'], env);
    expect(v.code).toBe(1);
    expect(v.err).toContain('ssm:/tributary/nope: parameter not found (ParameterNotFound)');

    const noBucket = await runCli(['validate', '--config', 's3://no-such-bucket/x.yaml'], env);
    expect(noBucket.code).toBe(1);
    expect(noBucket.err).toContain('--config s3://no-such-bucket/x.yaml: bucket "no-such-bucket" does not exist (NoSuchBucket)');

    const noKey = await runCli(['validate', '--config', 's3://configs/none.yaml'], env);
    expect(noKey.code).toBe(1);
    expect(noKey.err).toContain('--config s3://configs/none.yaml: no object "none.yaml" in bucket "configs" (NoSuchKey)');

    const wrongSecret = await runCli(['validate', '--config', 'ssm:/tributary/valid'], { ...env, AWS_SECRET_ACCESS_KEY: 'not-the-secret' });
    expect(wrongSecret.code).toBe(1);
    expect(wrongSecret.err).toMatch(/--config ssm:\/tributary\/valid: access denied \(/);
  }, 240_000);
});

describe('--config from HTTPS', () => {
  let server: Server;
  let base: string;
  let caFile: string;
  let health: number;
  beforeAll(async () => {
    const openssl = requireProgram('openssl', 'openssl');
    const dir = await tempDir('tributary-https-config-');
    const key = join(dir, 'key.pem');
    caFile = join(dir, 'cert.pem');
    const r = spawnSync(openssl, ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '2', '-subj', '/CN=localhost', '-addext', 'subjectAltName=IP:127.0.0.1,DNS:localhost', '-addext', 'basicConstraints=critical,CA:TRUE', '-keyout', key, '-out', caFile], { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`openssl failed: ${r.stderr}`);
    [health] = await freePorts(1);
    server = createServer({ key: readFileSync(key), cert: readFileSync(caFile) }, (req, res) => {
      if (req.url === '/gateway.yaml') {
        res.writeHead(200, { 'content-type': 'application/yaml' }).end(gatewayYaml(health));
      } else if (req.url === '/slow') {
        // Never answers: the source's timeout must end the wait.
      } else {
        res.writeHead(404, { 'content-type': 'text/plain' }).end('no such config');
      }
    });
    await new Promise<void>((res) => server.listen(0, '127.0.0.1', res));
    base = `https://127.0.0.1:${(server.address() as { port: number }).port}`;
  });
  afterAll(() => {
    server?.closeAllConnections();
    server?.close();
  });

  it('runs with a config from an HTTPS URL whose CA is in NODE_EXTRA_CA_CERTS', async () => {
    const gw = await startGateway(undefined, { args: ['--config', `${base}/gateway.yaml`], env: { NODE_EXTRA_CA_CERTS: caFile }, readyUrl: `http://127.0.0.1:${health}/` });
    try {
      expect((await fetch(`http://127.0.0.1:${health}/readyz`)).status).toBe(200);
    } finally {
      expect(await gw.stop(), gw.logs()).toBe(0);
    }
  }, 240_000);

  it('names TLS errors, HTTP statuses, timeouts and refused plain HTTP', async () => {
    const untrusted = await runCli(['validate', '--config', `${base}/gateway.yaml`], {});
    expect(untrusted.code).toBe(1);
    expect(untrusted.err).toMatch(/--config https:\/\/127\.0\.0\.1:\d+\/gateway\.yaml: TLS: the server's certificate is not trusted \(\w+.*NODE_EXTRA_CA_CERTS/);

    const ok = await runCli(['validate', '--config', `${base}/gateway.yaml`], { NODE_EXTRA_CA_CERTS: caFile });
    expect(ok.code).toBe(0);

    const notFound = await runCli(['validate', '--config', `${base}/missing.yaml`], { NODE_EXTRA_CA_CERTS: caFile });
    expect(notFound.code).toBe(1);
    expect(notFound.err).toMatch(/\/missing\.yaml: HTTP 404: no such config/);

    const slow = await runCli(['validate', '--config', `${base}/slow`], { NODE_EXTRA_CA_CERTS: caFile, TRIBUTARY_CONFIG_SOURCE_TIMEOUT: '1s' });
    expect(slow.code).toBe(1);
    expect(slow.err).toMatch(/\/slow: timed out after 1s/);

    const plain = await runCli(['validate', '--config', 'http://config.example.com/gateway.yaml'], {});
    expect(plain.code).toBe(1);
    expect(plain.err).toContain('plain http:// is accepted only for loopback hosts');
  }, 240_000);

  it('accepts plain http:// from a loopback host', async () => {
    const { createServer: createHttp } = await import('node:http');
    const plain = createHttp((_req, res) => res.writeHead(200).end(gatewayYaml(0)));
    await new Promise<void>((res) => plain.listen(0, '127.0.0.1', res));
    try {
      const r = await runCli(['validate', '--config', `http://127.0.0.1:${(plain.address() as { port: number }).port}/c.yaml`], {});
      expect(r.out).toContain('configuration is valid');
      expect(r.code).toBe(0);
    } finally {
      plain.close();
    }
  }, 240_000);
});

