import type { ExtensionFactory } from '../../component/component.js';
import { BasicAuth } from './basicauth.js';
import { type BasicAuthConfig, basicAuthSchema, validateBasicAuth } from './config.js';

export const basicAuthFactory: ExtensionFactory<BasicAuthConfig> = {
  kind: 'extension',
  type: 'basicauth',
  stability: 'alpha',
  configSchema: basicAuthSchema,
  validate: validateBasicAuth,
  create: (set, config) => new BasicAuth(set, config),
};
