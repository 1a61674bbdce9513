import { EMPTY_CONTEXT } from '../src/component/component.js';
import type { MetricBatch } from '../src/model/metric.js';
import { decodeOtlpProto } from '../src/model/otlp/decode-proto.js';
import { setTimeMs, timeMs } from '../src/model/time.js';
import { CardinalityGuard } from '../src/processors/cardinality_guard/guard.js';
import { cardinalityGuardSchema } from '../src/processors/cardinality_guard/config.js';
import { CumulativeToDeltaProcessor } from '../src/processors/cumulativetodelta/processor.js';
import { cumulativeToDeltaSchema } from '../src/processors/cumulativetodelta/config.js';
import { DeltaToCumulativeProcessor } from '../src/processors/deltatocumulative/processor.js';
import { deltaToCumulativeSchema } from '../src/processors/deltatocumulative/config.js';
import { MemoryLimiter } from '../src/processors/memory_limiter/memory-limiter.js';
import { memoryLimiterSchema } from '../src/processors/memory_limiter/config.js';
import { nopConsumer } from '../src/test-kit/consumers.js';
import { testSettings } from '../src/test-kit/settings.js';
import { type Contender, compare, fmtRate } from './measure.js';
import { benchProcessorsState } from './processors-state.js';
import { CORE_PAYLOAD, otlpRequestBytes, otlpRequestObject, pointCount } from './otlp-payload.js';
import { otlpType } from '../src/model/otlp/schema.js';

/**
 * The processors of this change, data points per CPU-second, each beside
 * the bare pipeline in the same run: decode the Core payload (1,000 series
 * x 10 points, 8 attributes; sums, gauges, explicit and exponential
 * histograms), move its times on by one round so every point is new, and
 * hand it to a consumer that drops it, with and without the processor in
 * between. The stream processors hold the payload's 1,000 streams.
 * Then deltatocumulative's state per stream, at a million streams
 * (processors-state.ts).
 */

const ROUND_MS = 100_000;

/** The Core payload with sums and histograms as deltas, for deltatocumulative. */
function deltaBytes(): Buffer {
  const o = otlpRequestObject(CORE_PAYLOAD) as { resourceMetrics: { scopeMetrics: { metrics: Record<string, { aggregationTemporality?: number } | undefined>[] }[] }[] };
  for (const rm of o.resourceMetrics) {
    for (const sm of rm.scopeMetrics) {
      for (const m of sm.metrics) for (const k of ['sum', 'histogram', 'exponentialHistogram']) if (m[k] !== undefined) m[k]!.aggregationTemporality = 1;
    }
  }
  const Req = otlpType('ExportMetricsServiceRequest');
  return Buffer.from(Req.encode(Req.fromObject(o)).finish());
}

/**
 * Decodes and moves the batch to round `seq`: times on by a round; deltas
 * start where the previous point ended; cumulative sums and histogram
 * counts grow by round, so nothing reads as a reset.
 */
function round(bytes: Buffer, seq: number, delta: boolean): MetricBatch {
  const batch = decodeOtlpProto(bytes).batch;
  for (const rm of batch.resourceMetrics) {
    for (const sm of rm.scopeMetrics) {
      for (const m of sm.metrics) {
        const p = m.points;
        for (let i = 0; i < p.length; i++) {
          const t = timeMs(p.times, i) + seq * ROUND_MS;
          setTimeMs(p.times, i, t);
          if (delta) setTimeMs(p.startTimes, i, t - 10_000);
        }
        if (delta) continue;
        const grow = seq * 1e6;
        if (p.kind === 'number') for (let i = 0; i < p.length; i++) p.values[i] += grow;
        else if (p.kind === 'histogram') {
          for (let i = 0; i < p.length; i++) p.counts[i] += grow * (p.bucketStart[i + 1] - p.bucketStart[i]);
          for (let k = 0; k < p.bucketCounts.length; k++) p.bucketCounts[k] += grow;
        }
      }
    }
  }
  return batch;
}

export async function benchStatefulProcessors(): Promise<{ lines: string[] }> {
  const cumulative = otlpRequestBytes(CORE_PAYLOAD);
  const delta = deltaBytes();
  const points = pointCount(CORE_PAYLOAD);
  const set = (type: string) => testSettings('processor', type, 'bench');
  const d2c = new DeltaToCumulativeProcessor(set('deltatocumulative'), deltaToCumulativeSchema.parse({}), nopConsumer);
  const c2d = new CumulativeToDeltaProcessor(set('cumulativetodelta'), cumulativeToDeltaSchema.parse({ initial_value: 'keep' }), nopConsumer);
  const guard = new CardinalityGuard(set('cardinality_guard'), cardinalityGuardSchema.parse({ tenant_key: 'service.name', max_series: 1_000_000 }), nopConsumer);
  const limiter = new MemoryLimiter(set('memory_limiter'), memoryLimiterSchema.parse({ limit_mib: 1_000_000 }), nopConsumer);
  limiter.check();
  let seq = 0;
  const now = Date.now();
  const pass = (b: MetricBatch): number => (void nopConsumer.consume(b, EMPTY_CONTEXT), points);
  const bareCumulative: Contender = { name: 'bare', run: () => pass(round(cumulative, ++seq, false)) };
  const bareDelta: Contender = { name: 'bare', run: () => pass(round(delta, ++seq, true)) };
  // Each processor is measured beside the bare pipeline on the same payload, in alternating rounds.
  const pairs: [Contender, Contender][] = [
    [bareDelta, { name: 'deltatocumulative', run: () => (d2c.process(round(delta, ++seq, true), now), points) }],
    [bareCumulative, { name: 'cumulativetodelta', run: () => (c2d.process(round(cumulative, ++seq, false), now), points) }],
    [bareCumulative, { name: 'memory_limiter', run: () => (void limiter.consume(round(cumulative, ++seq, false), EMPTY_CONTEXT), points) }],
    [bareCumulative, { name: 'cardinality_guard', run: () => (guard.process(round(cumulative, ++seq, false), now), points) }],
  ];
  const lines = [`payload: ${points} points per request; every line includes decoding it and moving it to the next round`];
  for (const [bare, proc] of pairs) {
    const [b, r] = compare([bare, proc], 6, 6);
    lines.push(`${r.name}: ${fmtRate(r.itemsPerCpuSecond)} points per CPU-second, bare pipeline ${fmtRate(b.itemsPerCpuSecond)}: ${((r.itemsPerCpuSecond / b.itemsPerCpuSecond) * 100).toFixed(0)}%`);
  }
  lines.push(`streams held: deltatocumulative ${d2c.streams}, cumulativetodelta ${c2d.streams}, cardinality_guard ${guard.streams}`);
  lines.push(...(await benchProcessorsState()).lines);
  return { lines };
}
