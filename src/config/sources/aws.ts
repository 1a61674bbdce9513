import { fromNodeProviderChain } from '@aws-sdk/credential-providers';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import type { AwsCredentialIdentityProvider } from '@smithy/types';
import { type SourceEnv, seconds } from './source.js';

/**
 * What the SSM and S3 sources share: client settings read the way the AWS
 * SDKs and the CloudWatch Agent read them (region from AWS_REGION /
 * AWS_DEFAULT_REGION or the shared config file, credentials from the
 * default chain, endpoint from AWS_ENDPOINT_URL_<SERVICE> or
 * AWS_ENDPOINT_URL), and turning SDK errors into one line an operator can act on.
 */
export interface AwsSourceSettings {
  /** undefined: the SDK's own chain (AWS_PROFILE's region in the shared config file). */
  readonly region: string | undefined;
  /** An endpoint override (moto, LocalStack, a VPC endpoint), or undefined for AWS's. */
  readonly endpoint: string | undefined;
  readonly credentials: AwsCredentialIdentityProvider;
  readonly requestHandler: NodeHttpHandler;
  readonly maxAttempts: number;
}

function nonEmpty(v: string | undefined): string | undefined {
  return v === undefined || v.trim() === '' ? undefined : v.trim();
}

/** `service` is the SDK's environment name for it: SSM, S3. */
export function awsSourceSettings(env: SourceEnv, service: string, timeoutMs: number): AwsSourceSettings {
  return {
    region: nonEmpty(env.AWS_REGION) ?? nonEmpty(env.AWS_DEFAULT_REGION),
    endpoint: nonEmpty(env[`AWS_ENDPOINT_URL_${service}`]) ?? nonEmpty(env.AWS_ENDPOINT_URL),
    credentials: fromNodeProviderChain(),
    requestHandler: new NodeHttpHandler({ connectionTimeout: Math.min(5000, timeoutMs), requestTimeout: timeoutMs }),
    maxAttempts: 3,
  };
}

interface SdkError {
  readonly name?: string;
  readonly message?: string;
  readonly code?: string;
  readonly $metadata?: { readonly httpStatusCode?: number };
}

const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'EPIPE']);

/**
 * The parts of an SDK failure every AWS source words the same way: time
 * out, no credentials, no region, network, access denied. Returns undefined
 * for service errors the caller words itself.
 */
export function describeCommonAwsError(err: unknown, timeoutMs: number, endpoint: string | undefined): string | undefined {
  const e = (err ?? {}) as SdkError;
  const name = e.name ?? '';
  const msg = e.message ?? String(err);
  if (name === 'TimeoutError' || name === 'AbortError' || e.code === 'ETIMEDOUT' || /timed? ?out/i.test(msg)) return `timed out after ${seconds(timeoutMs)}`;
  if (name === 'CredentialsProviderError') return `no AWS credentials (${msg}); set AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, AWS_PROFILE, or run with a role`;
  if (/region is missing/i.test(msg)) return 'no AWS region; set AWS_REGION';
  if (e.code !== undefined && NETWORK_CODES.has(e.code)) return `cannot reach ${endpoint ?? 'the AWS endpoint'} (${e.code})`;
  if (name === 'AccessDeniedException' || name === 'AccessDenied' || e.$metadata?.httpStatusCode === 403) return `access denied (${name || 'HTTP 403'}): ${msg}`;
  return undefined;
}

export function describeAwsError(err: unknown): string {
  const e = (err ?? {}) as SdkError;
  const status = e.$metadata?.httpStatusCode;
  return `${e.message ?? String(err)} (${e.name ?? 'error'}${status !== undefined ? `, HTTP ${status}` : ''})`;
}
