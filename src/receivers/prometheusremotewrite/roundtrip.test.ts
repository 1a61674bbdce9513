import { describe, expect, it } from 'vitest';
import { testPrwTranslator } from '../../test-kit/prw-translator.js';
import type { PrwTranslator } from '../../exporters/prometheusremotewrite/translate.js';
import { MetricNamer } from '../../model/prom/naming.js';
import { snappyUncompress } from '../../exporters/helper/snappy.js';
import { PrwDecoder } from '../../model/prw/decoder.js';
import { PromType } from '../../model/prw/metadata.js';
import { decodeWriteRequest } from '../../test-kit/prompb-schema.js';
import { type RwHistogram, type RwMetadata, type RwSeries, STALE_BYTES, encodeV1, encodeV2, labelsOf } from '../../test-kit/prw-encode.js';

/**
 * Prometheus -> this receiver -> the gateway's prometheusremotewrite exporter
 * (add_metric_suffixes: false, no namespace, no external labels) -> AMP must
 * see the very series Prometheus wrote: same names, same labels, same
 * values and timestamps. Native histograms keep their buckets, possibly in
 * another span layout (compared bucket by bucket).
 */

const T = 1_700_000_000_000;
const S = 15_000;

function translator(): PrwTranslator {
  return testPrwTranslator({
    namer: new MetricNamer({ addMetricSuffixes: false, namespace: '' }),
    onDrop: (reason, metric) => {
      throw new Error(`exporter dropped ${metric}: ${reason}`);
    },
  });
}

/** A series as `name{a="b",...}` (labels sorted) -> its samples as [ts, value] ("NaN" for any NaN). */
type Samples = Map<string, [number, number | string][]>;

function key(labels: Record<string, string>): string {
  const { __name__, ...rest } = labels;
  return `${__name__}{${Object.keys(rest)
    .sort()
    .map((k) => `${k}="${rest[k]}"`)
    .join(',')}}`;
}

function collect(into: Samples, labels: Record<string, string>, samples: { value: number | 'stale'; ts: number }[]): void {
  const list = into.get(key(labels)) ?? [];
  for (const s of samples) list.push([s.ts, typeof s.value === 'number' && !Number.isNaN(s.value) ? s.value : 'NaN']);
  into.set(key(labels), list.sort((a, b) => a[0] - b[0]));
}

/** Absolute bucket counts by Prometheus index, from spans and deltas/counts. */
function buckets(spans: readonly (readonly [number, number])[] | { offset?: number; length?: number }[] | undefined, values: readonly number[] | undefined, deltas: boolean): Record<number, number> {
  const out: Record<number, number> = {};
  let idx = 0;
  let v = 0;
  let cur = 0;
  (spans ?? []).forEach((s, k) => {
    const [offset, length] = Array.isArray(s) ? s : [(s as { offset?: number }).offset ?? 0, (s as { length?: number }).length ?? 0];
    idx = k === 0 ? offset : idx + offset;
    for (let j = 0; j < length; j++) {
      cur = deltas ? cur + values![v++] : values![v++];
      if (cur !== 0) out[idx] = cur;
      idx++;
    }
  });
  return out;
}

interface NhView {
  ts: number;
  count: number;
  sum: number;
  schema: number;
  zeroCount: number;
  pos: Record<number, number>;
  neg: Record<number, number>;
}

function nhOfInput(h: RwHistogram): NhView {
  return {
    ts: h.ts,
    count: h.countInt ?? 0,
    sum: h.sum as number,
    schema: h.schema,
    zeroCount: h.zeroCountInt ?? 0,
    pos: buckets(h.positiveSpans, h.positiveDeltas, true),
    neg: buckets(h.negativeSpans, h.negativeDeltas, true),
  };
}

function nhOfOutput(h: Record<string, unknown>): NhView {
  const num = (k: string) => Number(h[k] ?? 0);
  return {
    ts: num('timestamp'),
    count: num('countInt'),
    sum: num('sum'),
    schema: num('schema'),
    zeroCount: num('zeroCountInt'),
    pos: buckets(h.positiveSpans as { offset?: number; length?: number }[], (h.positiveDeltas as number[]).map(Number), true),
    neg: buckets(h.negativeSpans as { offset?: number; length?: number }[], ((h.negativeDeltas as number[]) ?? []).map(Number), true),
  };
}

function roundTrip(series: RwSeries[], metadata: RwMetadata[], version: 1 | 2 = 1) {
  const d = new PrwDecoder();
  const decoded = version === 1 ? d.decodeV1(encodeV1(series, metadata)) : d.decodeV2(encodeV2(series));
  const out = translator().translate(decoded.batch, T + 60_000);
  const bodies = out.requests.flat().map((r) => snappyUncompress(r.body));
  const written = bodies.flatMap((b) => decodeWriteRequest(b).series);
  const samples: Samples = new Map();
  const histograms = new Map<string, NhView[]>();
  for (const s of written) {
    if (s.samples.length > 0) collect(samples, s.labels, s.samples.map((x) => ({ value: x.value, ts: x.timestamp })));
    if (s.histograms.length > 0) histograms.set(key(s.labels), [...(histograms.get(key(s.labels)) ?? []), ...s.histograms.map(nhOfOutput)]);
  }
  return { samples, histograms, decoded, bodies };
}

function expected(series: RwSeries[]) {
  const samples: Samples = new Map();
  const histograms = new Map<string, NhView[]>();
  for (const s of series) {
    const labels = Object.fromEntries(s.labels);
    if (s.samples !== undefined) collect(samples, labels, [...s.samples]);
    if (s.histograms !== undefined) histograms.set(key(labels), s.histograms.map(nhOfInput));
  }
  return { samples, histograms };
}

const target = { job: 'node', instance: '10.0.0.7:9100' };
const at = (v: number | 'stale', k = 0) => ({ value: v, ts: T + k * S });

/** What a Prometheus scrape of one target writes: every kind of series, two scrapes, and the stale markers after. */
const SCRAPE: RwSeries[] = [
  { labels: labelsOf({ __name__: 'up', ...target }), samples: [at(1), at(1, 1)] },
  { labels: labelsOf({ __name__: 'node_cpu_seconds_total', ...target, cpu: '0', mode: 'idle' }), samples: [at(1234.5), at(1249.5, 1), at('stale', 2)] },
  { labels: labelsOf({ __name__: 'node_memory_free_bytes', ...target }), samples: [at(1.5e9), at(1.4e9, 1)] },
  { labels: labelsOf({ __name__: 'node_filesystem_avail_bytes', ...target, device: '/dev/nvme0n1p1', mountpoint: '/', fstype: 'ext4' }), samples: [at(5e10)] },
  // A classic histogram, merged into one histogram point per scrape by the receiver and split again by the exporter.
  ...['0.005', '0.1', '1', '+Inf'].map((le, i) => ({ labels: labelsOf({ __name__: 'http_request_duration_seconds_bucket', ...target, handler: '/api', le }), samples: [at([1, 4, 9, 10][i]), at([2, 6, 11, 12][i], 1)] })),
  { labels: labelsOf({ __name__: 'http_request_duration_seconds_sum', ...target, handler: '/api' }), samples: [at(3.25), at(4.5, 1)] },
  { labels: labelsOf({ __name__: 'http_request_duration_seconds_count', ...target, handler: '/api' }), samples: [at(10), at(12, 1)] },
  // A summary, likewise, with a NaN quantile.
  { labels: labelsOf({ __name__: 'go_gc_duration_seconds', ...target, quantile: '0' }), samples: [at(0.0001)] },
  { labels: labelsOf({ __name__: 'go_gc_duration_seconds', ...target, quantile: '0.5' }), samples: [at(NaN)] },
  { labels: labelsOf({ __name__: 'go_gc_duration_seconds', ...target, quantile: '1' }), samples: [at(0.002)] },
  { labels: labelsOf({ __name__: 'go_gc_duration_seconds_sum', ...target }), samples: [at(0.5)] },
  { labels: labelsOf({ __name__: 'go_gc_duration_seconds_count', ...target }), samples: [at(200)] },
  // A histogram whose le values are not canonical: its series stay as they are.
  { labels: labelsOf({ __name__: 'size_bytes_bucket', ...target, le: '1e+06' }), samples: [at(3)] },
  { labels: labelsOf({ __name__: 'size_bytes_bucket', ...target, le: '+Inf' }), samples: [at(4)] },
  { labels: labelsOf({ __name__: 'size_bytes_count', ...target }), samples: [at(4)] },
  // Other resources: a namespaced job, no instance, no job at all, OpenTelemetry scope labels.
  { labels: labelsOf({ __name__: 'queue_depth', job: 'shop/checkout', instance: 'pod-1', queue: 'orders' }), samples: [at(17)] },
  { labels: labelsOf({ __name__: 'recorded:rate5m', job: 'node' }), samples: [at(0.25)] },
  { labels: labelsOf({ __name__: 'federated_total', region: 'eu' }), samples: [at(99)] },
  { labels: labelsOf({ __name__: 'otel_requests_total', job: 'svc', otel_scope_name: 'io.opentelemetry.http', otel_scope_version: '1.0.0', route: '/x' }), samples: [at(3)] },
  // Labels Prometheus allows and OTel attribute names do not usually have.
  { labels: labelsOf({ __name__: 'weird', ...target, __tmp_keep: 'x', label_with_unicode_value: 'Zürich ✓', empty_looking: ' ' }), samples: [at(-0)] },
  // target_info stays a series of its own.
  { labels: labelsOf({ __name__: 'target_info', ...target, os: 'linux' }), samples: [at(1)] },
];

const METADATA: RwMetadata[] = [
  { type: PromType.COUNTER, family: 'node_cpu_seconds_total', help: 'Seconds the CPUs spent in each mode.', unit: 'seconds' },
  { type: PromType.GAUGE, family: 'node_memory_free_bytes', unit: 'bytes' },
  { type: PromType.HISTOGRAM, family: 'http_request_duration_seconds', unit: 'seconds' },
  { type: PromType.SUMMARY, family: 'go_gc_duration_seconds' },
  { type: PromType.HISTOGRAM, family: 'size_bytes' },
  { type: PromType.GAUGE, family: 'target_info' },
];

const NATIVE: RwSeries[] = [
  {
    labels: labelsOf({ __name__: 'rpc_latency_seconds', ...target, method: 'Get' }),
    histograms: [
      { countInt: 19, sum: 12.5, schema: 3, zeroThreshold: 2.938735877055719e-39, zeroCountInt: 7, positiveSpans: [[-2, 2], [4, 1]], positiveDeltas: [2, -1, 3], negativeSpans: [[0, 1]], negativeDeltas: [5], ts: T },
      { countInt: 25, sum: 20, schema: 3, zeroThreshold: 2.938735877055719e-39, zeroCountInt: 8, positiveSpans: [[-2, 3]], positiveDeltas: [3, 0, 2], negativeSpans: [[0, 1]], negativeDeltas: [6], ts: T + S },
      { sum: 'stale', schema: 3, ts: T + 2 * S },
    ],
  },
];

describe('Prometheus -> receiver -> prometheusremotewrite exporter (add_metric_suffixes: false): the same series', () => {
  it.each([1, 2] as const)('remote write %s.0: every name, label set, timestamp and value comes out as it went in', (version) => {
    // 2.0 carries metadata per series; give each series its family's.
    const meta = new Map(METADATA.map((m) => [m.family, m]));
    const series = version === 1 ? SCRAPE : SCRAPE.map((s) => {
      const name = Object.fromEntries(s.labels).__name__;
      const m = meta.get(name) ?? meta.get(name.replace(/_(bucket|sum|count)$/, ''));
      return m === undefined ? s : { ...s, metadata: { type: m.type, help: m.help, unit: m.unit } };
    });
    const { samples, decoded, bodies } = roundTrip(series, METADATA, version);
    // The receiver really typed and merged them (so this is not a pass-through by luck).
    const types = decoded.batch.resourceMetrics.flatMap((rm) => rm.scopeMetrics.flatMap((sm) => sm.metrics.map((m) => `${m.name}:${m.type}`)));
    expect(types).toEqual(expect.arrayContaining(['node_cpu_seconds_total:2', 'http_request_duration_seconds:3', 'go_gc_duration_seconds:5', 'size_bytes_bucket:1']));
    expect(samples).toEqual(expected(SCRAPE).samples);
    // The stale marker goes out as the staleness NaN itself.
    expect(bodies.some((b) => b.includes(STALE_BYTES))).toBe(true);
  });

  it('native histograms keep count, sum, schema, zero bucket and every bucket; the stale marker stays stale', () => {
    const { histograms, bodies } = roundTrip(NATIVE, []);
    expect(histograms).toEqual(
      new Map([
        [
          key(Object.fromEntries(NATIVE[0].labels)),
          [
            ...NATIVE[0].histograms!.slice(0, 2).map(nhOfInput),
            // The exporter's stale histogram: sum = the staleness NaN, no buckets.
            { ts: T + 2 * S, count: 0, sum: NaN, schema: 3, zeroCount: 0, pos: {}, neg: {} },
          ],
        ],
      ]),
    );
    // Exactly the staleness NaN bits, not any NaN.
    expect(bodies.some((b) => b.includes(STALE_BYTES))).toBe(true);
  });

  it('what changes, by design (documented): custom-bucket histograms become classic bucket series', () => {
    const nhcb: RwSeries[] = [{ labels: labelsOf({ __name__: 'cb', job: 'j' }), histograms: [{ countInt: 3, sum: 2, schema: -53, customValues: [0.5, 1], positiveSpans: [[0, 3]], positiveDeltas: [1, 0, 0], ts: T }] }];
    const { samples } = roundTrip(nhcb, []);
    expect(Object.fromEntries(samples)).toEqual({
      'cb_bucket{job="j",le="0.5"}': [[T, 1]],
      'cb_bucket{job="j",le="1"}': [[T, 2]],
      'cb_bucket{job="j",le="+Inf"}': [[T, 3]],
      'cb_sum{job="j"}': [[T, 2]],
      'cb_count{job="j"}': [[T, 3]],
    });
  });
});
