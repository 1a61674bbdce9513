import { describe, expect, it } from 'vitest';
import { Registry } from '../component/registry.js';
import { BUILTIN_FACTORIES } from '../components.js';
import { buildConfigYaml } from '../test-kit/config.js';
import { attributesProcessorFactory } from './attributes/factory.js';
import { filterProcessorFactory } from './filter/factory.js';
import { metricsTransformProcessorFactory } from './metricstransform/factory.js';
import { resourceProcessorFactory } from './resource/factory.js';
import { routingProcessorFactory } from './routing/factory.js';

/**
 * Processor configs written as OpenTelemetry Collector (and ADOT) users
 * write them load unchanged, through the whole config path.
 */

const MINE = [attributesProcessorFactory, resourceProcessorFactory, filterProcessorFactory, metricsTransformProcessorFactory, routingProcessorFactory];
const registry = () => new Registry([...BUILTIN_FACTORIES.filter((f) => !MINE.some((m) => m.kind === f.kind && m.type === f.type)), ...MINE]);

const PROCESSORS = `
processors:
  attributes/dimensions:
    actions:
      - key: account_id
        from_context: auth.account
        action: upsert
      - key: tenant
        from_context: metadata.x-tenant
        action: insert
      - key: environment
        value: production
        action: insert
      - key: user.email
        action: hash
      - key: http.url
        pattern: ^https?://(?P<http_host>[^/]+)
        action: extract
      - key: retries
        converted_type: int
        action: convert
      - pattern: ^internal\\.
        action: delete
    include:
      match_type: regexp
      metric_names: [^http_.*, ^rpc_.*]
    exclude:
      match_type: strict
      resources:
        - key: service.name
          value: canary
  attributes/upper:
    actions:
      - {key: env, value: prod, action: UPSERT}
  resource:
    attributes:
      - key: cloud.availability_zone
        value: eu-west-1a
        action: upsert
      - key: gateway
        from_context: client.address
        action: insert
  filter/legacy:
    error_mode: ignore
    metrics:
      include:
        match_type: regexp
        regexp:
          cacheenabled: true
        metric_names:
          - prefix/.*
          - prefix_.*
        resource_attributes:
          - key: container.name
            value: app_container_1
      exclude:
        match_type: strict
        metric_names: [hello_world]
  filter/ottl:
    error_mode: ignore
    metrics:
      metric:
        - 'name == "my.metric" and resource.attributes["my_label"] == "abc123"'
        - 'type == METRIC_DATA_TYPE_HISTOGRAM'
      datapoint:
        - 'metric.type == METRIC_DATA_TYPE_SUMMARY'
        - 'resource.attributes["service.name"] == "my_service_name"'
  metricstransform:
    transforms:
      - include: system.cpu.usage
        action: update
        new_name: system.cpu.usage_time
      - include: ^(.*)$$
        match_type: regexp
        action: update
        new_name: host/$\${1}
      - include: system.cpu.usage
        action: insert
        new_name: system.cpu.usage_by_state
        operations:
          - action: aggregate_labels
            label_set: [state]
            aggregation_type: sum
          - action: update_label
            label: state
            new_label: cpu_state
            value_actions:
              - value: idle
                new_value: "-"
          - action: add_label
            new_label: version
            new_value: opentelemetry collector
          - action: delete_label_value
            label: cpu_state
            label_value: steal
  routing:
    from_attribute: X-Tenant
    attribute_source: context
    default_exporters: [debug]
    table:
      - value: acme
        exporters: [prometheusremotewrite/acme]
      - statement: route() where resource.attributes["tenant"] == "beta"
        exporters: [prometheusremotewrite/beta]
`;

describe('Collector processor configs', () => {
  it('load unchanged', async () => {
    const cfg = await buildConfigYaml(
      `
receivers: {otlp: {protocols: {grpc: {endpoint: "127.0.0.1:0", include_metadata: true}}}}
${PROCESSORS}
exporters:
  debug:
  prometheusremotewrite/acme: {endpoint: "http://127.0.0.1:1/api/v1/write"}
  prometheusremotewrite/beta: {endpoint: "http://127.0.0.1:1/api/v1/write"}
service:
  pipelines:
    metrics:
      receivers: [otlp]
      processors: [attributes/dimensions, attributes/upper, resource, filter/legacy, filter/ottl, metricstransform, routing]
      exporters: [debug, prometheusremotewrite/acme, prometheusremotewrite/beta]
`,
      registry(),
    );
    // "$$" is the Collector's escape for a literal "$" (regexp ends, ${1} templates).
    const mt = cfg.components.processor.get('metricstransform')!.config as { transforms: { include: string; new_name?: string }[] };
    expect([mt.transforms[1].include, mt.transforms[1].new_name]).toEqual(['^(.*)$', 'host/${1}']);
    expect([...cfg.components.processor.keys()].sort()).toEqual(['attributes/dimensions', 'attributes/upper', 'filter/legacy', 'filter/ottl', 'metricstransform', 'resource', 'routing']);
  });
});
