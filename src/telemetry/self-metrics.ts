import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/**
 * The gateway's own metrics (prom-client), named as the OpenTelemetry
 * Collector names its internal metrics so that dashboards written for the
 * Collector work, plus `tributary_*` metrics where the Collector has none.
 * One registry per gateway instance, so several can run in one process.
 */
export class SelfMetrics {
  readonly registry = new Registry();

  readonly receiverAccepted = new Counter({
    name: 'otelcol_receiver_accepted_metric_points_total',
    help: 'Data points accepted by a receiver and handed on successfully.',
    labelNames: ['receiver', 'transport'],
    registers: [this.registry],
  });
  readonly receiverRefused = new Counter({
    name: 'otelcol_receiver_refused_metric_points_total',
    help: 'Data points a receiver decoded but could not hand on (downstream refused) or rejected as invalid.',
    labelNames: ['receiver', 'transport'],
    registers: [this.registry],
  });
  readonly receiverRequests = new Counter({
    name: 'tributary_receiver_requests_total',
    help: 'Requests answered by a receiver, by status (HTTP status code or gRPC code name).',
    labelNames: ['receiver', 'transport', 'status'],
    registers: [this.registry],
  });
  readonly receiverRateLimited = new Counter({
    name: 'tributary_receiver_rate_limited_requests_total',
    help: 'Requests a receiver refused because their key (tenant or client address) was over its rate limit, by limit (requests, data_points). Keys beyond the first max_metric_keys share the key "_other".',
    labelNames: ['receiver', 'key', 'limit'],
    registers: [this.registry],
  });
  readonly processorIncoming = new Counter({
    name: 'otelcol_processor_incoming_items_total',
    help: 'Data points that entered a processor.',
    labelNames: ['processor', 'pipeline', 'otel_signal'],
    registers: [this.registry],
  });
  readonly processorOutgoing = new Counter({
    name: 'otelcol_processor_outgoing_items_total',
    help: 'Data points a processor handed on.',
    labelNames: ['processor', 'pipeline', 'otel_signal'],
    registers: [this.registry],
  });
  readonly nodeRefused = new Counter({
    name: 'tributary_pipeline_refused_metric_points_total',
    help: 'Data points a pipeline node refused (its consume failed), by whether retrying can help.',
    labelNames: ['pipeline', 'node', 'retryable'],
    registers: [this.registry],
  });
  readonly exporterSent = new Counter({
    name: 'otelcol_exporter_sent_metric_points_total',
    help: 'Data points an exporter delivered to its destination.',
    labelNames: ['exporter'],
    registers: [this.registry],
  });
  readonly exporterSendFailed = new Counter({
    name: 'otelcol_exporter_send_failed_metric_points_total',
    help: 'Data points an exporter gave up on (permanent error or retries exhausted).',
    labelNames: ['exporter', 'reason'],
    registers: [this.registry],
  });
  readonly exporterEnqueueFailed = new Counter({
    name: 'otelcol_exporter_enqueue_failed_metric_points_total',
    help: 'Data points an exporter refused because its queue was full.',
    labelNames: ['exporter'],
    registers: [this.registry],
  });
  readonly exporterRetries = new Counter({
    name: 'tributary_exporter_retries_total',
    help: 'Send attempts that were retried, by reason.',
    labelNames: ['exporter', 'reason'],
    registers: [this.registry],
  });
  readonly exporterQueueSize = new Gauge({
    name: 'otelcol_exporter_queue_size',
    help: 'Current size of an exporter queue (batches, or bytes for persistent queues).',
    labelNames: ['exporter'],
    registers: [this.registry],
  });
  readonly exporterQueueCapacity = new Gauge({
    name: 'otelcol_exporter_queue_capacity',
    help: 'Capacity of an exporter queue, in the same unit as its size.',
    labelNames: ['exporter'],
    registers: [this.registry],
  });
  readonly exportLatency = new Histogram({
    name: 'tributary_exporter_request_duration_seconds',
    help: 'Duration of export requests to the destination, by outcome.',
    labelNames: ['exporter', 'outcome'],
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers: [this.registry],
  });
  readonly batchSendSize = new Histogram({
    name: 'otelcol_processor_batch_batch_send_size',
    help: 'Number of data points in batches sent by the batch processor.',
    labelNames: ['processor', 'pipeline'],
    buckets: [10, 25, 50, 75, 100, 250, 500, 750, 1000, 2000, 3000, 4000, 5000, 6000, 7000, 8000, 9000, 10000, 20000, 30000, 50000, 100000],
    registers: [this.registry],
  });
  readonly batchTrigger = new Counter({
    name: 'otelcol_processor_batch_trigger_send_total',
    help: 'Batches sent by the batch processor, by what triggered the send (size, timeout, shutdown).',
    labelNames: ['processor', 'pipeline', 'trigger'],
    registers: [this.registry],
  });
  readonly droppedPoints = new Counter({
    name: 'tributary_dropped_metric_points_total',
    help: 'Data points dropped on purpose or because they cannot be translated, by component and reason.',
    labelNames: ['component', 'reason'],
    registers: [this.registry],
  });
  readonly lastError = new Gauge({
    name: 'tributary_component_last_error_timestamp_seconds',
    help: 'When a component last reported an error (Unix seconds).',
    labelNames: ['component'],
    registers: [this.registry],
  });
  readonly cloudwatchDatumsSent = new Counter({
    name: 'tributary_cloudwatch_datums_sent_total',
    help: 'Metric values CloudWatch accepted (PutMetricData datums, or metric values in EMF log events), by namespace.',
    labelNames: ['exporter', 'namespace'],
    registers: [this.registry],
  });
  readonly cloudwatchCombinations = new Gauge({
    name: 'tributary_cloudwatch_metric_combinations',
    help: 'Distinct metric name + dimension combinations sent to a namespace in the last hour: what CloudWatch bills as custom metrics.',
    labelNames: ['exporter', 'namespace'],
    registers: [this.registry],
  });
  readonly cloudwatchCombinationsRefused = new Counter({
    name: 'tributary_cloudwatch_combinations_refused_total',
    help: 'Metric values not sent because they would have added a metric combination beyond the namespace cap (max_metrics_per_namespace).',
    labelNames: ['exporter', 'namespace'],
    registers: [this.registry],
  });

  // The loadbalancing exporter: the Collector's otelcol_loadbalancer_* names and labels, plus points per backend.
  readonly loadBalancerResolutions = new Counter({
    name: 'otelcol_loadbalancer_num_resolutions',
    help: 'Resolutions of the backend list by a loadbalancing exporter\'s resolver, by whether they succeeded.',
    labelNames: ['resolver', 'success'],
    registers: [this.registry],
  });
  readonly loadBalancerBackends = new Gauge({
    name: 'otelcol_loadbalancer_num_backends',
    help: 'Backends on a loadbalancing exporter\'s hash ring.',
    labelNames: ['resolver'],
    registers: [this.registry],
  });
  readonly loadBalancerBackendUpdates = new Counter({
    name: 'otelcol_loadbalancer_num_backend_updates',
    help: 'Changes of a loadbalancing exporter\'s backend list (ring membership changes).',
    labelNames: ['resolver'],
    registers: [this.registry],
  });
  readonly loadBalancerBackendOutcome = new Counter({
    name: 'otelcol_loadbalancer_backend_outcome',
    help: 'Export requests to each backend of a loadbalancing exporter, by whether they succeeded.',
    labelNames: ['endpoint', 'success'],
    registers: [this.registry],
  });
  readonly loadBalancerBackendLatency = new Histogram({
    name: 'otelcol_loadbalancer_backend_latency',
    help: 'Duration of export requests to each backend of a loadbalancing exporter, in milliseconds.',
    labelNames: ['endpoint'],
    buckets: [5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000, 30000],
    registers: [this.registry],
  });
  readonly loadBalancerBackendPoints = new Counter({
    name: 'tributary_loadbalancer_backend_metric_points_total',
    help: 'Data points a loadbalancing exporter delivered to (sent) or gave up on for (failed) each backend.',
    labelNames: ['exporter', 'endpoint', 'outcome'],
    registers: [this.registry],
  });

  readonly processorStreams = new Gauge({
    name: 'tributary_processor_streams',
    help: 'Streams a stateful processor holds state for (deltatocumulative, cumulativetodelta, cardinality_guard).',
    labelNames: ['processor', 'pipeline'],
    registers: [this.registry],
  });
  readonly processorStreamsLimit = new Gauge({
    name: 'tributary_processor_streams_limit',
    help: 'Upper limit of streams a stateful processor holds (0: none).',
    labelNames: ['processor', 'pipeline'],
    registers: [this.registry],
  });
  readonly processorStateBytes = new Gauge({
    name: 'tributary_processor_state_bytes',
    help: 'Memory held by a stateful processor for its streams, in bytes.',
    labelNames: ['processor', 'pipeline'],
    registers: [this.registry],
  });
  readonly processorStreamsEvicted = new Counter({
    name: 'tributary_processor_streams_evicted_total',
    help: 'Streams a stateful processor forgot because they went stale.',
    labelNames: ['processor', 'pipeline'],
    registers: [this.registry],
  });
  readonly cardinalityDropped = new Counter({
    name: 'tributary_cardinality_guard_dropped_points_total',
    help: 'Data points the cardinality guard dropped because their series was new and the tenant was at its series limit.',
    labelNames: ['processor', 'pipeline', 'tenant'],
    registers: [this.registry],
  });
  readonly cardinalitySeries = new Gauge({
    name: 'tributary_cardinality_guard_series',
    help: 'Distinct series the cardinality guard holds for a tenant within its window.',
    labelNames: ['processor', 'pipeline', 'tenant'],
    registers: [this.registry],
  });
  readonly memoryLimiterRefused = new Counter({
    name: 'tributary_memory_limiter_refused_total',
    help: 'Requests (where="receiver", refused before their body was read) and batches (where="processor") the memory_limiter refused.',
    labelNames: ['processor', 'where'],
    registers: [this.registry],
  });
  readonly memoryLimiterRefusedPoints = new Counter({
    name: 'otelcol_processor_refused_metric_points_total',
    help: 'Data points a processor refused (the memory_limiter above its soft limit).',
    labelNames: ['processor', 'pipeline'],
    registers: [this.registry],
  });
  readonly memoryLimiterState = new Gauge({
    name: 'tributary_memory_limiter_limited',
    help: 'Whether the memory_limiter refuses data: 0 below the soft limit, 1 above it, 2 above the hard limit.',
    labelNames: ['processor'],
    registers: [this.registry],
  });
  readonly memoryLimiterUsage = new Gauge({
    name: 'tributary_memory_limiter_usage_bytes',
    help: 'Memory the memory_limiter last measured and its limits, by kind: rss, heap_used, heap_total, external, used (what the soft limit is compared with: the resident set less half of what the process does not hold), soft_limit, hard_limit.',
    labelNames: ['processor', 'kind'],
    registers: [this.registry],
  });
  readonly memoryLimiterGc = new Counter({
    name: 'tributary_memory_limiter_forced_gc_total',
    help: 'Garbage collections the memory_limiter forced.',
    labelNames: ['processor'],
    registers: [this.registry],
  });

  constructor(opts: { processMetrics?: boolean; labels?: Record<string, string> } = {}) {
    if (opts.labels !== undefined) this.registry.setDefaultLabels(opts.labels);
    if (opts.processMetrics !== false) collectDefaultMetrics({ register: this.registry, prefix: 'otelcol_' });
  }

  async text(): Promise<string> {
    return this.registry.metrics();
  }
}
