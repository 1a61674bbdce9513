import { createHash } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { OutgoingRequest } from '../src/component/client-auth.js';
import { sigv4AuthFactory } from '../src/extensions/sigv4auth/factory.js';
import type { Sigv4Auth } from '../src/extensions/sigv4auth/sigv4auth.js';
import { createLogger } from '../src/telemetry/logger.js';
import { testHost, testSettings } from '../src/test-kit/settings.js';
import { type AwsPeers, type UserWithRole, startAwsPeers } from './kit/aws-peers.js';
import { type CountingProxy, startCountingProxy } from './kit/connect-proxy.js';
import { tempDir } from './kit/gateway.js';
import { type HttpRecorder, startHttpRecorder } from './kit/http-recorder.js';

/**
 * sigv4auth against independent checks: every request the extension signs
 * goes to the verifying proxy (test/kit/sigv4-verifier.py), which recomputes
 * the signature with botocore and forwards valid requests to a recorder;
 * STS is moto with IAM and signature checking on, so the extension's own
 * AssumeRole call must be correctly signed and allowed by IAM too.
 *
 * The extension runs in this process and the AWS SDK reads process.env, so
 * each test sets its AWS environment for its whole run (withEnv). Instance
 * metadata is switched off and the shared files point into a temp dir, so
 * nothing reaches for the machine's credentials or the network.
 */

const STATIC = { accessKeyId: 'AKIASTATICE2E000001', secretAccessKey: 'static-e2e-secret' };
const REGION = 'eu-west-1';
const RW_PATH = '/workspaces/ws-e2e/api/v1/remote_write';

let aws: AwsPeers;
let recorder: HttpRecorder;
let proxy: CountingProxy;
let dir: string;
let iam: UserWithRole;

beforeAll(async () => {
  recorder = await startHttpRecorder();
  aws = await startAwsPeers({ upstream: recorder.url, staticKeys: [STATIC], tls: true });
  proxy = await startCountingProxy();
  dir = await tempDir('sigv4auth-e2e-');
  iam = await aws.createUserWithRole({ externalId: 'tributary-e2e', roleActions: ['aps:RemoteWrite'] });
});

afterAll(async () => {
  await aws?.stop();
  await recorder?.close();
  await proxy?.close();
});

const AWS_VARS = [
  'AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN', 'AWS_PROFILE', 'AWS_DEFAULT_PROFILE', 'AWS_REGION', 'AWS_DEFAULT_REGION',
  'AWS_SHARED_CREDENTIALS_FILE', 'AWS_CONFIG_FILE', 'AWS_ENDPOINT_URL', 'AWS_ENDPOINT_URL_STS', 'AWS_CA_BUNDLE', 'AWS_ROLE_ARN',
  'AWS_WEB_IDENTITY_TOKEN_FILE', 'AWS_CONTAINER_CREDENTIALS_RELATIVE_URI', 'AWS_CONTAINER_CREDENTIALS_FULL_URI', 'AWS_EC2_METADATA_DISABLED',
  'HTTPS_PROXY', 'https_proxy', 'HTTP_PROXY', 'http_proxy', 'NO_PROXY', 'no_proxy',
];

/** Runs fn with exactly these AWS-related variables set (others of AWS_VARS unset), then restores. */
async function withEnv<T>(vars: Record<string, string>, fn: () => Promise<T>): Promise<T> {
  const saved = new Map(AWS_VARS.map((k) => [k, process.env[k]]));
  for (const k of AWS_VARS) delete process.env[k];
  Object.assign(process.env, {
    AWS_EC2_METADATA_DISABLED: 'true',
    AWS_SHARED_CREDENTIALS_FILE: join(dir, 'none-credentials'),
    AWS_CONFIG_FILE: join(dir, 'none-config'),
    ...vars,
  });
  try {
    return await fn();
  } finally {
    for (const [k, v] of saved) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  }
}

/** Creates and starts the extension as the gateway would, with a log captured for assertions. */
async function startExtension(raw: Record<string, unknown>): Promise<{ ext: Sigv4Auth; logs: () => string }> {
  let out = '';
  const logger = createLogger({ level: 'debug', destination: { write: (s: string) => void (out += s) } });
  const config = sigv4AuthFactory.configSchema.parse(raw);
  expect(sigv4AuthFactory.validate?.(config) ?? []).toEqual([]);
  const ext = sigv4AuthFactory.create({ ...testSettings('extension', 'sigv4auth'), logger }, config) as Sigv4Auth;
  await ext.start(testHost());
  return { ext, logs: () => out };
}

interface Sent {
  readonly status: number;
  readonly body: string;
  readonly auth: Record<string, string>;
}

/** Changes made after signing, to show the verifier notices them. */
interface Tamper {
  readonly body?: string;
  readonly headers?: Record<string, string>;
  readonly drop?: readonly string[];
}

/** Signs a remote-write-like request and sends it to the verifier, as an exporter would. */
async function sendSigned(ext: Sigv4Auth, payload = `samples-${Math.random()}`, tamper: Tamper = {}): Promise<Sent> {
  const body = new TextEncoder().encode(payload);
  const req: OutgoingRequest = {
    method: 'POST',
    url: new URL(`${aws.verifierUrl}${RW_PATH}`),
    headers: {
      'content-type': 'application/x-protobuf',
      'content-encoding': 'snappy',
      'x-prometheus-remote-write-version': '0.1.0',
      'user-agent': 'tributary-e2e',
    },
    body,
  };
  const auth = await ext.authorize(req);
  const headers: Record<string, string> = { ...req.headers, ...auth, ...tamper.headers };
  for (const h of tamper.drop ?? []) delete headers[h];
  const sendBody = tamper.body === undefined ? body : new TextEncoder().encode(tamper.body);
  const res = await fetch(req.url, { method: req.method, headers, body: sendBody, signal: AbortSignal.timeout(20_000) });
  return { status: res.status, body: await res.text(), auth };
}

const keyOf = (auth: Record<string, string>): string => /Credential=([^/]+)\//.exec(auth.authorization)?.[1] ?? '';

const SERVICE = { region: REGION, service: 'aps' };

describe('sigv4auth end to end (botocore verifier, moto STS with IAM checks)', () => {
  it('signs with static keys from the environment; the verifier accepts and the upstream gets the request intact', async () => {
    await withEnv({ AWS_ACCESS_KEY_ID: STATIC.accessKeyId, AWS_SECRET_ACCESS_KEY: STATIC.secretAccessKey }, async () => {
      const { ext, logs } = await startExtension(SERVICE);
      try {
        const before = recorder.requests.length;
        await aws.resetStats();
        const sent = await sendSigned(ext, 'payload-static');
        expect(sent.status, sent.body).toBe(200);

        const stats = await aws.stats();
        expect(stats.verified).toBe(1);
        expect(stats.rejected).toBe(0);
        expect(stats.recent[0]).toMatchObject({ accessKeyId: STATIC.accessKeyId, keyKind: 'static', service: 'aps', region: REGION, payloadHash: 'header' });
        expect(stats.recent[0].signedHeaders).toEqual(['content-encoding', 'content-type', 'host', 'x-amz-content-sha256', 'x-amz-date', 'x-prometheus-remote-write-version']);

        const got = recorder.requests.slice(before);
        expect(got).toHaveLength(1);
        expect(got[0].url).toBe(RW_PATH);
        expect(got[0].body.toString()).toBe('payload-static');
        expect(got[0].headers['x-amz-content-sha256']).toBe(createHash('sha256').update('payload-static').digest('hex'));
        expect(got[0].headers['content-encoding']).toBe('snappy');
        expect(logs()).toContain('"source":"environment variables"');
        expect(logs()).not.toContain(STATIC.secretAccessKey);
      } finally {
        await ext.shutdown();
      }
    });
  });

  it('signs with a named profile from temporary shared credentials/config files, ahead of keys in the environment', async () => {
    const credentials = join(dir, 'credentials');
    const config = join(dir, 'config');
    await writeFile(credentials, `[default]\naws_access_key_id = AKIADEFAULTNOTUSED01\naws_secret_access_key = nope\n\n[amp-writer]\naws_access_key_id = ${iam.user.accessKeyId}\naws_secret_access_key = ${iam.user.secretAccessKey}\n`);
    await writeFile(config, `[profile amp-writer]\nregion = ${REGION}\n`);
    await withEnv(
      { AWS_SHARED_CREDENTIALS_FILE: credentials, AWS_CONFIG_FILE: config, AWS_ACCESS_KEY_ID: STATIC.accessKeyId, AWS_SECRET_ACCESS_KEY: 'wrong' },
      async () => {
        const { ext, logs } = await startExtension({ ...SERVICE, profile: 'amp-writer' });
        try {
          await aws.resetStats();
          const sent = await sendSigned(ext);
          expect(sent.status, sent.body).toBe(200);
          expect(keyOf(sent.auth)).toBe(iam.user.accessKeyId);
          expect((await aws.stats()).recent[0]).toMatchObject({ outcome: 'verified', keyKind: 'iam-user', accessKeyId: iam.user.accessKeyId });
          expect(logs()).toContain('"profile":"amp-writer"');
        } finally {
          await ext.shutdown();
        }
      },
    );
  });

  it('assumes a role through moto STS (sts_endpoint, external id) and signs with the session credentials', async () => {
    await withEnv({ AWS_ACCESS_KEY_ID: iam.user.accessKeyId, AWS_SECRET_ACCESS_KEY: iam.user.secretAccessKey }, async () => {
      const { ext, logs } = await startExtension({
        ...SERVICE,
        assume_role: { arn: iam.role.arn, session_name: 'tributary-e2e', external_id: 'tributary-e2e', sts_region: REGION },
        sts_endpoint: aws.motoUrl,
      });
      try {
        await aws.resetStats();
        const before = recorder.requests.length;
        const sent = await sendSigned(ext);
        expect(sent.status, sent.body).toBe(200);
        expect(keyOf(sent.auth)).toMatch(/^ASIA/);
        expect(sent.auth['x-amz-security-token']).toBeTruthy();
        const stats = await aws.stats();
        expect(stats.recent[0]).toMatchObject({ outcome: 'verified', keyKind: 'sts', accessKeyId: keyOf(sent.auth) });
        expect(stats.recent[0].signedHeaders).toContain('x-amz-security-token');
        expect(recorder.requests[before].headers['x-amz-security-token']).toBe(sent.auth['x-amz-security-token']);
        expect(logs()).toContain('"source":"STS AssumeRole"');
        expect(logs()).toContain(`"role":"${iam.role.arn}"`);
        expect(logs()).toContain('"base_source":"environment variables"');
      } finally {
        await ext.shutdown();
      }
    });
  });

  it('gets no credentials when moto refuses the AssumeRole (wrong external id): a retryable error, no request signed', async () => {
    await withEnv({ AWS_ACCESS_KEY_ID: iam.user.accessKeyId, AWS_SECRET_ACCESS_KEY: iam.user.secretAccessKey }, async () => {
      const { ext, logs } = await startExtension({ ...SERVICE, assume_role: { arn: iam.role.arn, external_id: 'not-the-one' }, sts_endpoint: aws.motoUrl });
      try {
        expect(logs()).toContain('no AWS credentials yet');
        const err = await sendSigned(ext).catch((e: unknown) => e);
        expect(err).toMatchObject({ code: 'TRIB_ERR_AUTH_CREDENTIALS', retryable: true });
        expect((err as Error).message).toMatch(/not authorized to perform: sts:AssumeRole/);
      } finally {
        await ext.shutdown();
      }
    });
  });

  it('exchanges a web identity token file for the role (AssumeRoleWithWebIdentity on moto)', async () => {
    const token = join(dir, 'web-identity-token');
    await writeFile(token, 'eyJhbGciOiJub25lIn0.eyJzdWIiOiJ0cmlidXRhcnktZTJlIn0.');
    await withEnv({}, async () => {
      const { ext, logs } = await startExtension({ ...SERVICE, assume_role: { arn: iam.role.arn, web_identity_token_file: token }, sts_endpoint: aws.motoUrl });
      try {
        await aws.resetStats();
        const sent = await sendSigned(ext);
        expect(sent.status, sent.body).toBe(200);
        expect((await aws.stats()).recent[0]).toMatchObject({ outcome: 'verified', keyKind: 'sts' });
        expect(logs()).toContain('"source":"STS AssumeRoleWithWebIdentity"');
      } finally {
        await ext.shutdown();
      }
    });
  });

  it('is caught by the verifier when the secret is wrong: 403 SignatureDoesNotMatch for the signature the extension made', async () => {
    await withEnv({ AWS_ACCESS_KEY_ID: STATIC.accessKeyId, AWS_SECRET_ACCESS_KEY: 'not-the-secret' }, async () => {
      const { ext } = await startExtension(SERVICE);
      try {
        await aws.resetStats();
        const before = recorder.requests.length;
        const sent = await sendSigned(ext);
        expect(sent.auth.authorization).toMatch(new RegExp(`^AWS4-HMAC-SHA256 Credential=${STATIC.accessKeyId}/\\d{8}/${REGION}/aps/aws4_request, SignedHeaders=[a-z0-9;-]+, Signature=[0-9a-f]{64}$`));
        expect(sent.status).toBe(403);
        expect(JSON.parse(sent.body)).toMatchObject({ __type: 'SignatureDoesNotMatch' });
        const stats = await aws.stats();
        expect(stats).toMatchObject({ verified: 0, rejected: 1 });
        expect(stats.lastRejection).toMatchObject({ code: 'SignatureDoesNotMatch', accessKeyId: STATIC.accessKeyId });
        expect(recorder.requests.length).toBe(before); // nothing forwarded
      } finally {
        await ext.shutdown();
      }
    });
  });

  describe('the verifier refuses what AWS would refuse', () => {
    const refusal = async (sent: Sent): Promise<{ code: string; status: number }> => {
      const stats = await aws.stats();
      return { code: (JSON.parse(sent.body) as { __type: string }).__type, status: sent.status, ...(stats.lastRejection === null ? {} : { last: stats.lastRejection.code }) };
    };

    it('a body that is not the signed one, a changed signed header, an unknown key, no signature', async () => {
      await withEnv({ AWS_ACCESS_KEY_ID: STATIC.accessKeyId, AWS_SECRET_ACCESS_KEY: STATIC.secretAccessKey }, async () => {
        const { ext } = await startExtension(SERVICE);
        try {
          const before = recorder.requests.length;
          expect(await refusal(await sendSigned(ext, 'signed body', { body: 'other body' }))).toMatchObject({ status: 403, code: 'XAmzContentSHA256Mismatch', last: 'XAmzContentSHA256Mismatch' });
          expect(await refusal(await sendSigned(ext, 'b', { headers: { 'content-encoding': 'gzip' } }))).toMatchObject({ status: 403, code: 'SignatureDoesNotMatch' });
          expect(await refusal(await sendSigned(ext, 'b', { drop: ['x-amz-content-sha256'] }))).toMatchObject({ status: 403, code: 'IncompleteSignature' });
          const unsigned = await fetch(`${aws.verifierUrl}${RW_PATH}`, { method: 'POST', body: 'x' });
          expect(unsigned.status).toBe(403);
          expect(await unsigned.json()).toMatchObject({ __type: 'MissingAuthenticationToken' });
          expect(recorder.requests.length).toBe(before);
        } finally {
          await ext.shutdown();
        }
      });
      await withEnv({ AWS_ACCESS_KEY_ID: 'AKIANOBODYKNOWS00001', AWS_SECRET_ACCESS_KEY: 'x' }, async () => {
        const { ext } = await startExtension(SERVICE);
        try {
          expect(await refusal(await sendSigned(ext))).toMatchObject({ status: 403, code: 'InvalidClientTokenId' });
        } finally {
          await ext.shutdown();
        }
      });
    });

    it('session credentials with a token that is not theirs', async () => {
      await withEnv({ AWS_ACCESS_KEY_ID: iam.user.accessKeyId, AWS_SECRET_ACCESS_KEY: iam.user.secretAccessKey }, async () => {
        const { ext } = await startExtension({ ...SERVICE, assume_role: { arn: iam.role.arn, external_id: 'tributary-e2e' }, sts_endpoint: aws.motoUrl });
        try {
          expect(await refusal(await sendSigned(ext, 'b', { headers: { 'x-amz-security-token': 'forged' } }))).toMatchObject({ status: 403, code: 'InvalidClientTokenId' });
        } finally {
          await ext.shutdown();
        }
      });
    });
  });

  describe('closed network: STS endpoint from AWS_ENDPOINT_URL_STS, HTTPS_PROXY, custom CA', () => {
    // 127.0.0.2 stands for STS's remote address: nothing listens there, so the AssumeRole call can
    // only succeed through the proxy, which connects to moto's TLS port on 127.0.0.1. NO_PROXY keeps
    // its usual value; it does not name 127.0.0.2.
    const viaProxy = (): Record<string, string> => ({
      AWS_ACCESS_KEY_ID: iam.user.accessKeyId,
      AWS_SECRET_ACCESS_KEY: iam.user.secretAccessKey,
      AWS_ENDPOINT_URL_STS: `https://127.0.0.2:${new URL(aws.tlsUrl!).port}`,
      HTTPS_PROXY: proxy.url,
      NO_PROXY: 'localhost,127.0.0.1',
    });
    const role = () => ({ ...SERVICE, assume_role: { arn: iam.role.arn, external_id: 'tributary-e2e', sts_region: REGION } });

    it('reaches STS only through the proxy, over TLS verified with ca_file', async () => {
      await withEnv(viaProxy(), async () => {
        const tunnels = proxy.connects().length;
        const { ext, logs } = await startExtension({ ...role(), ca_file: aws.caFile });
        try {
          const sent = await sendSigned(ext);
          expect(sent.status, sent.body).toBe(200);
          expect(keyOf(sent.auth)).toMatch(/^ASIA/);
          expect(proxy.connects().slice(tunnels)).toContain(`127.0.0.2:${new URL(aws.tlsUrl!).port}`);
          expect(logs()).toContain(`"route":"${proxy.url}"`);
        } finally {
          await ext.shutdown();
        }
      });
    });

    it('takes the CA from AWS_CA_BUNDLE too, and refuses the STS certificate without it', async () => {
      await withEnv({ ...viaProxy(), AWS_CA_BUNDLE: aws.caFile! }, async () => {
        const { ext } = await startExtension(role());
        try {
          expect((await sendSigned(ext)).status).toBe(200);
        } finally {
          await ext.shutdown();
        }
      });
      await withEnv(viaProxy(), async () => {
        const { ext } = await startExtension(role());
        try {
          const err = await sendSigned(ext).catch((e: unknown) => e);
          expect(err).toMatchObject({ code: 'TRIB_ERR_AUTH_CREDENTIALS', retryable: true });
          expect((err as Error).message).toMatch(/certificate/i);
        } finally {
          await ext.shutdown();
        }
      });
    });

    it('goes direct to hosts NO_PROXY names', async () => {
      await withEnv({ ...viaProxy(), AWS_ENDPOINT_URL_STS: aws.tlsUrl!, AWS_CA_BUNDLE: aws.caFile! }, async () => {
        const tunnels = proxy.connects().length;
        const { ext, logs } = await startExtension(role());
        try {
          expect((await sendSigned(ext)).status).toBe(200);
          expect(proxy.connects().length).toBe(tunnels);
          expect(logs()).toContain('"route":"direct"');
        } finally {
          await ext.shutdown();
        }
      });
    });
  });
});
