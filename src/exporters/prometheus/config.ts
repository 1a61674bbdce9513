import { bool, duration, endpoint, section, str, stringMap, z } from '../../config/schema.js';
import { serverTlsSchema } from '../../config/tls.js';

/** The prometheus (pull) exporter's config: the Collector's keys and defaults. */
export const prometheusSchema = section({
  endpoint: endpoint('localhost:8889'),
  namespace: str(''),
  const_labels: stringMap(),
  send_timestamps: bool(false),
  metric_expiration: duration('5m'),
  resource_to_telemetry_conversion: section({ enabled: bool(false) }).prefault({}),
  enable_open_metrics: bool(false),
  add_metric_suffixes: bool(true),
  tls: serverTlsSchema.optional(),
});
export type PrometheusConfig = z.infer<typeof prometheusSchema>;

export function validatePrometheus(c: PrometheusConfig): string[] {
  return c.enable_open_metrics ? ['enable_open_metrics: the OpenMetrics exposition is not implemented yet; Tributary serves the Prometheus text format 0.0.4'] : [];
}
