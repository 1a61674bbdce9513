import { bool, duration, oneOf, presence, section, str, stringList, z } from './schema.js';

/**
 * The `service` section: which extensions run, the pipelines, and the
 * gateway's own telemetry. Keys follow the Collector's service config;
 * `shutdown_timeout` is Tributary's (how long SIGTERM waits for draining).
 */

const pipeline = section({
  receivers: z.array(z.string({ error: 'must be a component id' }), { error: 'must be a list of component ids' }).default([]),
  processors: z.array(z.string({ error: 'must be a component id' }), { error: 'must be a list of component ids' }).default([]),
  exporters: z.array(z.string({ error: 'must be a component id' }), { error: 'must be a list of component ids' }).default([]),
});
export type PipelineSection = z.infer<typeof pipeline>;

const otlpPushExporter = section({
  otlp: presence(
    section({
      protocol: oneOf(['grpc', 'http/protobuf'], 'grpc'),
      endpoint: str('http://localhost:4317'),
      insecure: bool(true),
      headers: z.record(z.string(), z.string()).default({}),
      temporality_preference: oneOf(['cumulative', 'delta'], 'cumulative'),
    }),
  ),
});

const prometheusPullExporter = section({
  prometheus: presence(
    section({
      host: str('localhost'),
      port: z.number({ error: 'must be a port number' }).int().min(0).max(65535).default(8888),
    }),
  ),
});

const reader = section({
  pull: presence(section({ exporter: prometheusPullExporter })),
  periodic: presence(
    section({
      interval: duration('60s'),
      timeout: duration('30s'),
      exporter: otlpPushExporter,
    }),
  ),
});

export const telemetrySchema = section({
  logs: section({
    level: oneOf(['debug', 'info', 'warn', 'error'], 'info'),
    encoding: oneOf(['json'], 'json'),
    /** Lines per key and interval for repeated messages (Tributary). */
    throttle_interval: duration('10s'),
  }).prefault({} as never),
  metrics: section({
    level: oneOf(['none', 'basic', 'normal', 'detailed'], 'normal'),
    /** Deprecated in the Collector in favour of readers; still accepted. */
    address: str(),
    readers: z.array(reader).optional(),
  }).prefault({} as never),
  resource: z.record(z.string(), z.string().nullable()).default({}),
}).prefault({} as never);

export type TelemetrySection = z.infer<typeof telemetrySchema>;

export const serviceSchema = section({
  extensions: stringList(),
  pipelines: z.record(z.string(), pipeline, { error: 'must be a map of pipelines' }).default({}),
  telemetry: telemetrySchema,
  shutdown_timeout: duration('30s'),
  /**
   * Worker processes (Tributary): a number, or "auto" for one per CPU core.
   * 1 (the default) runs everything in this one process. See docs/workers.md.
   */
  workers: z
    .union([z.literal('auto'), z.number().int().min(1).max(256)], { error: 'must be "auto" or a whole number from 1 to 256' })
    .default(1),
  /**
   * With workers > 1, processors and exporters that keep per-stream state
   * (see src/workers/state-check.ts)
   * are refused unless this is true: each worker would hold its own state.
   */
  allow_per_worker_state: bool(false),
});

export type ServiceSection = z.infer<typeof serviceSchema>;
