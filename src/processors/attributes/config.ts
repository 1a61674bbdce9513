import { presence, section, z } from '../../config/schema.js';
import { actionsSchema, checkActions } from '../helper/attr-actions.js';
import { checkMatchProperties, matchPropertiesSchema } from '../helper/metric-selector.js';

/**
 * The attributes processor's config, as the Collector writes it: `actions`
 * on data point attributes, and optional `include` / `exclude` choosing the
 * metrics they apply to.
 */
export const attributesSchema = section({
  actions: actionsSchema.default([]),
  include: presence(matchPropertiesSchema),
  exclude: presence(matchPropertiesSchema),
});

export type AttributesConfig = z.infer<typeof attributesSchema>;

export function validateAttributes(c: AttributesConfig): string[] {
  return [...checkActions(c.actions), ...checkMatchProperties(c.include, 'include'), ...checkMatchProperties(c.exclude, 'exclude')];
}
