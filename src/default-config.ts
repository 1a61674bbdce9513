/**
 * The embedded default: what `tributary` runs with no --config. OTLP in
 * (gRPC and HTTP) -> batch -> a Prometheus pull endpoint and the debug log,
 * on localhost, with the health check on its usual port. When
 * AWS_PROMETHEUS_ENDPOINT is set (ADOT's convention), the data also goes to
 * Amazon Managed Service for Prometheus, signed by sigv4auth in AWS_REGION
 * (or the region in the endpoint's host when AWS_REGION is unset).
 */
export function defaultConfigYaml(env: Readonly<Record<string, string | undefined>>): string {
  const amp = (env.AWS_PROMETHEUS_ENDPOINT ?? '') !== '';
  const region = (env.AWS_REGION ?? '') !== '' ? '\n    region: ${env:AWS_REGION}' : '';
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
    verbosity: basic${
      amp
        ? `
  prometheusremotewrite/amp:
    endpoint: \${env:AWS_PROMETHEUS_ENDPOINT}
    auth:
      authenticator: sigv4auth`
        : ''
    }
extensions:
  health_check:
    endpoint: localhost:13133${
      amp
        ? `
  sigv4auth:
    service: aps${region}`
        : ''
    }
service:
  extensions: [health_check${amp ? ', sigv4auth' : ''}]
  pipelines:
    metrics:
      receivers: [otlp]
      processors: [batch]
      exporters: [prometheus, debug${amp ? ', prometheusremotewrite/amp' : ''}]
`;
}
