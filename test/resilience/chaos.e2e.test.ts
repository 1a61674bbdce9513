import { execFileSync } from 'node:child_process';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FaultProxy, startFaultProxy } from '../kit/fault-proxy.js';
import { type GatewayProcess, startGateway, tempDir } from '../kit/gateway.js';
import { Ledger, type LedgerCounts, runClients, victoriaSamples } from '../kit/ledger.js';
import { sized } from '../kit/long.js';
import { freePorts, waitUntil } from '../kit/ports.js';
import { type VictoriaPeer, startVictoria } from '../kit/victoria.js';

/**
 * Chaos on the durable remote-write path, with real VictoriaMetrics as the
 * sink (it keeps duplicate samples, so they can be counted exactly): the
 * sink flapping and then dying for a while, the gateway SIGKILLed and
 * restarted in a loop under load, and the persistent queue's disk filling
 * up. Each run prints its ledger line and asserts that no acknowledged
 * point is lost and that duplicates stay within the bound the file_storage
 * contract gives (see dupBound).
 */

const SERIES = 20;
const CONSUMERS = 2;
let vm: VictoriaPeer;
let proxy: FaultProxy;

beforeAll(async () => {
  vm = await startVictoria();
  proxy = await startFaultProxy(vm.url);
});

afterAll(async () => {
  await proxy?.close();
  await vm?.stop();
});

function config(http: number, tel: number, queueDir: string): string {
  return `
receivers:
  otlp: {protocols: {http: {endpoint: "127.0.0.1:${http}"}}}
exporters:
  prometheusremotewrite:
    endpoint: ${proxy.url}/api/v1/write
    target_info: {enabled: false}
    remote_write_queue: {num_consumers: ${CONSUMERS}}
    retry_on_failure: {initial_interval: 100ms, max_interval: 1s}
    sending_queue: {storage: file_storage}
extensions:
  file_storage: {directory: "${queueDir}"}
service:
  extensions: [file_storage]
  telemetry: {metrics: {address: "127.0.0.1:${tel}"}}
  pipelines:
    metrics: {receivers: [otlp], exporters: [prometheusremotewrite]}
`;
}

/**
 * The most duplicated samples a run may show. A request is removed from the
 * persistent queue only after the sink answered it, so a request is sent
 * twice only when its answer was lost: (1) a SIGKILL, after which at most 99
 * already-sent requests are replayed (docs/file-storage.md) plus the ones in
 * flight (one per consumer); (2) the sink's connection cut mid-request (the
 * proxy going down), at most one in-flight request per consumer. Each OTLP
 * request here becomes one remote-write request of SERIES samples.
 */
function dupBound(kills: number, outages: number, pointsPerRequest = SERIES): number {
  return (kills * (99 + CONSUMERS) + outages * CONSUMERS) * pointsPerRequest;
}

/** Waits until every acknowledged point is at the sink (or the bound runs out), then counts. */
async function settle(ledger: Ledger, timeoutMs: number): Promise<LedgerCounts> {
  let c = ledger.reconcile(await victoriaSamples(vm.url, ledger.metric));
  await waitUntil(
    async () => (c = ledger.reconcile(await victoriaSamples(vm.url, ledger.metric))).lost === 0,
    `every acknowledged point of ${ledger.metric} at the sink`,
    timeoutMs,
    1000,
  ).catch(() => undefined);
  return c;
}

/**
 * Starts the gateway again after a kill. On this shared 2-core machine a start can
 * miss the kit's 20 s readiness bound; such a process is killed by the kit and
 * started again (up to 3 tries), which is one more kill, still within dupBound's
 * per-kill allowance because a process that never got ready sent nothing.
 */
async function restart(yaml: string, dir: string): Promise<GatewayProcess> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await startGateway(yaml, { dir });
    } catch (err) {
      if (attempt === 3) throw err;
      console.log(`restart attempt ${attempt} failed, trying again: ${(err as Error).message.split('\n')[0]}`);
    }
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('chaos on the durable remote-write path', () => {
  it('(a) the sink flaps, then dies for a while, then comes back: nothing acknowledged is lost', async () => {
    const dir = await tempDir();
    const [http, tel] = await freePorts(2);
    const gw = await startGateway(config(http, tel, join(dir, 'queue')), { dir });
    const ledger = new Ledger('chaos_flap', SERIES);
    const flaps = sized(4, 20);
    const deadMs = sized(10_000, 120_000);
    let done = false;
    try {
      const load = runClients({ url: `http://127.0.0.1:${http}/v1/metrics`, ledger, clients: 2, tsBase: Date.now() - 3_600_000, until: () => done, maxRequestsPerClient: 100_000, pauseMs: 20 });
      for (let i = 0; i < flaps; i++) {
        await proxy.down();
        await sleep(500 + (i % 3) * 500);
        await proxy.up();
        await sleep(1000);
      }
      await proxy.down();
      await sleep(deadMs);
      await proxy.up();
      await sleep(2000);
      done = true;
      const t = await load;
      const c = await settle(ledger, sized(60_000, 180_000));
      console.log(Ledger.line('sink flaps and dies', c, `${flaps} flaps, then down ${deadMs / 1000} s; ${t.requests} requests, refused ${JSON.stringify(t.refused)}`));
      expect(c.acknowledged).toBeGreaterThan(0);
      expect(c.lost).toBe(0);
      expect(c.duplicated).toBeLessThanOrEqual(dupBound(0, flaps + 1));
    } finally {
      done = true;
      await proxy.up().catch(() => undefined);
      expect(await gw.stop(), gw.logs()).toBe(0);
    }
  }, sized(180_000, 600_000));

  it('(b) the gateway is SIGKILLed and restarted in a loop under load: nothing acknowledged is lost', async () => {
    const dir = await tempDir();
    const [http, tel] = await freePorts(2);
    const yaml = config(http, tel, join(dir, 'queue'));
    const ledger = new Ledger('chaos_kill', SERIES);
    const cycles = sized(3, 20);
    let done = false;
    let gw: GatewayProcess = await startGateway(yaml, { dir });
    // Clients keep going across the kills: requests to a dead gateway fail and are retried.
    const load = runClients({ url: `http://127.0.0.1:${http}/v1/metrics`, ledger, clients: 2, tsBase: Date.now() - 3_600_000, until: () => done, maxRequestsPerClient: 100_000, pauseMs: 10, retryForMs: 60_000 });
    try {
      for (let i = 0; i < cycles; i++) {
        await sleep(1500 + (i % 4) * 700);
        gw.signal('SIGKILL');
        await gw.exited;
        gw = await restart(yaml, dir);
      }
      await sleep(2000);
    } finally {
      done = true;
    }
    const t = await load;
    try {
      const c = await settle(ledger, sized(60_000, 180_000));
      console.log(Ledger.line('gateway SIGKILLed in a loop', c, `${cycles} kills; ${t.requests} requests, refused ${JSON.stringify(t.refused)}`));
      expect(c.acknowledged).toBeGreaterThan(0);
      expect(c.lost).toBe(0);
      expect(c.duplicated).toBeLessThanOrEqual(dupBound(cycles, 0));
    } finally {
      expect(await gw.stop(), gw.logs()).toBe(0);
    }
  }, sized(180_000, 600_000));

  it('(c) the queue disk fills: the gateway refuses retryably, loses nothing, and takes data again once space frees', async () => {
    if (process.getuid?.() !== 0) throw new Error('this test mounts a small tmpfs for the queue and must run as root (CI runs as root)');
    const dir = await tempDir();
    const mnt = join(dir, 'small-disk');
    await mkdir(mnt);
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=4m', 'tmpfs', mnt]);
    const [http, tel] = await freePorts(2);
    let gw: GatewayProcess | undefined;
    try {
      gw = await startGateway(config(http, tel, join(mnt, 'queue')), { dir });
      const ledger = new Ledger('chaos_disk', 200);
      const url = `http://127.0.0.1:${http}/v1/metrics`;
      await proxy.down();
      // The sink is down, so the queue only grows until the 4 MiB disk is full; clients give up on a request after 2 s of refusals.
      const filling = await runClients({
        url, ledger, clients: 2, tsBase: Date.now() - 3_600_000, maxRequestsPerClient: sized(3_000, 20_000), retryForMs: 2_000,
        until: (t) => Object.values(t.refused).reduce((a, b) => a + b, 0) >= 20,
      });
      const refusals = Object.entries(filling.refused);
      console.log(`disk full: ${filling.acked} requests acknowledged before refusals; refusals ${JSON.stringify(filling.refused)}, ${filling.refusedWithRetryAfter} with Retry-After`);
      expect(refusals.length).toBeGreaterThan(0);
      for (const [status] of refusals) expect(['503', '429']).toContain(status);
      expect(filling.refusedWithRetryAfter).toBe(Object.values(filling.refused).reduce((a, b) => a + b, 0));
      // Space frees as the queue drains into the sink; then new data is accepted again.
      await proxy.up();
      const after = new Ledger('chaos_disk_after', 200);
      await waitUntil(async () => (await runClients({ url, ledger: after, clients: 1, tsBase: Date.now() - 1_800_000, maxRequestsPerClient: 1, retryForMs: 0, until: () => false })).acked === 1, 'a request accepted once the queue drained', 60_000, 1000);
      const c = await settle(ledger, 120_000);
      console.log(Ledger.line('queue disk full', c));
      expect(c.lost).toBe(0);
      expect(c.duplicated).toBeLessThanOrEqual(dupBound(0, 1, 200));
    } finally {
      await proxy.up().catch(() => undefined);
      if (gw !== undefined) expect(await gw.stop(), gw.logs()).toBe(0);
      execFileSync('umount', [mnt]);
    }
  }, sized(240_000, 600_000));
});
