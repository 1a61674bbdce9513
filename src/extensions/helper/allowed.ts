import { z } from '../../config/schema.js';

/**
 * `allowed`: which credentials an authenticator instance admits, by their
 * attributes. Each listed attribute must have one of its listed values
 * (`allowed: {tenant: [acme]}`); a valid credential that fails is refused
 * with 403, where an unknown one gets 401. Several named instances of an
 * authenticator can share one credentials file and each admit its own
 * tenants, one per receiver, as the Collector ties one authenticator to a
 * receiver.
 */
export const allowedSchema = z
  .record(
    z.string().min(1, { message: 'attribute names must not be empty' }),
    z.array(z.string({ error: 'must be a string' }), { error: 'must be a list of allowed values' }).min(1, { message: 'must list at least one value' }),
    { error: 'must be a map from attribute name to a list of allowed values, for example {tenant: [acme]}' },
  )
  .optional();
export type AllowedConfig = z.infer<typeof allowedSchema>;

/** Why a credential with these attributes is not allowed, or undefined when it is. Names the attribute, not the allowed values. */
export function notAllowed(allowed: AllowedConfig, attributes: Readonly<Record<string, string>>): string | undefined {
  if (allowed === undefined) return undefined;
  for (const [name, values] of Object.entries(allowed)) {
    const v = Object.hasOwn(attributes, name) ? attributes[name] : undefined;
    if (v === undefined) return `the credential has no ${name} attribute, which this receiver requires`;
    if (!values.includes(v)) return `${name} "${v}" is not allowed on this receiver`;
  }
  return undefined;
}

/** A map of attribute names to string values, as credentials carry them. */
export function attributeMap() {
  return z
    .record(
      z.string().min(1, { message: 'attribute names must not be empty' }),
      z.string({ error: 'must be a string (quote numbers such as account ids: "012345678901")' }),
      { error: 'must be a map of strings' },
    )
    .default({});
}
