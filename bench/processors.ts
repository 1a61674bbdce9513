import type { Consumer, Processor, RequestContext } from '../src/component/component.js';
import { otlpType } from '../src/model/otlp/schema.js';
import { decodeOtlpProto } from '../src/model/otlp/decode-proto.js';
import { attributesProcessorFactory } from '../src/processors/attributes/factory.js';
import { filterProcessorFactory } from '../src/processors/filter/factory.js';
import { metricsTransformProcessorFactory } from '../src/processors/metricstransform/factory.js';
import { resourceProcessorFactory } from '../src/processors/resource/factory.js';
import { routingProcessorFactory } from '../src/processors/routing/factory.js';
import { testSettings } from '../src/test-kit/settings.js';
import { type Contender, compare, cpuSeconds, fmtRate, median } from './measure.js';
import { CORE_PAYLOAD, otlpRequestObject, pointCount } from './otlp-payload.js';

/**
 * Issue "Processors" benchmark: data points per CPU-second through each
 * processor, relative to the bare pipeline (OTLP bytes decoded as the
 * receiver decodes them -> consumer) in the same run. Every contender
 * decodes its own batch (processors change batches in place). Two payloads:
 * the Core one, whose 8-attribute series sets repeat across metrics as an
 * application's do, and the same with each metric's series distinct (a set
 * per series, 1,000 in a batch), the attribute processor's worst case.
 */

const nop: Consumer = { mutates: false, consume: async () => undefined };
const ctx: RequestContext = {
  transport: 'grpc',
  receiver: 'otlp',
  client: { address: '10.0.0.7', metadata: new Map([['x-tenant', ['acme']]]), auth: { authenticator: 'bearertokenauth', subject: 't', attributes: { account: '123456789012' } } },
};

function encode(o: object): Buffer {
  const Req = otlpType('ExportMetricsServiceRequest');
  return Buffer.from(Req.encode(Req.fromObject(o)).finish());
}

/** The Core payload with a `metric` attribute on every point, so no two metrics share a series set. */
function distinctSeriesPayload(): Buffer {
  const o = otlpRequestObject(CORE_PAYLOAD) as { resourceMetrics: { scopeMetrics: { metrics: Record<string, { dataPoints?: { attributes: object[] }[] }>[] }[] }[] };
  o.resourceMetrics[0].scopeMetrics[0].metrics.forEach((m, i) => {
    for (const v of Object.values(m)) {
      for (const dp of v.dataPoints ?? []) dp.attributes = [...dp.attributes, { key: 'metric', value: { stringValue: `m${i}` } }];
    }
  });
  return encode(o);
}

function processor(factory: { configSchema: { parse(v: unknown): unknown }; create: (...a: never[]) => Processor }, raw: object, exporters?: Map<string, Consumer>): Processor {
  const config = factory.configSchema.parse(raw);
  const set = { ...testSettings('processor', 'bench'), exporters };
  return (factory.create as (s: typeof set, c: unknown, n: Consumer) => Processor)(set, config, nop);
}

const THREE_DIMENSIONS = {
  actions: [
    { key: 'tenant', from_context: 'metadata.x-tenant', action: 'upsert' },
    { key: 'account', from_context: 'auth.account', action: 'upsert' },
    { key: 'gateway', value: 'gw-eu-west-1a', action: 'insert' },
  ],
};

/**
 * CPU-seconds per batch spent in the processor alone: batches are decoded
 * outside the timed part, then processed one after another. Steadier than
 * the difference of two pipeline rates when the processor is cheap.
 */
function processorSeconds(bytes: Buffer, p: Processor | (() => Processor), rounds = 9, perRound = 12): number {
  const perBatch: number[] = [];
  for (let r = 0; r < rounds; r++) {
    const pool = Array.from({ length: perRound }, () => decodeOtlpProto(bytes).batch);
    // A function makes a new processor per batch: nothing remembered from earlier batches (every series new).
    const each = pool.map(() => (typeof p === 'function' ? p() : p));
    const t0 = cpuSeconds();
    pool.forEach((b, k) => void each[k].consume(b, ctx).catch(() => undefined));
    perBatch.push((cpuSeconds() - t0) / perRound);
  }
  return median(perBatch);
}

export function benchProcessors(): { lines: string[] } {
  const core = encode(otlpRequestObject(CORE_PAYLOAD));
  const distinct = distinctSeriesPayload();
  const points = pointCount(CORE_PAYLOAD);
  const procs: (Processor | undefined)[] = [];
  let attrShare = NaN;
  const through = (bytes: Buffer, p?: Processor) => {
    procs.push(p);
    return () => {
      const batch = decodeOtlpProto(bytes).batch;
      if (p === undefined) void nop.consume(batch, ctx);
      else void p.consume(batch, ctx).catch(() => undefined);
      return points;
    };
  };
  const exporters = new Map([
    ['a', nop],
    ['b', nop],
    ['d', nop],
  ]);
  const contenders: Contender[] = [
    { name: 'bare pipeline (decode -> consumer)', run: through(core) },
    { name: 'attributes, 3 dimensions (2 from context, 1 static)', run: through(core, processor(attributesProcessorFactory, THREE_DIMENSIONS)) },
    {
      name: 'attributes, 3 dimensions, include regexp on names',
      run: through(core, processor(attributesProcessorFactory, { ...THREE_DIMENSIONS, include: { match_type: 'regexp', metric_names: ['metric_[0-4]'] } })),
    },
    {
      name: 'resource, 3 actions',
      run: through(
        core,
        processor(resourceProcessorFactory, {
          attributes: [
            { key: 'site', value: 'eu-1', action: 'upsert' },
            { key: 'host.name', action: 'delete' },
            { key: 'tenant', from_context: 'x-tenant', action: 'insert' },
          ],
        }),
      ),
    },
    { name: 'filter, legacy exclude regexp (drops 10%)', run: through(core, processor(filterProcessorFactory, { metrics: { exclude: { match_type: 'regexp', metric_names: ['_metric_9\\d$'] } } })) },
    {
      name: 'filter, OTTL datapoint attribute (drops 10%)',
      run: through(core, processor(filterProcessorFactory, { metrics: { datapoint: ['attributes["attr_0"] == "series-3"'] } })),
    },
    {
      name: 'metricstransform, regexp rename + label rename',
      run: through(
        core,
        processor(metricsTransformProcessorFactory, {
          transforms: [{ include: '^bench_(.*)$', match_type: 'regexp', action: 'update', new_name: 'app_${1}', operations: [{ action: 'update_label', label: 'attr_1', new_label: 'kind' }] }],
        }),
      ),
    },
    {
      name: 'metricstransform, aggregate_labels sum (keeps attr_1)',
      run: through(
        core,
        processor(metricsTransformProcessorFactory, {
          transforms: [{ include: '.*', match_type: 'regexp', action: 'update', operations: [{ action: 'aggregate_labels', label_set: ['attr_1'], aggregation_type: 'sum' }] }],
        }),
      ),
    },
    {
      name: 'routing, by request header',
      run: through(core, processor(routingProcessorFactory, { from_attribute: 'x-tenant', table: [{ value: 'acme', exporters: ['a'] }, { value: 'b', exporters: ['b'] }], default_exporters: ['d'] }, exporters)),
    },
    { name: 'bare pipeline, distinct series per metric', run: through(distinct) },
    { name: 'attributes, 3 dimensions, distinct series per metric', run: through(distinct, processor(attributesProcessorFactory, THREE_DIMENSIONS)) },
  ];
  const rates = compare(contenders, 20, 6);
  const bare = rates[0].itemsPerCpuSecond;
  const bareDistinct = rates[9].itemsPerCpuSecond;
  const lines = [
    `payload: ${points} points per batch (Core payload: 100 metrics x 10 series x 10 points, 8 attributes)`,
    'pipeline rate: decode + processor + consumer, measured side by side; processor share: the processor alone, timed on pre-decoded batches, as a share of (bare pipeline + processor)',
  ];
  rates.forEach((r, i) => {
    const base = i >= 9 ? bareDistinct : bare;
    let line = `${r.name}: ${fmtRate(r.itemsPerCpuSecond)} points per CPU-second (${(r.itemsPerCpuSecond / base).toFixed(2)}x bare)`;
    const p = procs[i];
    if (p !== undefined) {
      const tp = processorSeconds(i >= 9 ? distinct : core, p);
      const tb = points / base;
      line += `; processor alone ${fmtRate(points / tp)}, share ${((tp / (tb + tp)) * 100).toFixed(1)}%`;
      if (i === 1) attrShare = (tp / (tb + tp)) * 100;
    }
    lines.push(line);
  });
  const cold = processorSeconds(distinct, () => processor(attributesProcessorFactory, THREE_DIMENSIONS));
  const coldShare = (cold / (points / bareDistinct + cold)) * 100;
  lines.push(`attributes, 3 dimensions, distinct series, every series new (no cross-batch memory): processor alone ${fmtRate(points / cold)}, share ${coldShare.toFixed(1)}%`);
  lines.push(`attributes adding 3 dimensions costs ${attrShare.toFixed(1)}% of the bare rate (processor share; target at most 15%)`);
  return { lines };
}
