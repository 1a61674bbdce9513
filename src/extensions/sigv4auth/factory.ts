import type { ExtensionFactory } from '../../component/component.js';
import { type Sigv4AuthConfig, sigv4AuthSchema, validateSigv4Auth } from './config.js';
import { Sigv4Auth } from './sigv4auth.js';

export const sigv4AuthFactory: ExtensionFactory<Sigv4AuthConfig> = {
  kind: 'extension',
  type: 'sigv4auth',
  stability: 'beta',
  configSchema: sigv4AuthSchema,
  validate: validateSigv4Auth,
  // The AWS variables (AWS_PROFILE, AWS_CA_BUNDLE, HTTPS_PROXY...) are read once, here.
  create: (set, config) => new Sigv4Auth(set, config, { env: { ...process.env } }),
};
