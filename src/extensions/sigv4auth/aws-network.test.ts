import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { rootCertificates } from 'node:tls';
import { describe, expect, it } from 'vitest';
import { AwsRequestHandler, NoProxy, loadCaBundle, proxySettings } from './aws-network.js';
import { testTempDir } from '../../test-kit/temp-dirs.js';

describe('NoProxy', () => {
  it.each([
    ['', 'sts.amazonaws.com', 443, false],
    ['*', 'sts.amazonaws.com', 443, true],
    ['localhost,127.0.0.1', '127.0.0.1', 8080, true],
    ['localhost,127.0.0.1', 'sts.tributary.test', 443, false],
    ['amazonaws.com', 'sts.eu-west-1.amazonaws.com', 443, true],
    ['.amazonaws.com', 'sts.eu-west-1.amazonaws.com', 443, true],
    ['*.amazonaws.com', 'sts.eu-west-1.amazonaws.com', 443, true],
    ['amazonaws.com', 'notamazonaws.com', 443, false],
    ['vpce.amazonaws.com', 'sts.eu-west-1.amazonaws.com', 443, false],
    ['  internal.corp  example.org ', 'a.example.org', 443, true],
    ['sts.tributary.test:8443', 'sts.tributary.test', 8443, true],
    ['sts.tributary.test:8443', 'sts.tributary.test', 443, false],
    ['10.0.0.0/8', '10.1.2.3', 443, true],
    ['10.0.0.0/8', '11.1.2.3', 443, false],
    ['169.254.169.254', '169.254.169.254', 80, true],
    ['::1', '[::1]', 443, true],
    ['[::1]:9000', '::1', 9000, true],
    ['STS.Example.COM', 'sts.example.com.', 443, true],
  ])('NO_PROXY=%j bypasses %s:%d: %s', (spec, host, port, expected) => {
    expect(new NoProxy(spec).bypass(host, port)).toBe(expected);
  });
});

describe('proxy routing', () => {
  const route = (env: Record<string, string>, url: string): string => new AwsRequestHandler(proxySettings(env), undefined).routeFor(new URL(url));

  it('uses HTTPS_PROXY for https and HTTP_PROXY for http, unless NO_PROXY names the host', () => {
    const env = { HTTPS_PROXY: 'http://proxy:3128', HTTP_PROXY: 'http://plain:3128', NO_PROXY: 'localhost,127.0.0.1,.internal' };
    expect(route(env, 'https://sts.eu-west-1.amazonaws.com')).toBe('http://proxy:3128');
    expect(route(env, 'http://sts.tributary.test:9000')).toBe('http://plain:3128');
    expect(route(env, 'https://127.0.0.1:9000')).toBe('direct');
    expect(route(env, 'https://sts.internal')).toBe('direct');
  });

  it('reads the lower-case spellings, upper case first', () => {
    expect(route({ https_proxy: 'http://lower:1' }, 'https://sts.amazonaws.com')).toBe('http://lower:1');
    expect(route({ HTTPS_PROXY: 'http://upper:1', https_proxy: 'http://lower:1' }, 'https://sts.amazonaws.com')).toBe('http://upper:1');
    expect(route({ HTTPS_PROXY: 'http://p:1', no_proxy: 'amazonaws.com' }, 'https://sts.amazonaws.com')).toBe('direct');
  });

  it('goes direct with no proxy set, and does not use HTTPS_PROXY for http', () => {
    expect(route({}, 'https://sts.amazonaws.com')).toBe('direct');
    expect(route({ HTTPS_PROXY: 'http://p:1' }, 'http://sts.tributary.test')).toBe('direct');
  });
});

describe('loadCaBundle', () => {
  const dir = testTempDir('sigv4-ca-');
  const pem = '-----BEGIN CERTIFICATE-----\nMIIBfake\n-----END CERTIFICATE-----\n';

  it('adds the bundle to Node roots', () => {
    const f = join(dir, 'two.pem');
    writeFileSync(f, `# corporate\n${pem}${pem}`);
    const ca = loadCaBundle(f)!;
    expect(ca).toHaveLength(rootCertificates.length + 2);
    expect(ca.at(-1)).toBe(pem.trim());
  });

  it('is undefined without a bundle and throws for a file without certificates', () => {
    expect(loadCaBundle(undefined)).toBeUndefined();
    const f = join(dir, 'empty.pem');
    writeFileSync(f, 'nothing here');
    expect(() => loadCaBundle(f)).toThrow(/holds no PEM certificate/);
    expect(() => loadCaBundle(join(dir, 'missing.pem'))).toThrow(/ENOENT/);
  });
});
