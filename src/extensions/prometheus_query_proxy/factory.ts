import type { ExtensionFactory } from '../../component/component.js';
import { type QueryProxyConfig, queryProxySchema, validateQueryProxy } from './config.js';
import { QueryProxy } from './proxy.js';

export const queryProxyFactory: ExtensionFactory<QueryProxyConfig> = {
  kind: 'extension',
  type: 'prometheus_query_proxy',
  stability: 'alpha',
  configSchema: queryProxySchema,
  validate: validateQueryProxy,
  create: (set, config) => new QueryProxy(set, config),
};
