/**
 * The embedded default: what `tributary` runs with no --config. OTLP in
 * (gRPC and HTTP) -> batch -> a Prometheus pull endpoint and the debug log,
 * on localhost, with the health check on its usual port.
 */
export function defaultConfigYaml(_env: Readonly<Record<string, string | undefined>>): string {
  return `
receivers:
  otlp:
    protocols:
      grpc:
        endpoint: localhost:4317
      http:
        endpoint: localhost:4318
processors:
  batch:
exporters:
  prometheus:
    endpoint: localhost:8889
  debug:
    verbosity: basic
extensions:
  health_check:
    endpoint: localhost:13133
service:
  extensions: [health_check]
  pipelines:
    metrics:
      receivers: [otlp]
      processors: [batch]
      exporters: [prometheus, debug]
`;
}
