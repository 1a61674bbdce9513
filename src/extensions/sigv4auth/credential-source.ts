import { fromNodeProviderChain, fromTemporaryCredentials, fromTokenFile } from '@aws-sdk/credential-providers';
import type { AwsCredentialIdentity, Logger as SdkLogger } from '@smithy/types';
import type { Logger } from '../../telemetry/logger.js';
import type { AwsRequestHandler, Env } from './aws-network.js';
import type { Sigv4AuthConfig } from './config.js';

/**
 * Where the credentials come from, as the Collector's sigv4auth takes them:
 * the AWS default chain (environment, shared files with the named profile,
 * web identity from AWS_WEB_IDENTITY_TOKEN_FILE, the ECS/EKS container
 * endpoint, EC2 IMDSv2), optionally used to assume assume_role::arn through
 * STS, or a web identity token file exchanged for that role.
 *
 * Every load builds its providers anew, so it re-reads the shared files and
 * the token file and never returns a memoised value: caching is the
 * CredentialCache's job alone, and loads happen only when it asks (once per
 * credential lifetime, or after the shared files changed).
 */

export interface CredentialSource {
  /** Fresh credentials (throws when no source has any). */
  load(): Promise<AwsCredentialIdentity>;
  /** Where the last loaded credentials came from, for the log (never secrets). */
  describe(creds: AwsCredentialIdentity): Record<string, unknown>;
}

export interface CredentialSourceOptions {
  readonly config: Sigv4AuthConfig;
  readonly env: Env;
  readonly requestHandler: AwsRequestHandler;
  /** Receives the SDK's own warnings (for example AWS_PROFILE and static keys both set). */
  readonly logger: Logger;
}

/** The session name when assume_role::session_name is unset: shows in CloudTrail as the caller. */
export const DEFAULT_SESSION_NAME = 'tributary';

export function createCredentialSource(o: CredentialSourceOptions): CredentialSource {
  const { config, env } = o;
  const logger = sdkLogger(o.logger);
  const role = config.assume_role;
  const endpoint = config.sts_endpoint ?? nonEmpty(env.AWS_ENDPOINT_URL_STS);
  const stsRegion = role.sts_region ?? config.region ?? nonEmpty(env.AWS_REGION) ?? nonEmpty(env.AWS_DEFAULT_REGION);
  // The STS client for AssumeRole, and for role chains inside the profile (role_arn with source_profile).
  const clientConfig = {
    requestHandler: o.requestHandler,
    ...(endpoint === undefined ? {} : { endpoint }),
    ...(stsRegion === undefined ? {} : { region: stsRegion }),
    ...(config.profile === undefined ? {} : { profile: config.profile }),
  };
  let baseSource: Record<string, unknown> = {};

  const base = () => fromNodeProviderChain({ profile: config.profile, ignoreCache: true, clientConfig, logger });

  let load: () => Promise<AwsCredentialIdentity>;
  if (role.arn !== undefined && role.web_identity_token_file !== undefined) {
    load = () =>
      fromTokenFile({
        webIdentityTokenFile: role.web_identity_token_file,
        roleArn: role.arn,
        roleSessionName: role.session_name ?? DEFAULT_SESSION_NAME,
        clientConfig,
        logger,
      })();
  } else if (role.arn !== undefined) {
    load = () => {
      const chain = base();
      return fromTemporaryCredentials({
        params: {
          RoleArn: role.arn!,
          RoleSessionName: role.session_name ?? DEFAULT_SESSION_NAME,
          ...(role.external_id === undefined ? {} : { ExternalId: role.external_id }),
        },
        masterCredentials: async () => {
          const c = await chain();
          baseSource = sourceFields(c, config.profile ?? env.AWS_PROFILE);
          return c;
        },
        clientConfig,
        logger,
      })();
    };
  } else {
    load = () => base()({ forceRefresh: true });
  }

  return {
    load,
    describe: (creds) => {
      const fields: Record<string, unknown> = {};
      if (role.arn !== undefined) {
        fields.source = role.web_identity_token_file !== undefined ? 'STS AssumeRoleWithWebIdentity' : 'STS AssumeRole';
        fields.role = role.arn;
        if (role.web_identity_token_file !== undefined) fields.tokenFile = role.web_identity_token_file;
        else for (const [k, v] of Object.entries(baseSource)) fields[`base_${k}`] = v;
        fields.sts = endpoint ?? `default endpoint for ${stsRegion ?? 'the SDK default region'}`;
        fields.accessKeyId = maskKey(creds.accessKeyId);
      } else {
        Object.assign(fields, sourceFields(creds, config.profile ?? env.AWS_PROFILE));
      }
      if (creds.expiration !== undefined) fields.expires = creds.expiration.toISOString();
      return fields;
    },
  };
}

/** The SDK's logger interface on top of the component's: its debug chatter stays at debug. */
function sdkLogger(l: Logger): SdkLogger {
  const text = (args: unknown[]): string => args.map((a) => (typeof a === 'string' ? a : a instanceof Error ? a.message : JSON.stringify(a))).join(' ');
  return {
    debug: (...a: unknown[]) => l.debug({ sdk: true }, text(a)),
    info: (...a: unknown[]) => l.debug({ sdk: true }, text(a)),
    warn: (...a: unknown[]) => l.warn({ sdk: true }, text(a)),
    error: (...a: unknown[]) => l.error({ sdk: true }, text(a)),
  };
}

function nonEmpty(v: string | undefined): string | undefined {
  return v === undefined || v.trim() === '' ? undefined : v.trim();
}

/** Names for the SDK's credential feature ids ($source on resolved credentials). */
const SOURCE_NAMES: Readonly<Record<string, string>> = {
  CREDENTIALS_ENV_VARS: 'environment variables',
  CREDENTIALS_PROFILE: 'shared config/credentials files',
  CREDENTIALS_PROFILE_SOURCE_PROFILE: 'shared files: role assumed from a source_profile',
  CREDENTIALS_PROFILE_NAMED_PROVIDER: 'shared files: credential_source',
  CREDENTIALS_ENV_VARS_STS_WEB_ID_TOKEN: 'web identity token (AWS_WEB_IDENTITY_TOKEN_FILE)',
  CREDENTIALS_PROFILE_STS_WEB_ID_TOKEN: 'shared files: web identity token',
  CREDENTIALS_STS_ASSUME_ROLE_WEB_ID: 'STS AssumeRoleWithWebIdentity',
  CREDENTIALS_STS_ASSUME_ROLE: 'STS AssumeRole',
  CREDENTIALS_PROFILE_SSO: 'shared files: IAM Identity Center (SSO)',
  CREDENTIALS_SSO: 'IAM Identity Center (SSO)',
  CREDENTIALS_PROFILE_PROCESS: 'shared files: credential_process',
  CREDENTIALS_PROCESS: 'credential_process',
  CREDENTIALS_HTTP: 'container credentials endpoint (ECS / EKS Pod Identity)',
  CREDENTIALS_IMDS: 'EC2 instance metadata (IMDSv2)',
  CREDENTIALS_CODE: 'configured in code',
};

function sourceFields(creds: AwsCredentialIdentity, profile: string | undefined): Record<string, unknown> {
  const ids = Object.keys((creds as { $source?: Record<string, unknown> }).$source ?? {}).filter((k) => k.startsWith('CREDENTIALS_'));
  const names = ids.map((k) => SOURCE_NAMES[k] ?? k.toLowerCase());
  const out: Record<string, unknown> = { source: names.length === 0 ? 'AWS default credential chain' : names.join(', '), accessKeyId: maskKey(creds.accessKeyId) };
  if (ids.some((k) => k.includes('PROFILE'))) out.profile = profile ?? 'default';
  return out;
}

/** Enough of an access key id to tell keys apart in a log, not to use one. */
export function maskKey(id: string): string {
  return id.length <= 8 ? '****' : `${id.slice(0, 4)}…${id.slice(-4)}`;
}
