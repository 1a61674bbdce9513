import { duration, section, str, z } from '../../config/schema.js';
import { allowedSchema, attributeMap } from '../helper/allowed.js';

/**
 * The bearertokenauth extension's config, server side. The Collector's keys:
 * `header` (default Authorization), `scheme` (default "Bearer"; "" means
 * the header holds the bare token), `token`, `tokens` and `filename` (one
 * token per line, re-read when it changes). Tributary's additions:
 *
 * - `schemes`: several accepted schemes instead of `scheme`, for example
 *   `[Bearer, Token]` to admit InfluxDB 2.x clients (`Authorization: Token ...`);
 * - `tokens` entries may be maps `{token, name, attributes}`: `name` is the
 *   identity processors see (auth subject; default `token-` and 8 hex digits
 *   of the token's SHA-256), `attributes` are exposed as `auth.<name>`;
 * - `tokens_file`: a YAML or JSON list of the same entries (or `{tokens: [...]}`),
 *   re-read when it changes;
 * - `allowed`: admit only tokens with these attribute values (403 for others);
 * - `reload_interval`: how often the files are checked for changes ("0s": never).
 */

const TOKEN = /^[\x21-\x7e]+$/;
const tokenString = z
  .string({ error: 'must be a string' })
  .regex(TOKEN, { message: 'must be printable ASCII without spaces (it travels in a header)' });

export const tokenEntrySchema = z.union(
  [
    tokenString.transform((token) => ({ token, name: undefined, attributes: {} as Record<string, string> })),
    section({
      token: tokenString,
      name: z.string({ error: 'must be a string' }).min(1, { message: 'must not be empty' }).optional(),
      attributes: attributeMap(),
    }),
  ],
  { error: 'must be a token, or a map {token, name, attributes}' },
);
export type TokenEntry = z.infer<typeof tokenEntrySchema>;

export const tokensFileSchema = z.preprocess(
  (doc) => (Array.isArray(doc) ? { tokens: doc } : doc),
  section({ tokens: z.array(tokenEntrySchema, { error: 'must be a list of tokens or {token, name, attributes} maps' }) }),
);

const SCHEME = /^[A-Za-z0-9!#$%&'*+.^_`|~-]*$/;
const scheme = z.string({ error: 'must be a string' }).regex(SCHEME, { message: 'must be an HTTP auth scheme such as "Bearer" (letters, digits, no spaces)' });

export const bearerTokenAuthSchema = section({
  header: str('Authorization'),
  scheme: scheme.optional(),
  schemes: z.array(scheme, { error: 'must be a list of schemes, for example [Bearer, Token]' }).min(1, { message: 'must list at least one scheme' }).optional(),
  token: tokenString.optional(),
  tokens: z.array(tokenEntrySchema, { error: 'must be a list of tokens or {token, name, attributes} maps' }).default([]),
  filename: str(),
  tokens_file: str(),
  allowed: allowedSchema,
  reload_interval: duration('2s'),
});
export type BearerTokenAuthConfig = z.infer<typeof bearerTokenAuthSchema>;

export function validateBearerTokenAuth(c: BearerTokenAuthConfig): string[] {
  const out: string[] = [];
  if (c.token === undefined && c.tokens.length === 0 && c.filename === undefined && c.tokens_file === undefined) {
    out.push('no tokens: set token, tokens, filename or tokens_file');
  }
  if (c.scheme !== undefined && c.schemes !== undefined) out.push('scheme and schemes: set one of them (schemes lists several, for example [Bearer, Token])');
  if (!/^[A-Za-z0-9-]+$/.test(c.header)) out.push('header: must be a header name such as "Authorization"');
  return out;
}

/** The schemes accepted, lower-case; [""] for a bare token. */
export function schemesOf(c: BearerTokenAuthConfig): string[] {
  return (c.schemes ?? [c.scheme ?? 'Bearer']).map((s) => s.toLowerCase());
}
