import { section, z } from '../../config/schema.js';
import { actionsSchema, checkActions } from '../helper/attr-actions.js';

/** The resource processor's config, as the Collector writes it: `attributes` is the list of actions on resource attributes. */
export const resourceSchema = section({
  attributes: actionsSchema.default([]),
});

export type ResourceConfig = z.infer<typeof resourceSchema>;

export function validateResource(c: ResourceConfig): string[] {
  return checkActions(c.attributes).map((m) => m.replace(/^actions/, 'attributes'));
}
