import { endpoint, section, str, z } from '../../config/schema.js';
import { serverTlsSchema } from '../../config/tls.js';

export const healthCheckSchema = section({
  endpoint: endpoint('localhost:13133'),
  /** Readiness, as the Collector serves it: 200 when every component runs, 503 otherwise. */
  path: str('/'),
  tls: serverTlsSchema.optional(),
  /** Accepted for Collector compatibility; Tributary's readiness always covers the pipelines. */
  check_collector_pipeline: z.unknown().optional(),
  response_body: section({ healthy: str(), unhealthy: str() }).optional(),
});
export type HealthCheckConfig = z.infer<typeof healthCheckSchema>;
