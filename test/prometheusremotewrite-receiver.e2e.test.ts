import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { upperBound } from '../src/model/exp-histogram.js';
import { decodeOtlpJson } from '../src/model/otlp/decode-json.js';
import { ProtoWriter } from '../src/model/proto/writer.js';
import { formatLabelFloat } from '../src/model/prom/naming.js';
import { type MetricRow, metricRows } from '../src/test-kit/metric-rows.js';
import { type GatewayProcess, startGateway } from './kit/gateway.js';
import { freePorts, waitUntil } from './kit/ports.js';
import { type PrometheusPeer, startPrometheus } from './kit/prometheus.js';
import { type ScrapeTarget, startScrapeTarget } from './kit/scrape-target.js';
import { startVmagent } from './kit/victoria.js';

/**
 * Real remote-write clients pointed at the gateway's prometheusremotewrite
 * receiver (file exporter behind it): Prometheus (Debian `prometheus`)
 * scraping a target whose every value the test knows, and vmagent (Debian
 * `victoria-metrics`) doing the same. What the file exporter wrote, read
 * back as Prometheus series, must be exactly what Prometheus holds for the
 * same scrapes (queried over its HTTP API): same names, labels, timestamps
 * and values. vmagent writes to a second Prometheus as well, which serves
 * as its reference.
 */

let gw: GatewayProcess;
let outFile: string;
let writeUrl: string;

beforeAll(async () => {
  const [rw, tel] = await freePorts(2);
  writeUrl = `http://127.0.0.1:${rw}/api/v1/write`;
  gw = await startGateway(`
receivers:
  prometheusremotewrite: {endpoint: "127.0.0.1:${rw}"}
exporters:
  file: {path: ./out.jsonl}
service:
  telemetry: {metrics: {address: "127.0.0.1:${tel}"}}
  pipelines:
    metrics: {receivers: [prometheusremotewrite], exporters: [file]}
`);
  outFile = join(gw.dir, 'out.jsonl');
});

afterAll(async () => {
  expect(await gw?.stop()).toBe(0);
});

/** The n-th scrape's page: a counter, a gauge, a classic histogram, a summary and hard label values. */
function exposition(n: number): string {
  return `# HELP demo_requests_total Requests handled.
# TYPE demo_requests_total counter
demo_requests_total{path="/a"} ${n}
demo_requests_total{path="/b"} ${2 * n}
# HELP demo_temperature_celsius Room temperature.
# TYPE demo_temperature_celsius gauge
demo_temperature_celsius{room="lab"} ${20.5 + n * 0.25}
# HELP demo_latency_seconds Request latency.
# TYPE demo_latency_seconds histogram
demo_latency_seconds_bucket{handler="/a",le="0.1"} ${n}
demo_latency_seconds_bucket{handler="/a",le="1"} ${2 * n}
demo_latency_seconds_bucket{handler="/a",le="+Inf"} ${3 * n}
demo_latency_seconds_sum{handler="/a"} ${1.5 * n}
demo_latency_seconds_count{handler="/a"} ${3 * n}
# TYPE demo_rpc_seconds summary
demo_rpc_seconds{quantile="0.5"} 0.25
demo_rpc_seconds{quantile="0.9"} NaN
demo_rpc_seconds_sum ${4 * n}
demo_rpc_seconds_count ${n}
# TYPE demo_build_info gauge
demo_build_info{version="1.2.3",note="say \\"hi\\" \\\\ Zürich ✓"} 1
`;
}

/**
 * The n-th scrape as the protobuf exposition (io.prometheus.client): one
 * native histogram, schema 0, zero bucket n, buckets (1,2] = n and
 * (2,4] = 2n: MetricFamily{name=1, help=2, type=3 (HISTOGRAM=4), metric=4};
 * Metric{label=1, histogram=7}; Histogram{sample_count=1, sample_sum=2,
 * schema=5, zero_threshold=6, zero_count=7, positive_span=12,
 * positive_delta=13}; BucketSpan{offset=1, length=2}.
 */
function nativeExposition(n: number): Buffer {
  const w = new ProtoWriter();
  w.tag(1, 2).string('demo_nh_seconds');
  w.tag(2, 2).string('Native latency.');
  w.tag(3, 0).uint32(4);
  w.tag(4, 2).fork();
  w.tag(1, 2).fork().tag(1, 2).string('handler').tag(2, 2).string('/a').join();
  w.tag(7, 2).fork();
  w.tag(1, 0).uint64(4 * n);
  w.tag(2, 1).double(5 * n + 0.5);
  // schema 0 is the default; zero_threshold 2^-128.
  w.tag(6, 1).double(2.938735877055719e-39);
  w.tag(7, 0).uint64(n);
  w.tag(12, 2).fork().tag(1, 0).sint32(1).tag(2, 0).uint32(2).join();
  w.tag(13, 2).fork().uint64(2 * n).uint64(2 * n).join(); // zigzag deltas n, n
  w.join();
  w.join();
  const family = w.finish();
  const out = new ProtoWriter();
  out.uint32(family.length).raw(family);
  return out.finish();
}

type Value = number | 'NaN' | 'stale';
/** `name{label="value",...}` (labels sorted) -> [ms, value] in time order. */
type View = Map<string, [number, Value][]>;

function seriesKey(labels: Record<string, string>): string {
  const { __name__, ...rest } = labels;
  return `${__name__}{${Object.keys(rest)
    .sort()
    .map((k) => `${k}=${JSON.stringify(rest[k])}`)
    .join(',')}}`;
}

function add(view: View, labels: Record<string, string>, ms: number, v: Value): void {
  const k = seriesKey(labels);
  const list = view.get(k) ?? [];
  // A request retried after a lost answer may arrive twice: the same sample is the same sample.
  if (!list.some(([t, x]) => t === ms && x === v)) list.push([ms, v]);
  view.set(k, list.sort((a, b) => a[0] - b[0]));
}

const valueOf = (v: number): Value => (Number.isNaN(v) ? 'NaN' : v);

/** A point row back into the Prometheus series the receiver made it from (the reverse of its mapping). */
function addRow(view: View, r: MetricRow): void {
  const labels: Record<string, string> = { ...r.attrs };
  const ns = r.resource['service.namespace'];
  if (r.resource['service.name'] !== undefined) labels.job = ns === undefined ? r.resource['service.name'] : `${ns}/${r.resource['service.name']}`;
  if (r.resource['service.instance.id'] !== undefined) labels.instance = r.resource['service.instance.id'];
  const ms = Number(BigInt(r.time) / 1_000_000n);
  const stale = (r.flags & 1) === 1;
  const put = (name: string, extra: Record<string, string>, v: number) => add(view, { ...labels, ...extra, __name__: name }, ms, stale ? 'stale' : valueOf(v));
  switch (r.type) {
    case 'gauge':
    case 'sum':
      put(r.name, {}, r.value!);
      break;
    case 'histogram': {
      let cum = 0;
      r.bounds!.forEach((b, k) => put(`${r.name}_bucket`, { le: formatLabelFloat(b) }, (cum += r.buckets![k])));
      put(`${r.name}_bucket`, { le: '+Inf' }, r.count!);
      if (r.sum !== undefined) put(`${r.name}_sum`, {}, r.sum);
      put(`${r.name}_count`, {}, r.count!);
      break;
    }
    case 'summary':
      for (const [q, v] of r.quantiles!) put(r.name, { quantile: formatLabelFloat(q) }, v);
      put(`${r.name}_sum`, {}, r.sum!);
      put(`${r.name}_count`, {}, r.count!);
      break;
    default:
      throw new Error(`unexpected ${r.type} ${r.name}`);
  }
}

/** Every row the file exporter has written so far. */
async function fileRows(): Promise<MetricRow[]> {
  const text = await readFile(outFile, 'utf8').catch(() => '');
  const rows: MetricRow[] = [];
  for (const line of text.split('\n')) {
    if (line === '') continue;
    let decoded;
    try {
      decoded = decodeOtlpJson(line);
    } catch {
      continue; // the line being written right now
    }
    rows.push(...metricRows(decoded.batch));
  }
  return rows;
}

async function fileView(job: string, cutoffMs: number): Promise<View> {
  const view: View = new Map();
  for (const r of await fileRows()) {
    if (r.resource['service.name'] !== job || Number(BigInt(r.time) / 1_000_000n) > cutoffMs) continue;
    addRow(view, r);
  }
  return view;
}

/** The raw samples a Prometheus holds for `job` up to `cutoffMs`. */
async function promView(peer: PrometheusPeer, job: string, cutoffMs: number): Promise<View> {
  const res = await fetch(`${peer.url}/api/v1/query?query=${encodeURIComponent(`{job="${job}"}[15m]`)}`);
  const body = (await res.json()) as { status: string; data: { resultType: string; result: { metric: Record<string, string>; values: [number, string][] }[] } };
  expect(body.status).toBe('success');
  const view: View = new Map();
  for (const s of body.data.result) {
    for (const [t, v] of s.values) {
      const ms = Math.round(t * 1000);
      if (ms <= cutoffMs) add(view, s.metric, ms, v === 'NaN' ? 'NaN' : Number(v.replace('+Inf', 'Infinity').replace('-Inf', '-Infinity')));
    }
  }
  return view;
}

/** The timestamp of the `nth` scrape Prometheus holds for `job` (from its `up` series). */
async function nthScrape(peer: PrometheusPeer, job: string, nth: number): Promise<number> {
  let times: number[] = [];
  await waitUntil(
    async () => {
      const view = await promView(peer, job, Number.MAX_SAFE_INTEGER);
      times = [...view]
        .filter(([k]) => k.startsWith('up{'))
        .flatMap(([, v]) => v.map(([t]) => t))
        .sort((a, b) => a - b);
      return times.length >= nth;
    },
    `${nth} scrapes of job ${job} in Prometheus`,
    30_000,
    250,
  );
  return times[nth - 1];
}

/** Waits until the gateway's file holds everything `reference` holds up to the cutoff, then compares exactly. */
async function expectSameSeries(reference: PrometheusPeer, job: string): Promise<View> {
  const cutoff = await nthScrape(reference, job, 4);
  const want = await promView(reference, job, cutoff);
  expect(want.size).toBeGreaterThanOrEqual(15);
  let got: View = new Map();
  const missing = () => [...want.keys()].filter((k) => JSON.stringify(got.get(k)) !== JSON.stringify(want.get(k)));
  await waitUntil(async () => {
    got = await fileView(job, cutoff);
    return missing().length === 0;
  }, `the gateway to write what Prometheus holds for ${job}`, 30_000, 250).catch((err: Error) => {
    const diff = missing()
      .slice(0, 3)
      .map((k) => `${k}: Prometheus ${JSON.stringify(want.get(k))}, gateway ${JSON.stringify(got.get(k))}`);
    throw new Error(`${err.message}; still different:\n${diff.join('\n')}\ngateway log:\n${gw.logs().slice(-3000)}`);
  });
  // Nothing more, nothing less.
  expect(new Map([...got].sort())).toEqual(new Map([...want].sort()));
  return want;
}

describe('Prometheus remote-writes its scrapes to the gateway', () => {
  let prom: PrometheusPeer;
  let target: ScrapeTarget;
  let nativeTarget: ScrapeTarget;

  beforeAll(async () => {
    target = await startScrapeTarget(exposition);
    nativeTarget = await startScrapeTarget(() => '', nativeExposition);
    prom = await startPrometheus({
      config: `
global: {scrape_interval: 1s, evaluation_interval: 1s}
scrape_configs:
  - job_name: prom-demo
    static_configs: [{targets: ["${target.address}"], labels: {env: test}}]
  - job_name: prom-native
    static_configs: [{targets: ["${nativeTarget.address}"]}]
remote_write:
  - url: ${writeUrl}
    send_native_histograms: true
    queue_config: {batch_send_deadline: 500ms, min_backoff: 50ms, max_backoff: 1s}
    metadata_config: {send: true, send_interval: 1s}
`,
    });
  });

  afterAll(async () => {
    await Promise.all([prom?.stop(), target?.stop(), nativeTarget?.stop()]);
  });

  it('the gateway writes the very series, timestamps and values Prometheus stores', async () => {
    const want = await expectSameSeries(prom, 'prom-demo');
    // Every kind of series took part.
    expect([...want.keys()].map((k) => k.split('{')[0])).toEqual(
      expect.arrayContaining(['up', 'demo_requests_total', 'demo_temperature_celsius', 'demo_latency_seconds_bucket', 'demo_rpc_seconds', 'demo_build_info', 'scrape_duration_seconds']),
    );
    expect([...want.keys()]).toContain('demo_build_info{env="test",instance="' + target.address + '",job="prom-demo",note="say \\"hi\\" \\\\ Zürich ✓",version="1.2.3"}');
  });

  it('once Prometheus has sent its metadata, counters are monotonic sums and classic histograms and summaries are merged', async () => {
    await waitUntil(async () => {
      const rows = (await fileRows()).filter((r) => r.resource['service.name'] === 'prom-demo');
      return (
        rows.some((r) => r.name === 'demo_requests_total' && r.type === 'sum' && r.monotonic === true && r.description === 'Requests handled.') &&
        rows.some((r) => r.name === 'demo_latency_seconds' && r.type === 'histogram' && r.bounds!.join() === '0.1,1') &&
        rows.some((r) => r.name === 'demo_rpc_seconds' && r.type === 'summary') &&
        rows.some((r) => r.name === 'demo_temperature_celsius' && r.type === 'gauge' && r.promType === 'gauge')
      );
    }, 'typed metrics in the file', 30_000, 250);
    const rows = (await fileRows()).filter((r) => r.name === 'demo_latency_seconds' && r.type === 'histogram');
    for (const r of rows) expect(r.buckets!.reduce((a, b) => a + b, 0)).toBe(r.count);
  });

  it('native histograms arrive as exponential histograms with the count, sum and buckets Prometheus stores', async () => {
    // What Prometheus stores: [ts ms, count, sum, [upper bound, count] of populated positive buckets].
    type Nh = [number, number, number, [number, number][]];
    const stored = async (): Promise<Nh[]> => {
      const res = await fetch(`${prom.url}/api/v1/query?query=${encodeURIComponent('demo_nh_seconds{job="prom-native"}[15m]')}`);
      const body = (await res.json()) as { data: { result: { histograms?: [number, { count: string; sum: string; buckets?: [number, string, string, string][] }][] }[] } };
      return (body.data.result[0]?.histograms ?? []).map(([t, h]) => [
        Math.round(t * 1000),
        Number(h.count),
        Number(h.sum),
        (h.buckets ?? []).filter((b) => Number(b[1]) > 0).map((b) => [Number(b[2]), Number(b[3])] as [number, number]),
      ]);
    };
    let want: Nh[] = [];
    await waitUntil(async () => (want = await stored()).length >= 3, 'three native histograms in Prometheus', 30_000, 250);
    const got = async (): Promise<Nh[]> =>
      (await fileRows())
        .filter((r) => r.resource['service.name'] === 'prom-native' && r.type === 'exphistogram' && (r.flags & 1) === 0)
        .map((r) => [
          Number(BigInt(r.time) / 1_000_000n),
          r.count!,
          r.sum!,
          r.positive!.counts.map((c, k) => [upperBound(r.scale!, r.positive!.offset + k), c] as [number, number]).filter(([, c]) => c > 0),
        ]);
    let mine: Nh[] = [];
    await waitUntil(async () => {
      mine = await got();
      return want.every((w) => mine.some((m) => m[0] === w[0]));
    }, 'the gateway to write the native histograms Prometheus stores', 30_000, 250);
    for (const w of want) expect(mine.find((m) => m[0] === w[0])).toEqual(w);
    // The scrape's own values: zero bucket n, (1,2] = n, (2,4] = 2n.
    const [, count, sum, buckets] = want[0];
    const n = count / 4;
    expect([sum, buckets]).toEqual([5 * n + 0.5, [[2, n], [4, 2 * n]]]);
    const row = (await fileRows()).find((r) => r.resource['service.name'] === 'prom-native' && r.type === 'exphistogram')!;
    expect(row).toMatchObject({ name: 'demo_nh_seconds', attrs: { handler: '/a' }, scale: 0, zeroThreshold: 2.938735877055719e-39 });
  });

  it('when the target goes away, its series end with staleness markers (NO_RECORDED_VALUE)', async () => {
    await target.stop();
    await waitUntil(
      async () => (await fileRows()).some((r) => r.resource['service.name'] === 'prom-demo' && r.name === 'demo_temperature_celsius' && (r.flags & 1) === 1),
      'a stale marker for demo_temperature_celsius',
      30_000,
      250,
    );
  });
});

describe('vmagent remote-writes its scrapes to the gateway', () => {
  let reference: PrometheusPeer;
  let target: ScrapeTarget;
  let vmagent: Awaited<ReturnType<typeof startVmagent>>;

  beforeAll(async () => {
    target = await startScrapeTarget(exposition);
    reference = await startPrometheus();
    vmagent = await startVmagent(
      `
global: {scrape_interval: 1s}
scrape_configs:
  - job_name: vm-demo
    static_configs: [{targets: ["${target.address}"], labels: {env: test}}]
`,
      [writeUrl, reference.writeUrl],
    );
  });

  afterAll(async () => {
    await Promise.all([vmagent?.stop(), reference?.stop(), target?.stop()]);
  });

  it('the gateway writes the very series, timestamps and values vmagent sent to Prometheus', async () => {
    const want = await expectSameSeries(reference, 'vm-demo');
    expect([...want.keys()].map((k) => k.split('{')[0])).toEqual(expect.arrayContaining(['up', 'demo_requests_total', 'demo_latency_seconds_bucket', 'demo_rpc_seconds']));
  });
});
