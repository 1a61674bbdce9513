import { Attributes } from '../../src/model/attributes.js';
import { type Metric, type MetricBatch, MetricType, Temporality } from '../../src/model/metric.js';
import { ExpHistogramBuilder, HistogramBuilder, NumberBuilder } from '../../src/model/points-builder.js';
import { setTimeMs } from '../../src/model/time.js';
import { DeltaToCumulativeProcessor } from '../../src/processors/deltatocumulative/processor.js';
import { deltaToCumulativeSchema } from '../../src/processors/deltatocumulative/config.js';
import { nopConsumer } from '../../src/test-kit/consumers.js';
import { testSettings } from '../../src/test-kit/settings.js';

/**
 * Run by bench/processors-state.ts as `node --expose-gc state-child.js
 * <sum|histogram|exponential> <streams>`: feeds that many distinct delta streams
 * through a deltatocumulative processor, then measures what the processor
 * keeps alive: heap + external memory after a forced GC with the processor
 * held, minus the same after letting it go. Everything else alive at both
 * measurements (interned attribute sets, code) cancels out.
 */

// The OpenTelemetry SDKs' default explicit bounds: 15 bounds, 16 buckets.
const BOUNDS = [0, 5, 10, 25, 50, 75, 100, 250, 500, 750, 1000, 2500, 5000, 7500, 10000];
const CHUNK = 10_000;
// An exponential histogram with 20 populated buckets.
const EXP_BUCKETS = 20;

function chunk(kind: string, from: number, n: number): MetricBatch {
  let metric: Metric;
  const base = { name: 'm', description: '', unit: '', metadata: Attributes.EMPTY };
  if (kind === 'sum') {
    const b = new NumberBuilder();
    for (let i = from; i < from + n; i++) {
      const j = b.begin();
      setTimeMs(b.startTimes, j, 1_700_000_000_000);
      setTimeMs(b.times, j, 1_700_000_010_000);
      b.values[j] = 1;
      b.commit(Attributes.of(['id', 'pod'], [String(i), `pod-${i % 1000}`]));
    }
    metric = { ...base, type: MetricType.Sum, temporality: Temporality.Delta, monotonic: true, points: b.finish() };
  } else if (kind === 'exponential') {
    const b = new ExpHistogramBuilder();
    for (let i = from; i < from + n; i++) {
      const j = b.begin();
      setTimeMs(b.startTimes, j, 1_700_000_000_000);
      setTimeMs(b.times, j, 1_700_000_010_000);
      b.counts[j] = EXP_BUCKETS;
      b.sums[j] = 100;
      b.has[j] = 1;
      b.scales[j] = 3;
      b.posOffsets[j] = 10;
      for (let k = 0; k < EXP_BUCKETS; k++) b.pushPositive(1);
      b.commit(Attributes.of(['id', 'pod'], [String(i), `pod-${i % 1000}`]));
    }
    metric = { ...base, type: MetricType.ExponentialHistogram, temporality: Temporality.Delta, points: b.finish() };
  } else {
    const b = new HistogramBuilder();
    for (let i = from; i < from + n; i++) {
      const j = b.begin();
      setTimeMs(b.startTimes, j, 1_700_000_000_000);
      setTimeMs(b.times, j, 1_700_000_010_000);
      b.counts[j] = BOUNDS.length + 1;
      b.sums[j] = 100;
      b.has[j] = 7;
      for (let k = 0; k <= BOUNDS.length; k++) b.pushBucket(1);
      for (const x of BOUNDS) b.pushBound(x);
      b.commit(Attributes.of(['id', 'pod'], [String(i), `pod-${i % 1000}`]));
    }
    metric = { ...base, type: MetricType.Histogram, temporality: Temporality.Delta, points: b.finish() };
  }
  return {
    resourceMetrics: [
      {
        resource: { attributes: Attributes.fromObject({ 'service.name': 'bench' }), droppedAttributesCount: 0 },
        schemaUrl: '',
        scopeMetrics: [{ scope: { name: 's', version: '', attributes: Attributes.EMPTY, droppedAttributesCount: 0 }, schemaUrl: '', metrics: [metric] }],
      },
    ],
  };
}

function used(): number {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (gc === undefined) throw new Error('run with node --expose-gc');
  for (let i = 0; i < 3; i++) gc();
  const m = process.memoryUsage();
  return m.heapUsed + m.external;
}

const kind = process.argv[2] ?? 'sum';
const streams = Number(process.argv[3] ?? 1_000_000);
let p: DeltaToCumulativeProcessor | undefined = new DeltaToCumulativeProcessor(
  testSettings('processor', 'deltatocumulative', 'bench'),
  deltaToCumulativeSchema.parse({ max_streams: 0 }),
  nopConsumer,
);
await p.start();
for (let i = 0; i < streams; i += CHUNK) p.process(chunk(kind, i, Math.min(CHUNK, streams - i)), Date.now());
const held = p.streams;
const reported = p.stateBytes();
const withState = used();
// Shut down first: its timers hold it alive otherwise.
await p.shutdown();
p = undefined;
const without = used();
console.log(JSON.stringify({ kind, streams: held, bytesPerStream: (withState - without) / held, reportedPerStream: reported / held }));
