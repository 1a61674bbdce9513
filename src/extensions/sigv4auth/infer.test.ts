import { describe, expect, it } from 'vitest';
import { ScopeResolver, inferSigningScope } from './infer.js';

describe('inferSigningScope', () => {
  it.each([
    ['aps-workspaces.eu-west-1.amazonaws.com', 'aps', 'eu-west-1'],
    ['APS-Workspaces.EU-WEST-1.amazonaws.com.', 'aps', 'eu-west-1'],
    ['aps.us-east-1.amazonaws.com', 'aps', 'us-east-1'],
    ['monitoring.ap-southeast-2.amazonaws.com', 'monitoring', 'ap-southeast-2'],
    ['monitoring-fips.us-gov-west-1.amazonaws.com', 'monitoring', 'us-gov-west-1'],
    ['logs.eu-central-1.amazonaws.com', 'logs', 'eu-central-1'],
    ['logs.cn-north-1.amazonaws.com.cn', 'logs', 'cn-north-1'],
    ['sts.il-central-1.amazonaws.com', 'sts', 'il-central-1'],
    ['aps-workspaces.eu-west-1.api.aws', 'aps', 'eu-west-1'],
    ['vpce-0123456789abcdef0-abcdefgh.aps-workspaces.eu-west-1.vpce.amazonaws.com', 'aps', 'eu-west-1'],
    ['vpce-0123456789abcdef0-abcdefgh-eu-west-1a.aps-workspaces.eu-west-1.vpce.amazonaws.com', 'aps', 'eu-west-1'],
    ['vpce-0123456789abcdef0-abcdefgh.monitoring.us-east-2.vpce.amazonaws.com', 'monitoring', 'us-east-2'],
    ['vpce-0123456789abcdef0-abcdefgh.logs.us-west-2.vpce.amazonaws.com', 'logs', 'us-west-2'],
  ])('%s -> %s in %s', (host, service, region) => {
    expect(inferSigningScope(host)).toEqual({ service, region });
  });

  it.each(['127.0.0.1', 'localhost', 'amp-proxy.corp.example', 'sts.amazonaws.com', 'bucket.s3.eu-west-1.amazonaws.com', 'aps-workspaces.eu-west-1.amazonaws.com.evil.example'])(
    'cannot read %s',
    (host) => {
      expect(inferSigningScope(host)).toBeUndefined();
    },
  );
});

describe('ScopeResolver', () => {
  it('prefers configured values and fills the rest from the host', () => {
    expect(new ScopeResolver('aps', 'us-east-1').resolve('127.0.0.1')).toEqual({ service: 'aps', region: 'us-east-1' });
    expect(new ScopeResolver(undefined, 'us-east-1').resolve('aps-workspaces.eu-west-1.amazonaws.com')).toEqual({ service: 'aps', region: 'us-east-1' });
    expect(new ScopeResolver('monitoring', undefined).resolve('logs.eu-west-1.amazonaws.com')).toEqual({ service: 'monitoring', region: 'eu-west-1' });
  });

  it.each([
    [undefined, undefined, 'service and region'],
    ['aps', undefined, 'region'],
    [undefined, 'eu-west-1', 'service'],
  ])('names what to set when the host says nothing (service %s, region %s)', (service, region, missing) => {
    const r = new ScopeResolver(service, region).resolve('amp-proxy.corp.example');
    expect(r).toBeTypeOf('string');
    expect(r).toContain(`cannot infer the SigV4 ${missing} from the host "amp-proxy.corp.example"`);
    expect(r).toContain(`set ${missing} in the sigv4auth extension's config`);
  });

  it('keeps a bounded memo of hosts', () => {
    const r = new ScopeResolver(undefined, undefined, 4);
    for (let i = 0; i < 10; i++) expect(r.resolve(`logs.eu-west-${i}.amazonaws.com`)).toEqual({ service: 'logs', region: `eu-west-${i}` });
    expect((r as unknown as { cache: Map<string, unknown> }).cache.size).toBeLessThanOrEqual(4);
  });
});
