import type { ExtensionFactory } from '../../component/component.js';
import { type MtlsAuthConfig, mtlsAuthSchema } from './config.js';
import { MtlsAuth } from './mtlsauth.js';

export const mtlsAuthFactory: ExtensionFactory<MtlsAuthConfig> = {
  kind: 'extension',
  type: 'mtlsauth',
  stability: 'alpha',
  configSchema: mtlsAuthSchema,
  create: (set, config) => new MtlsAuth(set, config),
};
