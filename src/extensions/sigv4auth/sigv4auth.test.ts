import { createHash } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { AwsCredentialIdentity } from '@smithy/types';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { OutgoingRequest } from '../../component/client-auth.js';
import { isClientAuthenticator } from '../../component/client-auth.js';
import { TributaryError } from '../../errors/tributary-error.js';
import { type Logger, createLogger } from '../../telemetry/logger.js';
import { lifecycleSuite } from '../../test-kit/lifecycle-suite.js';
import { testHost, testSettings } from '../../test-kit/settings.js';
import { type Sigv4AuthConfig, sigv4AuthSchema } from './config.js';
import { sigv4AuthFactory } from './factory.js';
import { Sigv4Auth, type Sigv4AuthDeps } from './sigv4auth.js';
import { testTempDir } from '../../test-kit/temp-dirs.js';

/**
 * The whole file runs with an AWS environment of its own: static keys in the
 * environment, shared files in a temp dir, and instance metadata switched
 * off, so that nothing here reaches for the machine's credentials or the
 * network.
 */
const dir = testTempDir('sigv4auth-unit-');
const ENV: Record<string, string | undefined> = {
  AWS_ACCESS_KEY_ID: 'AKIAUNITTEST00000001',
  AWS_SECRET_ACCESS_KEY: 'unit-test-secret-do-not-log',
  AWS_SESSION_TOKEN: undefined,
  AWS_PROFILE: undefined,
  AWS_SHARED_CREDENTIALS_FILE: join(dir, 'credentials'),
  AWS_CONFIG_FILE: join(dir, 'config'),
  AWS_EC2_METADATA_DISABLED: 'true',
  AWS_CONTAINER_CREDENTIALS_RELATIVE_URI: undefined,
  AWS_CONTAINER_CREDENTIALS_FULL_URI: undefined,
  AWS_WEB_IDENTITY_TOKEN_FILE: undefined,
  AWS_ROLE_ARN: undefined,
  AWS_CA_BUNDLE: undefined,
  AWS_ENDPOINT_URL_STS: undefined,
  HTTPS_PROXY: undefined,
  HTTP_PROXY: undefined,
};
const saved: Record<string, string | undefined> = {};
beforeAll(() => {
  for (const [k, v] of Object.entries(ENV)) {
    saved[k] = process.env[k];
    if (v === undefined) delete process.env[k];
    else process.env[k] = v;
  }
});
afterAll(() => {
  for (const [k, v] of Object.entries(saved)) {
    if (v === undefined) delete process.env[k];
    else process.env[k] = v;
  }
});

lifecycleSuite(sigv4AuthFactory, { region: 'eu-west-1', service: 'aps' });

function capturingLogger(): { logger: Logger; lines: () => string } {
  let out = '';
  return { logger: createLogger({ level: 'debug', destination: { write: (s: string) => void (out += s) } }), lines: () => out };
}

function make(raw: unknown, deps: Sigv4AuthDeps = {}): { ext: Sigv4Auth; logs: () => string } {
  const config: Sigv4AuthConfig = sigv4AuthSchema.parse(raw);
  const { logger, lines } = capturingLogger();
  const set = { ...testSettings('extension', 'sigv4auth'), logger };
  return { ext: new Sigv4Auth(set, config, { env: process.env, startWaitMs: 5_000, ...deps }), logs: lines };
}

const body = new TextEncoder().encode('remote write payload');
const rw = (url: string, extra: Record<string, string> = {}): OutgoingRequest => ({
  method: 'POST',
  url: new URL(url),
  headers: {
    'content-type': 'application/x-protobuf',
    'content-encoding': 'snappy',
    'x-prometheus-remote-write-version': '0.1.0',
    'user-agent': 'tributary/0.1.0',
    ...extra,
  },
  body,
});

function parseAuth(h: string): { credential: string[]; signed: string[]; signature: string } {
  const m = /^AWS4-HMAC-SHA256 Credential=([^,]+), SignedHeaders=([^,]+), Signature=([0-9a-f]{64})$/.exec(h);
  if (m === null) throw new Error(`not a SigV4 authorization header: ${h}`);
  return { credential: m[1].split('/'), signed: m[2].split(';'), signature: m[3] };
}

describe('sigv4auth', () => {
  it('is a client authenticator', () => {
    expect(isClientAuthenticator(make({}).ext)).toBe(true);
  });

  it('signs host, payload and the exporter headers with keys from the environment, and returns only the headers to add', async () => {
    const { ext, logs } = make({ region: 'eu-west-1', service: 'aps' });
    await ext.start(testHost());
    try {
      const h = await ext.authorize(rw('https://aps-workspaces.eu-west-1.amazonaws.com/workspaces/ws-1/api/v1/remote_write'));
      expect(Object.keys(h).sort()).toEqual(['authorization', 'x-amz-content-sha256', 'x-amz-date']);
      expect(h['x-amz-content-sha256']).toBe(createHash('sha256').update(body).digest('hex'));
      expect(h['x-amz-date']).toMatch(/^\d{8}T\d{6}Z$/);
      const a = parseAuth(h.authorization);
      expect(a.credential).toEqual(['AKIAUNITTEST00000001', h['x-amz-date'].slice(0, 8), 'eu-west-1', 'aps', 'aws4_request']);
      expect(a.signed).toEqual(['content-encoding', 'content-type', 'host', 'x-amz-content-sha256', 'x-amz-date', 'x-prometheus-remote-write-version']);
      expect(logs()).toContain('"source":"environment variables"');
      expect(logs()).toContain('"accessKeyId":"AKIA…0001"');
      expect(logs()).not.toContain('unit-test-secret-do-not-log');
    } finally {
      await ext.shutdown();
    }
  });

  it('adds and signs the session token of temporary credentials', async () => {
    const creds: AwsCredentialIdentity = { accessKeyId: 'ASIATEMP', secretAccessKey: 's', sessionToken: 'token-1', expiration: new Date(Date.now() + 3_600_000) };
    const { ext } = make({ region: 'us-east-1', service: 'monitoring' }, { loadCredentials: async () => creds });
    await ext.start(testHost());
    try {
      const h = await ext.authorize({ method: 'POST', url: new URL('https://monitoring.us-east-1.amazonaws.com/'), headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new Uint8Array() });
      expect(h['x-amz-security-token']).toBe('token-1');
      expect(parseAuth(h.authorization).signed).toContain('x-amz-security-token');
      expect(h['x-amz-content-sha256']).toBe('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
    } finally {
      await ext.shutdown();
    }
  });

  it('infers service and region from the host when they are not configured', async () => {
    const { ext } = make({});
    await ext.start(testHost());
    try {
      const at = async (url: string) => parseAuth((await ext.authorize(rw(url))).authorization).credential.slice(2, 4);
      expect(await at('https://aps-workspaces.ap-southeast-2.amazonaws.com/workspaces/ws-1/api/v1/remote_write')).toEqual(['ap-southeast-2', 'aps']);
      expect(await at('https://vpce-0abc-xyz.logs.eu-central-1.vpce.amazonaws.com/')).toEqual(['eu-central-1', 'logs']);
      const err = await ext.authorize(rw('http://127.0.0.1:9090/api/v1/write')).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(TributaryError);
      expect(err).toMatchObject({ code: 'TRIB_ERR_AUTH_SIGNING', retryable: false });
      expect((err as Error).message).toContain('set service and region in the sigv4auth extension');
    } finally {
      await ext.shutdown();
    }
  });

  it('starts without credentials, warns, and then fails requests with a retryable error', async () => {
    const { ext, logs } = make({ region: 'eu-west-1', service: 'aps' }, { loadCredentials: () => Promise.reject(new Error('Could not load credentials from any providers')) });
    await ext.start(testHost());
    try {
      expect(logs()).toContain('no AWS credentials yet');
      const err = await ext.authorize(rw('https://aps-workspaces.eu-west-1.amazonaws.com/x')).catch((e: unknown) => e);
      expect(err).toMatchObject({ code: 'TRIB_ERR_AUTH_CREDENTIALS', retryable: true });
      expect((err as Error).message).toContain('Could not load credentials from any providers');
    } finally {
      await ext.shutdown();
    }
  });

  it('refuses requests before start and after shutdown', async () => {
    const { ext } = make({ region: 'eu-west-1', service: 'aps' });
    await expect(ext.authorize(rw('https://aps-workspaces.eu-west-1.amazonaws.com/x'))).rejects.toMatchObject({ code: 'TRIB_ERR_AUTH_CREDENTIALS' });
    await ext.start(testHost());
    await ext.shutdown();
    await expect(ext.authorize(rw('https://aps-workspaces.eu-west-1.amazonaws.com/x'))).rejects.toMatchObject({ code: 'TRIB_ERR_AUTH_CREDENTIALS' });
  });

  it('fails start when ca_file cannot be read, naming the key', async () => {
    const { ext } = make({ ca_file: join(dir, 'no-such-ca.pem') });
    await expect(ext.start(testHost())).rejects.toThrow(/sigv4auth: cannot read the CA bundle ca_file ".*no-such-ca.pem"/);
    await ext.shutdown();
  });

  it('exposes the CA bundle to exporters', async () => {
    const f = join(dir, 'corp.pem');
    writeFileSync(f, '-----BEGIN CERTIFICATE-----\nMIIBcorp\n-----END CERTIFICATE-----\n');
    const { ext } = make({ ca_file: f });
    await ext.start(testHost());
    try {
      expect(ext.caCertificates()?.at(-1)).toContain('MIIBcorp');
      expect((await ext.credentialProvider()()).accessKeyId).toBe('AKIAUNITTEST00000001');
    } finally {
      await ext.shutdown();
    }
  });

  it('re-reads the shared credentials file when it changes on disk', async () => {
    const credFile = ENV.AWS_SHARED_CREDENTIALS_FILE!;
    writeFileSync(credFile, '[tributary]\naws_access_key_id = AKIAFILEFIRST0000001\naws_secret_access_key = first\n');
    const { ext, logs } = make({ region: 'eu-west-1', service: 'aps', profile: 'tributary' }, { watchIntervalMs: 50 });
    await ext.start(testHost());
    try {
      const keyId = async () => parseAuth((await ext.authorize(rw('https://aps-workspaces.eu-west-1.amazonaws.com/x'))).authorization).credential[0];
      expect(await keyId()).toBe('AKIAFILEFIRST0000001');
      expect(logs()).toContain('"profile":"tributary"');
      writeFileSync(credFile, '[tributary]\naws_access_key_id = AKIAFILESECOND000002\naws_secret_access_key = second-and-longer\n');
      await vi.waitFor(async () => expect(await keyId()).toBe('AKIAFILESECOND000002'), { timeout: 10_000, interval: 50 });
      expect(logs()).toContain('shared config/credentials file changed');
      expect(logs()).not.toContain('second-and-longer');
    } finally {
      await ext.shutdown();
    }
  });
});
