import type { ExtensionFactory } from '../../component/component.js';
import { BearerTokenAuth } from './bearertokenauth.js';
import { type BearerTokenAuthConfig, bearerTokenAuthSchema, validateBearerTokenAuth } from './config.js';

export const bearerTokenAuthFactory: ExtensionFactory<BearerTokenAuthConfig> = {
  kind: 'extension',
  type: 'bearertokenauth',
  stability: 'alpha',
  configSchema: bearerTokenAuthSchema,
  validate: validateBearerTokenAuth,
  create: (set, config) => new BearerTokenAuth(set, config),
};
