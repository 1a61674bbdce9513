import type { Kind } from './component.js';

/**
 * Component types of the OpenTelemetry Collector (core and contrib) and ADOT
 * that users may carry over in a config. A type listed here that Tributary
 * does not have gets a message saying exactly that, rather than "unknown".
 */
export const COLLECTOR_COMPONENTS: Readonly<Record<Kind, readonly string[]>> = {
  receiver: [
    'otlp', 'prometheus', 'prometheusremotewrite', 'hostmetrics', 'filelog', 'jaeger', 'zipkin', 'kafka', 'statsd',
    'awsecscontainermetrics', 'awsxray', 'awscontainerinsightreceiver', 'awsfirehose', 'k8s_cluster', 'kubeletstats',
    'carbon', 'collectd', 'fluentforward', 'influxdb', 'journald', 'otlpjsonfile', 'prometheus_simple', 'simpleprometheus',
    'signalfx', 'splunk_hec', 'syslog', 'tcplog', 'udplog', 'opencensus', 'httpcheck', 'redis', 'postgresql', 'mysql',
    'nginx', 'apache', 'elasticsearch', 'mongodb', 'rabbitmq', 'awscloudwatch', 'awscloudwatchmetrics', 'sqlquery',
  ],
  processor: [
    'batch', 'memory_limiter', 'attributes', 'resource', 'filter', 'metricstransform', 'transform', 'resourcedetection',
    'k8sattributes', 'cumulativetodelta', 'deltatocumulative', 'deltatorate', 'groupbyattrs', 'groupbytrace',
    'probabilistic_sampler', 'tail_sampling', 'routing', 'span', 'redaction', 'metricsgeneration', 'interval',
    'experimental_metricsgeneration', 'logstransform', 'schema', 'sumologic', 'remotetap',
  ],
  exporter: [
    'otlp', 'otlphttp', 'prometheus', 'prometheusremotewrite', 'debug', 'logging', 'file', 'awsemf', 'awscloudwatchlogs',
    'awsxray', 'awss3', 'awskinesis', 'kafka', 'nop', 'elasticsearch', 'datadog', 'splunk_hec',
    'signalfx', 'influxdb', 'carbon', 'clickhouse', 'opensearch', 'zipkin', 'awscloudwatchmetrics',
  ],
  extension: [
    'health_check', 'healthcheckv2', 'pprof', 'zpages', 'sigv4auth', 'basicauth', 'bearertokenauth', 'oauth2client',
    'file_storage', 'oidc', 'headers_setter', 'ecs_observer', 'awsproxy', 'memory_ballast', 'ecs_task_observer',
    'k8s_observer', 'host_observer', 'db_storage', 'jaegerremotesampling', 'asapclient', 'opamp',
  ],
};
