import { section, z } from '../../config/schema.js';
import { attributeMap } from '../helper/allowed.js';

/**
 * The mtlsauth extension's config (Tributary's own; the Collector has no
 * authenticator for client certificates). `rules` are tried in order; the
 * first whose `match` fits the verified client certificate gives the
 * request its attributes. Match keys: `cn`, `o`, `ou` (subject fields) and
 * `san_dns`, `san_uri`, `san_email`, `san_ip` (subject alternative names);
 * each is a pattern where `*` stands for any run of characters, and every
 * key given must match (a repeated field or a name list matches if any
 * entry does; DNS names ignore case). Attribute values may quote the
 * certificate with `{cn}`, `{o}` and `{ou}`; a rule quoting a field the
 * certificate lacks does not match.
 */

export const SUBJECT_KEYS = { cn: 'CN', o: 'O', ou: 'OU' } as const;
export const SAN_KEYS = { san_dns: 'DNS', san_uri: 'URI', san_email: 'email', san_ip: 'IP' } as const;
export const PLACEHOLDER = /\{([^{}]*)\}/g;

const pattern = z.string({ error: 'must be a pattern such as "site-*"' }).min(1, { message: 'must not be empty' }).optional();

const matchSchema = section({ cn: pattern, o: pattern, ou: pattern, san_dns: pattern, san_uri: pattern, san_email: pattern, san_ip: pattern }).refine(
  (m) => Object.values(m).some((v) => v !== undefined),
  { message: 'must name at least one of cn, o, ou, san_dns, san_uri, san_email, san_ip' },
);

const ruleSchema = section({
  match: matchSchema,
  attributes: attributeMap().refine(
    (a) => Object.values(a).every((v) => [...v.matchAll(PLACEHOLDER)].every((m) => Object.hasOwn(SUBJECT_KEYS, m[1]))),
    { message: 'values may quote only {cn}, {o} and {ou}' },
  ),
});
export type MtlsRuleConfig = z.infer<typeof ruleSchema>;

export const mtlsAuthSchema = section({
  rules: z.array(ruleSchema, { error: 'must be a list of {match, attributes} rules' }).min(1, { message: 'must list at least one rule' }),
});
export type MtlsAuthConfig = z.infer<typeof mtlsAuthSchema>;

