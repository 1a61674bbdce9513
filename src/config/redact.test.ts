import { describe, expect, it } from 'vitest';
import { configProblems } from '../test-kit/config.js';
import { REDACTED, isSecretKey, redactConfig, redactUrls } from './redact.js';

describe('isSecretKey', () => {
  it.each([
    'token',
    'tokens',
    'session_token',
    'password',
    'passwd',
    'htpasswd',
    'secret_access_key',
    'client_secret',
    'Authorization',
    'Proxy-Authorization',
    'X-API-Key',
    'x-auth-token',
    'apiKey',
    'private_key',
    'key_pem',
    'access_key',
    'credentials',
    'Cookie',
  ])('%s is secret', (k) => expect(isSecretKey(k)).toBe(true));

  it.each([
    'access_key_id',
    'key',
    'key_file',
    'metadata_keys',
    'tokens_file',
    'web_identity_token_file',
    'credentials_file',
    'credentials_reload_interval',
    'header',
    'scheme',
    'authenticator',
    'auth',
    'endpoint',
    'external_id',
    'session_name',
    'X-Scope-OrgID',
    'cert_file',
  ])('%s is not secret', (k) => expect(isSecretKey(k)).toBe(false));
});

describe('redactConfig', () => {
  it('hides secret values and keeps everything else', () => {
    const out = redactConfig({
      endpoint: 'https://aps.example/api/v1/write',
      headers: { Authorization: 'Bearer abc', 'X-Scope-OrgID': 'tenant-a', 'X-Api-Key': 'k1' },
      auth: { authenticator: 'sigv4auth' },
      tls: { key_file: '/etc/tls/key.pem', insecure: false },
      timeout: 5000,
    });
    expect(out).toEqual({
      endpoint: 'https://aps.example/api/v1/write',
      headers: { Authorization: REDACTED, 'X-Scope-OrgID': 'tenant-a', 'X-Api-Key': REDACTED },
      auth: { authenticator: 'sigv4auth' },
      tls: { key_file: '/etc/tls/key.pem', insecure: false },
      timeout: 5000,
    });
  });

  it('hides everything under a secret key except names, ids, paths and attributes', () => {
    const out = redactConfig({
      tokens: ['t-plain', { token: 't-map', name: 'team-a', attributes: { tenant: 'a' } }],
      credentials: [{ access_key_id: 'AKID1', secret_access_key: 12345, attributes: { account: '0123' } }],
      htpasswd: { inline: 'user:{SHA}xyz', file: '/etc/htpasswd' },
      tokens_file: '/etc/tokens.yaml',
    });
    expect(out).toEqual({
      tokens: [REDACTED, { token: REDACTED, name: 'team-a', attributes: { tenant: 'a' } }],
      credentials: [{ access_key_id: 'AKID1', secret_access_key: REDACTED, attributes: { account: '0123' } }],
      htpasswd: { inline: REDACTED, file: '/etc/htpasswd' },
      tokens_file: '/etc/tokens.yaml',
    });
    const text = JSON.stringify(out);
    for (const s of ['t-plain', 't-map', '12345', 'xyz']) expect(text).not.toContain(s);
  });

  it('hides credentials in values whatever their key', () => {
    expect(redactConfig({ endpoint: 'https://u:p4ss@host:9090/write', h: { 'X-Custom': 'Basic dTpw' } })).toEqual({
      endpoint: `https://u:${REDACTED}@host:9090/write`,
      h: { 'X-Custom': REDACTED },
    });
    expect(redactUrls('dial http://a:b@x and https://c@y failed')).toBe(`dial http://a:${REDACTED}@x and https://c@y failed`);
  });

  it('turns parsed values into plain JSON, bounded', () => {
    const cyclic: Record<string, unknown> = { name: 'c' };
    cyclic.self = cyclic;
    const out = redactConfig(
      {
        m: new Map([['a', 1]]),
        s: new Set(['x']),
        re: /ab+/i,
        big: 10n,
        bytes: Buffer.from('secret bytes'),
        fn: () => 1,
        cyclic,
        long: Array.from({ length: 5 }, (_, i) => i),
      },
      { maxItems: 3 },
    );
    expect(out).toEqual({ m: { a: 1 }, s: ['x'], re: '/ab+/i', big: '10', bytes: '<12 bytes>', cyclic: { name: 'c', self: '…' }, long: [0, 1, 2, '… 2 more'] });
    expect(JSON.parse(JSON.stringify(out))).toEqual(out);
  });
});

describe('config errors', () => {
  it('never echo a value under a secret key, and still echo other values', async () => {
    const problems = await configProblems(`
receivers: {otlp: {protocols: {http: {endpoint: "127.0.0.1:0"}}}}
exporters:
  prometheusremotewrite:
    endpoint: http://127.0.0.1:9/write
    headers: {Authorization: [hunter2-secret], X-Scope-OrgID: [tenant-x]}
service: {pipelines: {metrics: {receivers: [otlp], exporters: [prometheusremotewrite]}}}`);
    const auth = problems.find((p) => p.includes('headers::Authorization'));
    const org = problems.find((p) => p.includes('headers::X-Scope-OrgID'));
    expect(auth).toBeDefined();
    expect(auth).not.toContain('hunter2');
    expect(org).toContain('tenant-x');
  });
});
