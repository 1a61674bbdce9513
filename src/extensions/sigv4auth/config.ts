import { section, z } from '../../config/schema.js';

/**
 * sigv4auth settings. The keys region, service and assume_role are the
 * OpenTelemetry Collector's (extension/sigv4authextension); sts_endpoint,
 * ca_file and profile are Tributary's, for closed networks and hosts with
 * several AWS identities.
 *
 * An empty string counts as unset, so `arn: ${env:ROLE_ARN}` with the
 * variable unset means "no role".
 */

const REGION = /^[a-z]{2}(-[a-z]+)+-\d+$/;
const SERVICE = /^[a-z0-9][a-z0-9-]*$/;
const ROLE_ARN = /^arn:aws[a-z-]*:iam::\d{12}:role\/[\w+=,.@/-]+$/;
// Limits from the STS AssumeRole API reference.
const SESSION_NAME = /^[\w+=,.@-]{2,64}$/;
const EXTERNAL_ID = /^[\w+=,.@:/-]{2,1224}$/;

/** An optional string where "" means unset; `check` is the format it must have when set. */
function opt(check?: { re: RegExp; message: string }) {
  const base = z.string({ error: 'must be a string' });
  const s = check === undefined ? base : base.regex(check.re, { message: check.message });
  return z.preprocess((v) => (v === '' || v === null ? undefined : v), s.optional());
}

const region = { re: REGION, message: 'must be an AWS region like "eu-west-1"' };

function url(v: string): boolean {
  try {
    const u = new URL(v);
    return (u.protocol === 'https:' || u.protocol === 'http:') && u.hostname !== '' && (u.pathname === '/' || u.pathname === '') && u.search === '';
  } catch {
    return false;
  }
}

export const assumeRoleSchema = section({
  arn: opt({ re: ROLE_ARN, message: 'must be an IAM role ARN like "arn:aws:iam::123456789012:role/name"' }),
  session_name: opt({ re: SESSION_NAME, message: 'must be 2 to 64 characters of letters, digits and +=,.@_-' }),
  sts_region: opt(region),
  external_id: opt({ re: EXTERNAL_ID, message: 'must be 2 to 1224 characters of letters, digits and +=,.@:/_-' }),
  web_identity_token_file: opt(),
});

export const sigv4AuthSchema = section({
  /** Signing region; inferred from each request's host when unset. */
  region: opt(region),
  /** Signing service name (aps, monitoring, logs...); inferred from each request's host when unset. */
  service: opt({ re: SERVICE, message: 'must be an AWS signing name like "aps", "monitoring" or "logs"' }),
  assume_role: z.preprocess((v) => (v === null ? {} : v), assumeRoleSchema.default({})),
  /** Tributary: STS endpoint (a VPC endpoint in closed networks). AWS_ENDPOINT_URL_STS is used when unset. */
  sts_endpoint: z.preprocess(
    (v) => (v === '' || v === null ? undefined : v),
    z.string({ error: 'must be a string' }).refine(url, { message: 'must be an http(s) URL with a host and no path, like "https://sts.eu-west-1.amazonaws.com"' }).optional(),
  ),
  /** Tributary: PEM bundle of extra CAs for the extension's AWS calls (AWS_CA_BUNDLE when unset); exporters may share it. */
  ca_file: opt(),
  /** Tributary: named profile of the shared config/credentials files (AWS_PROFILE when unset). */
  profile: opt(),
});

export type Sigv4AuthConfig = z.infer<typeof sigv4AuthSchema>;
export type AssumeRoleConfig = z.infer<typeof assumeRoleSchema>;

/** Checks across keys; messages carry their path inside the extension's section. */
export function validateSigv4Auth(c: Sigv4AuthConfig): string[] {
  const out: string[] = [];
  const r = c.assume_role;
  if (r.arn === undefined) {
    for (const key of ['session_name', 'sts_region', 'external_id', 'web_identity_token_file'] as const) {
      if (r[key] !== undefined) out.push(`assume_role::${key}: only applies with assume_role::arn; set the role to assume or remove this key`);
    }
  }
  if (r.web_identity_token_file !== undefined && r.external_id !== undefined) {
    out.push('assume_role::external_id: AssumeRoleWithWebIdentity takes no external id; remove it or remove web_identity_token_file');
  }
  return out;
}
