import { bool, duration, endpoint, int, section, str, z } from '../../config/schema.js';
import { serverTlsSchema, validateServerTls } from '../../config/tls.js';
import { httpServerSettings, validateServerSettings } from '../helper/server-settings.js';
import { LIMITS } from './limits.js';

/**
 * The putmetricdata receiver's config. It listens on localhost:4320 by
 * default: next to OTLP's 4317/4318, and free in the Collector's port
 * conventions. Keys:
 *
 * - credentials: the access keys the gateway issued, each with the
 *   attributes stamped on everything sent with it;
 * - credentials_file: a YAML or JSON file with more keys (a list of the same
 *   entries, or `{credentials: [...]}`), re-read when it changes;
 * - region: when set, requests signed for another region are refused;
 * - max_request_body_size: after decompression; CloudWatch's own limit, 1 MB,
 *   by default.
 */

/** Key ids must survive the SigV4 Credential syntax (`<id>/<date>/<region>/<service>/aws4_request`). */
const ACCESS_KEY_ID = /^[A-Za-z0-9_.+=@-]{1,128}$/;

export const credentialSchema = section({
  access_key_id: z
    .string({ error: 'must be a string' })
    .regex(ACCESS_KEY_ID, { message: 'must be 1 to 128 letters, digits or _ . + = @ - (no "/", "," or spaces)' }),
  // A numeric YAML scalar is accepted as text: secrets are opaque strings.
  secret_access_key: z
    .union([z.string(), z.number(), z.bigint()], { error: 'must be a string' })
    .transform((v) => String(v))
    .refine((v) => v.length > 0, { message: 'must not be empty' }),
  attributes: z
    .record(
      z.string().min(1, { message: 'attribute names must not be empty' }),
      z.string({ error: 'must be a string (quote numbers such as account ids: "012345678901")' }),
      { error: 'must be a map of strings' },
    )
    .default({}),
});
export type CredentialConfig = z.infer<typeof credentialSchema>;

/** The credentials file: a list of entries, or a map with a `credentials` list. */
export const credentialsFileSchema = z.preprocess(
  (doc) => (Array.isArray(doc) ? { credentials: doc } : doc),
  section({ credentials: z.array(credentialSchema, { error: 'must be a list of {access_key_id, secret_access_key, attributes}' }) }),
);

export const putMetricDataReceiverSchema = section({
  endpoint: endpoint('localhost:4320'),
  credentials: z.array(credentialSchema, { error: 'must be a list of {access_key_id, secret_access_key, attributes}' }).default([]),
  credentials_file: str(),
  /** How often the credentials file is checked for changes ("0s": never, read at start only). */
  credentials_reload_interval: duration('2s'),
  /** When set (for example "eu-west-1"), requests signed for another region are refused as AWS refuses them. */
  region: z
    .string({ error: 'must be a string' })
    .regex(/^[a-z0-9-]{1,64}$/, { message: 'must be a region name like "eu-west-1"' })
    .optional(),
  max_request_body_size: int(LIMITS.maxBodyBytes, 1),
  tls: serverTlsSchema.optional(),
  /** Pass request headers (except Authorization) to processors as client metadata. */
  include_metadata: bool(false),
  /** read_timeout, read_header_timeout, idle_timeout, rate_limit (key auth.<attribute> reads the access key's attributes). */
  ...httpServerSettings,
});

export type PutMetricDataReceiverConfig = z.infer<typeof putMetricDataReceiverSchema>;

export function validatePutMetricDataReceiver(c: PutMetricDataReceiverConfig): string[] {
  const out: string[] = [];
  if (c.credentials.length === 0 && c.credentials_file === undefined) {
    out.push('credentials: at least one credential is required (under credentials, or in a credentials_file)');
  }
  out.push(...duplicateKeyIds(c.credentials).map((id) => `credentials: access_key_id "${id}" appears more than once`));
  out.push(...validateServerTls(c.tls, 'tls'));
  out.push(...validateServerSettings(c));
  return out;
}

export function duplicateKeyIds(list: readonly CredentialConfig[]): string[] {
  const seen = new Set<string>();
  const dup = new Set<string>();
  for (const c of list) {
    if (seen.has(c.access_key_id)) dup.add(c.access_key_id);
    seen.add(c.access_key_id);
  }
  return [...dup];
}
