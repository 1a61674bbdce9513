import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FaultProxy, startFaultProxy } from './kit/fault-proxy.js';
import { startGateway, tempDir } from './kit/gateway.js';
import { gaugeRequestOf, postOtlp } from './kit/otlp-send.js';
import { freePorts, waitUntil } from './kit/ports.js';
import { type PrometheusPeer, startPrometheus } from './kit/prometheus.js';
import { parsePromText } from './kit/prom-text.js';

/**
 * Durability and ordering on the AMP path: SIGKILL of the gateway with data
 * in the persistent queue loses no acknowledged point; under load with four
 * parallel consumers, Prometheus reports no out-of-order rejections.
 */

let prom: PrometheusPeer;
let proxy: FaultProxy;

beforeAll(async () => {
  prom = await startPrometheus();
  proxy = await startFaultProxy(prom.url);
});

afterAll(async () => {
  await proxy?.close();
  await prom?.stop();
});

function config(http: number, tel: number, endpoint: string, extra = ''): string {
  return `
receivers:
  otlp: {protocols: {http: {endpoint: "127.0.0.1:${http}"}}}
exporters:
  prometheusremotewrite:
    endpoint: ${endpoint}/api/v1/write
    remote_write_queue: {num_consumers: 4}
    retry_on_failure: {initial_interval: 100ms, max_interval: 500ms}
${extra}
service:
  telemetry: {metrics: {address: "127.0.0.1:${tel}"}}
  pipelines:
    metrics: {receivers: [otlp], exporters: [prometheusremotewrite]}
`;
}

describe('persistent queue', () => {
  it('after SIGKILL and restart, every acknowledged point arrives', async () => {
    const dir = await tempDir();
    const [http, tel] = await freePorts(2);
    const yaml = config(
      http,
      tel,
      proxy.url,
      `    sending_queue: {storage: file_storage}
extensions:
  file_storage: {directory: ./queue}`,
    ).replace('service:\n', 'service:\n  extensions: [file_storage]\n');
    await proxy.down();
    const first = await startGateway(yaml, { dir });
    const series = 10;
    let acked = 0;
    const t0 = Date.now() - 60_000;
    for (let k = 0; k < 60; k++) {
      const body = gaugeRequestOf(Array.from({ length: series }, (_, s) => ({ name: 'durable', value: k, timeMs: t0 + k * 1000, attrs: { series: `s${s}` } })));
      if ((await postOtlp(`http://127.0.0.1:${http}/v1/metrics`, body)) === 200) acked++;
    }
    expect(acked).toBe(60);
    first.signal('SIGKILL');
    await first.exited;

    await proxy.up();
    const second = await startGateway(yaml, { dir });
    try {
      // Generous on a loaded CI machine; on failure, say whether points are missing or only late.
      await waitUntil(
        async () => {
          const r = await prom.query(`count(count_over_time(durable[10m]) == ${acked})`);
          return r.length === 1 && Number(r[0].value?.[1]) === series;
        },
        `all ${acked} acknowledged requests of ${series} series in Prometheus`,
        100_000,
        500,
        async () => {
          const per = (await prom.query('count_over_time(durable[10m])')).map((x) => `${x.metric.series}=${x.value?.[1]}`).sort();
          const f = parsePromText(await (await fetch(`http://127.0.0.1:${tel}/metrics`)).text());
          const exporter = ['otelcol_exporter_queue_size', 'otelcol_exporter_sent_metric_points_total', 'otelcol_exporter_send_failed_metric_points_total'].map(
            (name) => `${name} ${f.filter((x) => x.name === name).reduce((a, x) => a + x.value, 0)}`,
          );
          return `samples per series ${per.join(' ')}; out-of-order ${await prom.selfMetric('prometheus_tsdb_out_of_order_samples_total')}; gateway ${exporter.join(', ')}`;
        },
      );
      expect(await prom.selfMetric('prometheus_tsdb_out_of_order_samples_total')).toBe(0);
    } finally {
      expect(await second.stop(), second.logs()).toBe(0);
    }
  }, 180_000);
});

describe('parallel consumers', () => {
  it('under load with 4 consumers, Prometheus reports no out-of-order samples and no rejected request', async () => {
    const [http, tel] = await freePorts(2);
    const gw = await startGateway(config(http, tel, prom.url));
    const before400 = await rejections();
    try {
      const series = 200;
      const lanes = 4;
      const perLane = 40;
      let t = Date.now() - 120_000;
      // Each lane writes its own series, always forward in time; lanes run at once.
      await Promise.all(
        Array.from({ length: lanes }, async (_, lane) => {
          for (let k = 0; k < perLane; k++) {
            const ts = t + k * 1000;
            const body = gaugeRequestOf(Array.from({ length: series }, (_, s) => ({ name: 'parallel', value: k, timeMs: ts, attrs: { lane: `l${lane}`, series: `s${s}` } })));
            expect(await postOtlp(`http://127.0.0.1:${http}/v1/metrics`, body)).toBe(200);
          }
        }),
      );
      t = 0;
      await waitUntil(async () => {
        const r = await prom.query(`count(count_over_time(parallel[10m]) == ${perLane})`);
        return r.length === 1 && Number(r[0].value?.[1]) === series * lanes;
      }, 'every sample in Prometheus', 60_000, 500);
      expect(await prom.selfMetric('prometheus_tsdb_out_of_order_samples_total')).toBe(0);
      expect(await rejections()).toBe(before400);
    } finally {
      expect(await gw.stop(), gw.logs()).toBe(0);
    }
  }, 120_000);
});

/** Remote-write requests Prometheus refused (4xx/5xx), from its own metrics. */
async function rejections(): Promise<number> {
  const text = await (await fetch(`${prom.url}/metrics`)).text();
  let n = 0;
  for (const line of text.split('\n')) {
    if (line.startsWith('prometheus_http_requests_total{') && line.includes('handler="/api/v1/write"') && /code="[45]\d\d"/.test(line)) n += Number(line.split(' ').pop());
  }
  return n;
}
