import type { ExtensionFactory } from '../../component/component.js';
import { type HealthCheckConfig, healthCheckSchema } from './config.js';
import { HealthCheck } from './health-check.js';

export const healthCheckFactory: ExtensionFactory<HealthCheckConfig> = {
  kind: 'extension',
  type: 'health_check',
  stability: 'beta',
  configSchema: healthCheckSchema,
  create: (set, config) => new HealthCheck(set, config),
};
