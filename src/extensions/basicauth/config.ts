import { duration, section, str, z } from '../../config/schema.js';
import { allowedSchema, attributeMap } from '../helper/allowed.js';
import { parseHtpasswd } from './htpasswd.js';

/**
 * The basicauth extension's config, server side. The Collector's keys:
 * `htpasswd.file` (re-read when it changes) and `htpasswd.inline`; a user in
 * both is taken from inline. Tributary's additions:
 *
 * - `user_attributes`: per user, the attributes processors read as
 *   `auth.<name>` (every user also gets `username`, as in the Collector);
 * - `allowed`: admit only users with these attribute values (403 for others);
 * - `reload_interval`: how often the file is checked for changes ("0s": never).
 *
 * Password formats: `{SHA}` (htpasswd -s) and plain text. bcrypt, MD5
 * (`$apr1$`) and SHA-crypt entries are refused with a message, never read
 * as plain text: they need a password-hashing library this build lacks.
 */
export const basicAuthSchema = section({
  htpasswd: section({ file: str(), inline: str() }).optional(),
  user_attributes: z.record(z.string().min(1, { message: 'user names must not be empty' }), attributeMap(), { error: 'must be a map from user name to attributes' }).default({}),
  allowed: allowedSchema,
  reload_interval: duration('2s'),
});
export type BasicAuthConfig = z.infer<typeof basicAuthSchema>;

export function validateBasicAuth(c: BasicAuthConfig): string[] {
  if (c.htpasswd?.file === undefined && c.htpasswd?.inline === undefined) return ['htpasswd: set file, inline or both (client_auth, for outgoing requests, is not supported)'];
  if (c.htpasswd?.inline !== undefined) {
    const r = parseHtpasswd(c.htpasswd.inline);
    if (!r.ok) return [`htpasswd::inline: ${r.error}`];
  }
  return [];
}
