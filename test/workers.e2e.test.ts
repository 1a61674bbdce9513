import { request } from 'node:http';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { snappyUncompress } from '../src/exporters/helper/snappy.js';
import { decodeWriteRequest } from '../src/test-kit/prompb-schema.js';
import { type GatewayProcess, startGateway, tempDir } from './kit/gateway.js';
import { type HttpRecorder, startHttpRecorder } from './kit/http-recorder.js';
import { gaugeRequestOf } from './kit/otlp-send.js';
import { freePorts, waitUntil } from './kit/ports.js';
import { parsePromText, sampleValue } from './kit/prom-text.js';

/**
 * service::workers: 2 end to end, with the built gateway: requests spread
 * over both workers, each series reaches the remote-write sink in time order
 * although its requests arrive on different workers, /metrics aggregates
 * both, a killed worker is restarted, SIGTERM drains both and exits 0, and
 * persistent queues survive a restart with another worker count.
 */

let sink: HttpRecorder;
beforeAll(async () => {
  sink = await startHttpRecorder();
});
afterAll(async () => {
  await sink?.close();
});

const SERIES = 10;

function config(http: number, tel: number, opts: { workers: number; durable?: boolean; shutdown?: string }): string {
  const durable = opts.durable === true;
  return `
receivers:
  otlp: {protocols: {http: {endpoint: "127.0.0.1:${http}"}}}
exporters:
  prometheusremotewrite:
    endpoint: ${sink.url}/api/v1/write
    remote_write_queue: {num_consumers: 4}
    retry_on_failure: {initial_interval: 100ms, max_interval: 500ms}
${durable ? '    sending_queue: {storage: file_storage}\nextensions:\n  file_storage: {directory: ./queue}\n' : ''}service:
  workers: ${opts.workers}
  shutdown_timeout: ${opts.shutdown ?? '30s'}
${durable ? '  extensions: [file_storage]\n' : ''}  telemetry: {metrics: {address: "127.0.0.1:${tel}"}}
  pipelines:
    metrics: {receivers: [otlp], exporters: [prometheusremotewrite]}
`;
}

/** One request of SERIES gauges at time step k, on a connection of its own (so the cluster hands it to the next worker). */
function post(port: number, k: number, t0: number): Promise<number> {
  const body = gaugeRequestOf(Array.from({ length: SERIES }, (_, s) => ({ name: 'spread', value: k, timeMs: t0 + k * 1000, attrs: { series: `s${s}` } })));
  return new Promise((resolve, reject) => {
    const req = request(
      { host: '127.0.0.1', port, path: '/v1/metrics', method: 'POST', agent: false, headers: { 'content-type': 'application/x-protobuf', 'content-length': body.length } },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

/** Timestamps per series in the order the sink received them. */
function received(): Map<string, number[]> {
  const out = new Map<string, number[]>();
  for (const r of sink.requests) {
    if (!r.url.startsWith('/api/v1/write')) continue;
    for (const s of decodeWriteRequest(snappyUncompress(r.body)).series) {
      if (s.labels.__name__ !== 'spread') continue;
      const list = out.get(s.labels.series) ?? [];
      for (const x of s.samples) list.push(x.timestamp);
      out.set(s.labels.series, list);
    }
  }
  return out;
}

async function metrics(tel: number): Promise<ReturnType<typeof parsePromText>> {
  return parsePromText(await (await fetch(`http://127.0.0.1:${tel}/metrics`)).text());
}

function workerPids(g: GatewayProcess): number[] {
  const line = g
    .logs()
    .split('\n')
    .filter((l) => l.includes('"gateway running"'))
    .at(-1);
  return (JSON.parse(line ?? '{}') as { pids?: number[] }).pids ?? [];
}

/** Starts the gateway and waits for the primary's "gateway running" (every worker started), generously: the machine may be busy. */
async function start(yaml: string, tel: number, dir?: string): Promise<GatewayProcess> {
  const g = await startGateway(yaml, { dir, readyUrl: `http://127.0.0.1:${tel}/metrics` });
  await waitUntil(() => g.logs().includes('"gateway running"') || g.proc.exitCode !== null, 'every worker to start', 120_000, 200);
  if (g.proc.exitCode !== null) throw new Error(`gateway exited during start: ${g.logs()}`);
  return g;
}

describe('service::workers: 2', () => {
  it('spreads requests over both workers, keeps each series in order, aggregates /metrics, restarts a killed worker and drains both on SIGTERM', async () => {
    sink.requests.length = 0;
    // A slow sink, so that queues hold requests and two workers sending one series would overtake each other.
    sink.respondWith(200, '', {}, 15);
    const [http, tel] = await freePorts(2);
    const g = await start(config(http, tel, { workers: 2 }), tel);
    try {
      const pids = workerPids(g);
      expect(pids).toHaveLength(2);
      const t0 = Date.now() - 600_000;
      // One sender, one request at a time, each on a new connection: consecutive requests land on alternate workers.
      const steps = 40;
      for (let k = 0; k < 40; k++) expect(await post(http, k, t0)).toBe(200);

      let m = await metrics(tel);
      const accepted = [0, 1].map((w) => sampleValue(m, 'otelcol_receiver_accepted_metric_points_total', { receiver: 'otlp', transport: 'http', worker: String(w) }) ?? 0);
      expect(accepted[0]).toBeGreaterThan(0);
      expect(accepted[1]).toBeGreaterThan(0);
      expect(accepted[0] + accepted[1]).toBe(steps * SERIES);
      expect(sampleValue(m, 'tributary_workers', { worker: 'primary' })).toBe(2);

      await waitUntil(() => [...received().values()].reduce((a, l) => a + l.length, 0) >= steps * SERIES, 'every sample at the sink', 60_000);
      const got = received();
      expect(got.size).toBe(SERIES);
      for (const [series, ts] of got) {
        expect(ts, `series ${series} in time order`).toEqual(Array.from({ length: steps }, (_, k) => t0 + k * 1000));
      }

      // A killed worker is restarted in its slot, and both serve again.
      process.kill(pids[1], 'SIGKILL');
      await waitUntil(async () => {
        const mm = await metrics(tel);
        return sampleValue(mm, 'tributary_worker_restarts_total', { worker: 'primary' }) === 1 && sampleValue(mm, 'tributary_workers', { worker: 'primary' }) === 2;
      }, 'worker 1 to be restarted', 60_000, 250);
      for (let k = steps; k < steps + 10; k++) expect(await post(http, k, t0)).toBe(200);
      m = await metrics(tel);
      expect(sampleValue(m, 'otelcol_receiver_accepted_metric_points_total', { receiver: 'otlp', transport: 'http', worker: '1' })).toBeGreaterThan(0);

      // SIGTERM: both drain what they accepted, then the primary exits 0.
      sink.respondWith(200, '', {}, 50);
      for (let k = steps + 10; k < steps + 20; k++) expect(await post(http, k, t0)).toBe(200);
      expect(await g.stop(), g.logs()).toBe(0);
      const after = received();
      for (const [series, ts] of after) expect(ts, `series ${series} complete and in order`).toEqual(Array.from({ length: steps + 20 }, (_, k) => t0 + k * 1000));
      expect(g.logs()).toMatch(/worker 0 stopped[\s\S]*worker 1 stopped|worker 1 stopped[\s\S]*worker 0 stopped/);
    } finally {
      sink.respondWith(200);
      if (g.proc.exitCode === null) await g.stop();
    }
  }, 240_000);

  it('keeps acknowledged data in per-worker queues across a restart with one worker, which adopts the other worker\'s queue', async () => {
    sink.requests.length = 0;
    const dir = await tempDir();
    const [http, tel] = await freePorts(2);
    sink.respondWith(503);
    const first = await start(config(http, tel, { workers: 2, durable: true, shutdown: '2s' }), tel, dir);
    const t0 = Date.now() - 600_000;
    const steps = 30;
    let acked = 0;
    try {
      for (let k = 0; k < steps; k++) if ((await post(http, k, t0)) === 200) acked++;
      expect(acked).toBe(steps);
    } finally {
      expect(await first.stop(), first.logs()).toBe(0);
    }
    // Both workers held queues of their own.
    for (const w of ['worker-0', 'worker-1']) expect(readdirSync(join(dir, 'queue', w, 'prometheusremotewrite')).length).toBeGreaterThan(0);

    sink.respondWith(200);
    const second = await start(config(http, tel, { workers: 1, durable: true }), tel, dir);
    try {
      await waitUntil(() => [...received().values()].reduce((a, l) => a + new Set(l).size, 0) >= steps * SERIES, 'every acknowledged sample at the sink', 60_000, 250);
      const got = received();
      for (const [, ts] of got) expect(new Set(ts).size).toBe(steps);
      expect(second.logs()).toContain('took over a queue left by a worker that no longer runs');
    } finally {
      expect(await second.stop(), second.logs()).toBe(0);
    }
    // Drained orphan queues are deleted at shutdown.
    expect(existsSync(join(dir, 'queue', 'worker-1'))).toBe(false);
  }, 240_000);
});
