import { describe, expect, it } from 'vitest';
import type { Consumer, ExporterFactory, ReceiverFactory } from '../../component/component.js';
import { Registry } from '../../component/registry.js';
import { BUILTIN_FACTORIES } from '../../components.js';
import { section, z } from '../../config/schema.js';
import { appendBatch } from '../../model/batch.js';
import { buildGraph, startAll, startOrder } from '../../pipeline/graph.js';
import { batchOf, numberMetric } from '../../test-kit/batches.js';
import { buildConfigYaml, configProblems } from '../../test-kit/config.js';
import { SinkConsumer } from '../../test-kit/consumers.js';
import { testHost } from '../../test-kit/settings.js';
import { silentLogger } from '../../telemetry/logger.js';
import { SelfMetrics } from '../../telemetry/self-metrics.js';
import { routingProcessorFactory } from './factory.js';

/**
 * The routing processor inside a real pipeline graph: the config check
 * (routed exporters listed in the pipeline, routing last), exporters reached
 * through CreateSettings.exporters, and the pipeline's own counters.
 */

const sinks = new Map<string, SinkConsumer>();
const entries: Consumer[] = [];

const captureExporter: ExporterFactory<object> = {
  kind: 'exporter',
  type: 'capture',
  stability: 'development',
  configSchema: section({}),
  create: (set) => {
    const sink = new SinkConsumer();
    sinks.set(set.id.toString(), sink);
    return Object.assign(sink, { start: async () => undefined, shutdown: async () => undefined });
  },
};

const handReceiver: ReceiverFactory<object> = {
  kind: 'receiver',
  type: 'hand',
  stability: 'development',
  configSchema: section({}) as z.ZodType<object>,
  create: (_set, _config, next) => {
    entries.push(next);
    return { start: async () => undefined, shutdown: async () => undefined };
  },
};

const registry = () => new Registry([...BUILTIN_FACTORIES.filter((f) => f.type !== 'routing'), routingProcessorFactory, captureExporter, handReceiver]);

const build = (yaml: string) => buildConfigYaml(yaml, registry());
const problems = (yaml: string) => configProblems(yaml, registry());

const COMPONENTS = `
receivers: {hand: }
processors:
  routing:
    from_attribute: tenant
    attribute_source: resource
    table:
      - {value: a, exporters: [capture/a]}
      - {value: b, exporters: [capture/b]}
    default_exporters: [capture/default]
  batch: {timeout: 10ms}
exporters: {capture/a: , capture/b: , capture/default: , capture/other: }
`;

describe('routing in a pipeline', () => {
  it('requires routed exporters in the pipeline and routing to come last', async () => {
    const got = await problems(`${COMPONENTS}
service:
  pipelines:
    metrics: {receivers: [hand], processors: [routing, batch], exporters: [capture/a, capture/other]}`);
    expect(got).toEqual([
      'service::pipelines::metrics::processors::0: processor "routing" routes data to exporters itself, so it must be the last processor of the pipeline',
      'service::pipelines::metrics::processors::0: processor "routing" routes to exporter "capture/b", which is not in this pipeline\'s exporters; add it to service::pipelines::metrics::exporters',
      'service::pipelines::metrics::processors::0: processor "routing" routes to exporter "capture/default", which is not in this pipeline\'s exporters; add it to service::pipelines::metrics::exporters',
    ]);
  });

  it('sends each tenant to its exporter through the graph, and counts what the exporters took', async () => {
    sinks.clear();
    entries.length = 0;
    const cfg = await build(`${COMPONENTS}
service:
  pipelines:
    metrics: {receivers: [hand], processors: [batch, routing], exporters: [capture/a, capture/b, capture/default]}`);
    const metrics = new SelfMetrics({ processMetrics: false });
    const g = buildGraph(cfg, { logger: silentLogger(), metrics });
    await startAll(startOrder(g), testHost(), silentLogger());
    const batch = batchOf([numberMetric({ name: 'm', points: [{ value: 1 }] })], { tenant: 'a' });
    appendBatch(batch, batchOf([numberMetric({ name: 'm', points: [{ value: 2 }, { value: 3 }] })], { tenant: 'b' }));
    appendBatch(batch, batchOf([numberMetric({ name: 'm', points: [{ value: 4 }] })], { tenant: 'z' }));
    await entries[0].consume(batch, { client: {}, transport: 'test', receiver: 'hand' });
    expect(['capture/a', 'capture/b', 'capture/default', 'capture/other'].map((id) => sinks.get(id)?.points())).toEqual([1, 2, 1, undefined]);
    const outgoing = (await metrics.processorOutgoing.get()).values.find((v) => v.labels.processor === 'routing');
    expect(outgoing?.value).toBe(4);
    for (const n of g.exporters) await n.component.shutdown();
  });
});
