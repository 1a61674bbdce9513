import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type GatewayProcess, startGateway } from '../kit/gateway.js';
import { type CountingSink, Ledger, rssMib, runClients, slope, startCountingSink } from '../kit/ledger.js';
import { sized } from '../kit/long.js';
import { freePorts, waitUntil } from '../kit/ports.js';
import { parsePromText, sampleValue } from '../kit/prom-text.js';

/**
 * Overload and soak in the built gateway, against a remote-write sink that
 * answers each request SINK_DELAY_MS late (so the gateway's capacity is set
 * by the sink, as with a slow AMP workspace) and counts every sample.
 *
 * Overload (issue 8's acceptance): capacity is measured first in the same
 * run (what the sink receives per second while clients push as fast as
 * answered), then paced clients offer 3x that for OVERLOAD_MS with
 * memory_limiter on and the exporter's queue bounded at 4 MiB, as a
 * production config would have it. The gateway's resident set, sampled from /proc, stays
 * below limit_mib; refusals are 429/503 with Retry-After and the clients
 * retry; every acknowledged point reaches the sink; and after the load drops
 * a normal request is accepted again within the 30 s bound.
 *
 * Soak: a moderate steady load for SOAK_MS; RSS and V8 heap are sampled and
 * the RSS slope over the second half must stay under SOAK_SLOPE_MIB_PER_MIN.
 */

/**
 * The gateway idles at about 140 MiB resident. A soft limit of 150 MiB (200 - 50), as this test first
 * had, left too little room for what the C allocator keeps resident after a burst: CI saw the idle
 * gateway refuse for over 30 s at 154 MiB. Soft 200 MiB, hard 240 MiB leaves room on both sides.
 */
const LIMIT_MIB = 240;
const SPIKE_MIB = 40;
const SINK_DELAY_MS = 100;
const SERIES = 100;
const PAD_BYTES = 1000;
const CAPACITY_MS = sized(10_000, 30_000);
const OVERLOAD_MS = sized(30_000, 300_000);
const RECOVERY_BOUND_MS = 30_000;
const SOAK_MS = sized(60_000, 600_000);
/**
 * The soak load is SOAK_CLIENTS x (1000 / SOAK_INTERVAL_MS) requests of SOAK_SERIES points:
 * 4 x 5 x 50 = 1,000 points/s, 60,000 a minute. A leak of 20 bytes per point (or 5 KB per
 * request) would grow 1.2 MiB/min, so 1 MiB/min (long form, 5 minutes of second half to fit)
 * catches any per-point or per-request leak of that size. The short form's second half is
 * 30 s, still inside V8's warm-up (old space grows until the first full collections), so its
 * bound is a smoke check 30x looser: it catches leaks of 500 B or more per point, such as a
 * request's decoded batch kept alive.
 */
const SOAK_CLIENTS = 4;
const SOAK_INTERVAL_MS = 200;
const SOAK_SERIES = 50;
const SOAK_SLOPE_MIB_PER_MIN = sized(30, 1);

function config(http: number, tel: number, sink: string, memoryLimiter: boolean): string {
  return `
receivers:
  otlp: {protocols: {http: {endpoint: "127.0.0.1:${http}"}}}
processors:
  memory_limiter: {check_interval: 100ms, limit_mib: ${LIMIT_MIB}, spike_limit_mib: ${SPIKE_MIB}}
exporters:
  prometheusremotewrite:
    endpoint: "${sink}/api/v1/write"
    target_info: {enabled: false}
    timeout: 30s
    # Production-like bounds: whichever of the queue (4 MiB) and the memory_limiter trips first refuses retryably.
    remote_write_queue: {queue_size: 100000, num_consumers: 2}
    max_queue_size_mib: 4
service:
  telemetry: {metrics: {address: "127.0.0.1:${tel}"}}
  pipelines:
    metrics: {receivers: [otlp], processors: [${memoryLimiter ? 'memory_limiter' : ''}], exporters: [prometheusremotewrite]}
`;
}

describe('overload at 3x measured capacity', () => {
  let sink: CountingSink;
  let gw: GatewayProcess;
  let url: string;
  let telemetry: string;
  beforeAll(async () => {
    sink = await startCountingSink('overload', SINK_DELAY_MS);
    const [h, t] = await freePorts(2);
    url = `http://127.0.0.1:${h}/v1/metrics`;
    telemetry = `http://127.0.0.1:${t}/metrics`;
    gw = await startGateway(config(h, t, sink.url, true));
  });
  afterAll(async () => {
    const code = await gw?.stop();
    await sink?.close();
    expect(code).toBe(0);
  });

  /** What the gateway's memory_limiter last measured, and its exporter queue, for the log and for failures. */
  async function gatewayMemory(): Promise<string> {
    const f = parsePromText(await (await fetch(telemetry)).text());
    const usage = Object.fromEntries(
      ['rss', 'used', 'heap_used', 'heap_total', 'external', 'soft_limit'].map((kind) => [
        kind,
        Math.round((sampleValue(f, 'tributary_memory_limiter_usage_bytes', { kind }) ?? Number.NaN) / 1048576),
      ]),
    );
    return `memory_limiter MiB ${JSON.stringify(usage)}; exporter queue ${sampleValue(f, 'otelcol_exporter_queue_size', {})}`;
  }

  it('keeps RSS under the limit, tells senders to retry, loses nothing acknowledged and recovers within the bound', async () => {
    const ledger = new Ledger('overload', SERIES, PAD_BYTES);
    const tsBase = Date.now() - 7_200_000;
    // 1. Capacity: points reaching the sink per second while 4 clients push as fast as they are
    // answered (the exporter packs several client requests into one remote-write request, so
    // points, not requests, are the unit). The queue then drains before the overload starts.
    const p0 = sink.samples.size;
    const t0 = Date.now();
    await runClients({ url, ledger, clients: 4, tsBase, until: () => Date.now() > t0 + CAPACITY_MS, maxRequestsPerClient: 100_000 });
    const capacity = (sink.samples.size - p0) / ((Date.now() - t0) / 1000);
    expect(capacity).toBeGreaterThan(0);
    await waitUntil(() => ledger.reconcile(sink.samples).lost === 0, 'the capacity phase delivered', 120_000, 500);

    // 2. Overload: paced clients offering 3x capacity, RSS sampled from /proc meanwhile.
    // Many clients, each giving up on a request after 5 s of refusals (as an SDK's export
    // timeout does), so that refusals do not slow the offered load down to the accepted one.
    const clients = 24;
    // The long form offers 3x, the acceptance figure. The short form's 30 s are too short for a 3x
    // backlog to reach the queue or memory bound when capacity was measured on a busy machine
    // (CI once saw no refusal at all), so it offers 8x to be sure the bounds are exercised.
    const factor = sized(8, 3);
    const intervalMs = (clients * SERIES * 1000) / (factor * capacity);
    let maxRss = 0;
    const pid = gw.proc.pid!;
    const sampler = setInterval(() => (maxRss = Math.max(maxRss, rssMib(pid))), 100);
    const t1 = Date.now();
    const tally = await runClients({
      url, ledger, clients, intervalMs, tsBase: tsBase + 1_000_000, until: () => Date.now() > t1 + OVERLOAD_MS, maxRequestsPerClient: 1_000_000, retryForMs: 5_000,
    }).finally(() => clearInterval(sampler));
    maxRss = Math.max(maxRss, rssMib(pid));
    const seconds = (Date.now() - t1) / 1000;
    // Offered: every attempt, retries included, is load the gateway must answer.
    const offered = (tally.requests * SERIES) / seconds;
    const fresh = ((tally.requests - tally.retried) * SERIES) / seconds;

    // 3. Load drops: a normal request is accepted again within the bound.
    // If it is not, the failure says what the probes got and what the gateway measured.
    const probe = new Ledger('overload_probe', 1);
    const probeAnswers: Record<string, number> = {};
    await waitUntil(
      async () => {
        const t = await runClients({ url, ledger: probe, clients: 1, tsBase: Date.now(), until: () => false, maxRequestsPerClient: 1, retryForMs: 0 });
        for (const [s, n] of Object.entries(t.refused)) probeAnswers[s] = (probeAnswers[s] ?? 0) + n;
        return t.acked === 1;
      },
      'a normal request accepted after the load dropped',
      RECOVERY_BOUND_MS,
      250,
      async () => `probe answers ${JSON.stringify(probeAnswers)}; ${await gatewayMemory()}`,
    );
    const afterLoad = await gatewayMemory();

    // 4. Everything acknowledged reaches the sink.
    let c = ledger.reconcile(sink.samples);
    await waitUntil(() => (c = ledger.reconcile(sink.samples)).lost === 0, 'every acknowledged point at the sink', sized(300_000, 900_000), 1000).catch(() => undefined);
    const refusals = Object.entries(tally.refused).filter(([s]) => s === '429' || s === '503').reduce((a, [, n]) => a + n, 0);
    const families = parsePromText(await (await fetch(telemetry)).text());
    console.log(`overload: when the probe was accepted, ${afterLoad}`);
    const limiterRefusals = sampleValue(families, 'tributary_memory_limiter_refused_total', { where: 'receiver' }) ?? 0;
    console.log(
      Ledger.line(
        'overload',
        c,
        `capacity ${capacity.toFixed(0)} points/s; offered ${offered.toFixed(0)} points/s (${(offered / capacity).toFixed(1)}x; new points ${fresh.toFixed(0)}/s) for ${seconds.toFixed(0)} s; max RSS ${maxRss.toFixed(0)} MiB (limit ${LIMIT_MIB}); ` +
          `refusals ${JSON.stringify(tally.refused)} (the gateway counted ${limiterRefusals} memory_limiter refusals; the others are the full queue's), ${tally.refusedWithRetryAfter} with Retry-After, ${tally.retried} retries`,
      ),
    );
    expect(offered).toBeGreaterThan(2 * capacity);
    expect(maxRss).toBeGreaterThan(0);
    expect(maxRss).toBeLessThan(LIMIT_MIB);
    expect(refusals).toBeGreaterThan(0);
    expect(tally.refusedWithRetryAfter).toBe(refusals);
    expect(Object.keys(tally.refused).filter((s) => s !== '429' && s !== '503')).toEqual([]);
    expect(tally.retried).toBeGreaterThan(0);
    expect(c.lost).toBe(0);
    // Without a persistent queue or a crash nothing is sent twice: a request leaves the queue once answered.
    expect(c.duplicated).toBe(0);
  }, CAPACITY_MS + OVERLOAD_MS + RECOVERY_BOUND_MS + sized(480_000, 1_200_000));
});

describe('soak', () => {
  it('memory stays flat under a steady moderate load', async () => {
    const sink = await startCountingSink('soak', 0);
    const [h, t] = await freePorts(2);
    const gw = await startGateway(config(h, t, sink.url, false));
    try {
      const url = `http://127.0.0.1:${h}/v1/metrics`;
      const telemetry = `http://127.0.0.1:${t}/metrics`;
      const ledger = new Ledger('soak', SOAK_SERIES);
      const rss: [number, number][] = [];
      const heap: [number, number][] = [];
      const t0 = Date.now();
      const pid = gw.proc.pid!;
      const sample = async (): Promise<void> => {
        const min = (Date.now() - t0) / 60_000;
        rss.push([min, rssMib(pid)]);
        const f = parsePromText(await (await fetch(telemetry)).text());
        heap.push([min, (sampleValue(f, 'otelcol_nodejs_heap_size_used_bytes', {}) ?? 0) / 1024 / 1024]);
      };
      const sampler = setInterval(() => void sample().catch(() => undefined), 1000);
      const tally = await runClients({ url, ledger, clients: SOAK_CLIENTS, intervalMs: SOAK_INTERVAL_MS, tsBase: Date.now() - 3_600_000, until: () => Date.now() > t0 + SOAK_MS, maxRequestsPerClient: 1_000_000 }).finally(() =>
        clearInterval(sampler),
      );
      const half = SOAK_MS / 60_000 / 2;
      const second = rss.filter(([m]) => m >= half);
      const rssSlope = slope(second);
      const heapSlope = slope(heap.filter(([m]) => m >= half));
      let c = ledger.reconcile(sink.samples);
      await waitUntil(() => (c = ledger.reconcile(sink.samples)).lost === 0, 'every acknowledged soak point at the sink', 60_000, 500).catch(() => undefined);
      const at = (xs: [number, number][], i: number) => (xs.length === 0 ? 0 : xs[i < 0 ? xs.length + i : i][1]).toFixed(0);
      console.log(
        Ledger.line(
          'soak',
          c,
          `${(SOAK_MS / 60_000).toFixed(1)} min at ${((SOAK_CLIENTS * 1000) / SOAK_INTERVAL_MS) * SOAK_SERIES} points/s; RSS ${at(rss, 0)} -> ${at(rss, -1)} MiB (max ${Math.max(...rss.map(([, v]) => v)).toFixed(0)}), ` +
            `second-half slope ${rssSlope.toFixed(2)} MiB/min (bound ${SOAK_SLOPE_MIB_PER_MIN}); heap used ${at(heap, 0)} -> ${at(heap, -1)} MiB, slope ${heapSlope.toFixed(2)} MiB/min; ${tally.requests} requests`,
        ),
      );
      expect(second.length).toBeGreaterThan(5);
      expect(tally.acked).toBeGreaterThan(0);
      expect(Object.keys(tally.refused)).toEqual([]);
      expect(c.lost).toBe(0);
      expect(rssSlope).toBeLessThan(SOAK_SLOPE_MIB_PER_MIN);
    } finally {
      const code = await gw.stop();
      await sink.close();
      expect(code).toBe(0);
    }
  }, SOAK_MS + 180_000);
});
