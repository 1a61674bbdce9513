import type { ExporterFactory } from '../../component/component.js';
import { type LoadBalancingConfig, loadBalancingSchema, validateLoadBalancing } from './config.js';
import { LoadBalancingExporter } from './exporter.js';

export const loadBalancingExporterFactory: ExporterFactory<LoadBalancingConfig> = {
  kind: 'exporter',
  type: 'loadbalancing',
  // The Collector renamed the type load_balancing and keeps loadbalancing as an alias.
  aliases: ['load_balancing'],
  stability: 'alpha',
  configSchema: loadBalancingSchema,
  validate: validateLoadBalancing,
  create: (set, config) => new LoadBalancingExporter(set, config),
};
