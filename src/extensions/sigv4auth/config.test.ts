import { describe, expect, it } from 'vitest';
import { formatIssues } from '../../config/schema.js';
import { sigv4AuthSchema, validateSigv4Auth } from './config.js';

/** Parses as the config loader does and returns every problem with its full path. */
function problems(raw: unknown): string[] {
  const input = raw ?? {}; // the loader's treatment of `sigv4auth:` with no value
  const r = sigv4AuthSchema.safeParse(input);
  if (!r.success) return formatIssues(r.error.issues, ['extensions', 'sigv4auth'], input);
  return validateSigv4Auth(r.data).map((p) => `extensions::sigv4auth::${p}`);
}

describe('sigv4auth config', () => {
  it.each([
    ['nothing (all inferred)', {}],
    ['null section', null],
    ['Collector example', { region: 'eu-west-1', service: 'aps', assume_role: { arn: 'arn:aws:iam::123456789012:role/amp-writer', sts_region: 'us-east-1' } }],
    ['GovCloud role and region', { region: 'us-gov-west-1', assume_role: { arn: 'arn:aws-us-gov:iam::123456789012:role/path/to/r' } }],
    ['China role', { assume_role: { arn: 'arn:aws-cn:iam::123456789012:role/r', session_name: 'gw-1', external_id: 'tenant:42' } }],
    ['web identity', { assume_role: { arn: 'arn:aws:iam::123456789012:role/r', web_identity_token_file: '/var/run/secrets/token' } }],
    ['closed network', { sts_endpoint: 'https://vpce-0abc.sts.eu-west-1.vpce.amazonaws.com', ca_file: '/etc/ssl/corp.pem', profile: 'amp' }],
    ['empty strings from unset ${env:...}', { region: '', service: '', assume_role: { arn: '', session_name: '' }, sts_endpoint: '', profile: '' }],
    ['assume_role: with no value', { assume_role: null }],
  ])('accepts %s', (_name, input) => {
    expect(problems(input)).toEqual([]);
  });

  it.each([
    ['unknown key', { regoin: 'eu-west-1' }, 'extensions::sigv4auth: unknown key "regoin"; valid keys are: assume_role, ca_file, profile, region, service, sts_endpoint'],
    ['bad region', { region: 'Europe' }, 'extensions::sigv4auth::region: must be an AWS region like "eu-west-1" (got "Europe")'],
    ['region not a string', { region: 5 }, 'extensions::sigv4auth::region: must be a string (got 5)'],
    ['bad service', { service: 'APS Workspaces' }, 'extensions::sigv4auth::service: must be an AWS signing name like "aps", "monitoring" or "logs" (got "APS Workspaces")'],
    ['role name instead of ARN', { assume_role: { arn: 'amp-writer' } }, 'extensions::sigv4auth::assume_role::arn: must be an IAM role ARN like "arn:aws:iam::123456789012:role/name" (got "amp-writer")'],
    ['user ARN', { assume_role: { arn: 'arn:aws:iam::123456789012:user/bob' } }, 'extensions::sigv4auth::assume_role::arn: must be an IAM role ARN like "arn:aws:iam::123456789012:role/name" (got "arn:aws:iam::123456789012:user/bob")'],
    ['session name too short', { assume_role: { arn: 'arn:aws:iam::123456789012:role/r', session_name: 'x' } }, 'extensions::sigv4auth::assume_role::session_name: must be 2 to 64 characters of letters, digits and +=,.@_- (got "x")'],
    ['session name with a space', { assume_role: { arn: 'arn:aws:iam::123456789012:role/r', session_name: 'my gateway' } }, 'extensions::sigv4auth::assume_role::session_name: must be 2 to 64 characters of letters, digits and +=,.@_- (got "my gateway")'],
    ['bad sts_region', { assume_role: { arn: 'arn:aws:iam::123456789012:role/r', sts_region: 'global' } }, 'extensions::sigv4auth::assume_role::sts_region: must be an AWS region like "eu-west-1" (got "global")'],
    ['unknown assume_role key', { assume_role: { role_arn: 'x' } }, 'extensions::sigv4auth::assume_role: unknown key "role_arn"; valid keys are: arn, external_id, session_name, sts_region, web_identity_token_file'],
    ['sts_endpoint without scheme', { sts_endpoint: 'sts.eu-west-1.amazonaws.com' }, 'extensions::sigv4auth::sts_endpoint: must be an http(s) URL with a host and no path, like "https://sts.eu-west-1.amazonaws.com" (got "sts.eu-west-1.amazonaws.com")'],
    ['sts_endpoint with a path', { sts_endpoint: 'https://sts.amazonaws.com/x' }, 'extensions::sigv4auth::sts_endpoint: must be an http(s) URL with a host and no path, like "https://sts.eu-west-1.amazonaws.com" (got "https://sts.amazonaws.com/x")'],
    ['external_id without a role', { assume_role: { external_id: 'abc' } }, 'extensions::sigv4auth::assume_role::external_id: only applies with assume_role::arn; set the role to assume or remove this key'],
    ['token file without a role', { assume_role: { web_identity_token_file: '/t' } }, 'extensions::sigv4auth::assume_role::web_identity_token_file: only applies with assume_role::arn; set the role to assume or remove this key'],
    [
      'external id with web identity',
      { assume_role: { arn: 'arn:aws:iam::123456789012:role/r', web_identity_token_file: '/t', external_id: 'abc' } },
      'extensions::sigv4auth::assume_role::external_id: AssumeRoleWithWebIdentity takes no external id; remove it or remove web_identity_token_file',
    ],
  ])('rejects %s', (_name, input, expected) => {
    expect(problems(input)).toEqual([expected]);
  });

  it('reports every problem at once', () => {
    expect(problems({ region: 'x', service: 'Y', assume_role: { arn: 'z', sts_region: 'w' } })).toHaveLength(4);
  });
});
