import cluster, { type Worker } from 'node:cluster';
import { randomBytes } from 'node:crypto';
import { AggregatorRegistry, Counter, Gauge, type MetricObjectWithValues, type MetricValue, Registry, collectDefaultMetrics } from 'prom-client';
import type { GatewayConfig } from '../config/gateway-config.js';
import { telemetryEndpoint } from '../service.js';
import type { Logger } from '../telemetry/logger.js';
import { TelemetryServer } from '../telemetry/telemetry-server.js';
import { type ToPrimary, type ToWorker, WORKER_COUNT_ENV, WORKER_INDEX_ENV, WORKER_LINK_TOKEN_ENV, isTw, post } from './protocol.js';

/**
 * The primary process with service::workers > 1. It builds no graph: it
 * forks the workers (each builds the whole graph and listens on the same
 * ports, Node's cluster handing out connections), tells each the others'
 * peer-link addresses (forwards go over those links, not through here),
 * serves the one telemetry port with every worker's metrics aggregated,
 * restarts a worker that dies (with backoff), and on SIGTERM or SIGINT
 * asks every worker to drain and exits 0 once all have exited 0.
 */

const BACKOFF_FIRST_MS = 500;
const BACKOFF_MAX_MS = 30_000;
/** A worker that ran this long before dying restarts after the first backoff step again. */
const STABLE_MS = 60_000;
const METRICS_TIMEOUT_MS = 5_000;

interface Slot {
  worker: Worker | undefined;
  startedAt: number;
  failures: number;
  ready: boolean;
  /** Where the worker's peer link listens, once it is ready. */
  link?: string;
  restartTimer?: NodeJS.Timeout;
}

export interface PrimaryOptions {
  readonly count: number;
  readonly logger: Logger;
}

export async function runPrimary(config: GatewayConfig, o: PrimaryOptions): Promise<number> {
  const log = o.logger.child({ worker: 'primary' });
  const slots: Slot[] = Array.from({ length: o.count }, () => ({ worker: undefined, startedAt: 0, failures: 0, ready: false }));
  const linkToken = randomBytes(24).toString('base64url');
  let stopping = false;
  let failedExit = false;
  let allStarted = false;

  const m = primaryMetrics(config.service.telemetry.metrics.level !== 'none');
  const metricsWaiters = new Map<number, (list: MetricObjectWithValues<MetricValue<string>>[]) => void>();
  let metricsId = 1;
  const telemetry =
    config.service.telemetry.metrics.level === 'none'
      ? undefined
      : new TelemetryServer(telemetryEndpoint(config.service.telemetry), {
          registry: { contentType: m.registry.contentType },
          text: async () => {
            const lists = await Promise.all(
              slots.map((s) => {
                const w = s.worker;
                if (w === undefined || !s.ready) return Promise.resolve([]);
                const id = metricsId++;
                return new Promise<MetricObjectWithValues<MetricValue<string>>[]>((resolve) => {
                  const timer = setTimeout(() => finish([]), METRICS_TIMEOUT_MS);
                  const finish = (list: MetricObjectWithValues<MetricValue<string>>[]): void => {
                    clearTimeout(timer);
                    metricsWaiters.delete(id);
                    resolve(list);
                  };
                  metricsWaiters.set(id, finish);
                  send(w, { tw: 'metrics-req', id });
                });
              }),
            );
            m.workers.set(slots.filter((s) => s.ready).length);
            lists.push(await m.registry.getMetricsAsJSON());
            return AggregatorRegistry.aggregate(lists).metrics();
          },
        });
  if (telemetry !== undefined) await telemetry.listen();

  cluster.setupPrimary({ serialization: 'advanced' });
  /** Every worker learns where the ready ones listen, after each change. */
  const sharePeers = (): void => {
    const links = slots.map((s) => (s.ready && s.link !== undefined ? s.link : null));
    for (const s of slots) if (s.worker !== undefined) send(s.worker, { tw: 'peers', links });
  };
  let resolveExit!: (code: number) => void;
  const exited = new Promise<number>((r) => (resolveExit = r));
  let resolveStarted!: (ok: boolean) => void;
  const started = new Promise<boolean>((r) => (resolveStarted = r));

  const fork = (i: number): void => {
    const w = cluster.fork({ [WORKER_INDEX_ENV]: String(i), [WORKER_COUNT_ENV]: String(o.count), [WORKER_LINK_TOKEN_ENV]: linkToken });
    slots[i].worker = w;
    slots[i].startedAt = Date.now();
    slots[i].ready = false;
    w.on('message', (msg: unknown) => onMessage(i, msg));
    w.on('exit', (code, signal) => onExit(w, i, code, signal));
    // A worker's channel can fail as it dies; its 'exit' follows and decides what happens next.
    w.on('error', (err: Error) => log.warn({ index: i, pid: w.process.pid, err: err.message }, `worker ${i}: channel error`));
  };

  const onMessage = (from: number, raw: unknown): void => {
    if (!isTw<ToPrimary>(raw)) return;
    const msg = raw;
    switch (msg.tw) {
      case 'ready': {
        slots[from].ready = true;
        slots[from].link = msg.link;
        sharePeers();
        if (!allStarted && slots.every((s) => s.ready)) {
          allStarted = true;
          resolveStarted(true);
        }
        return;
      }
      case 'metrics':
        metricsWaiters.get(msg.id)?.(msg.metrics);
        return;
    }
  };

  const onExit = (w: Worker, i: number, code: number | null, signal: string | null): void => {
    const s = slots[i];
    if (s.worker !== w) return;
    const wasReady = s.ready;
    s.worker = undefined;
    s.ready = false;
    s.link = undefined;
    // Forwards waiting on this worker fail at once: its link closed with it.
    sharePeers();
    if (stopping) {
      // A worker still starting has no SIGTERM handler yet and dies of the signal: nothing was accepted, so that is clean.
      if (code !== 0 && !(code === null && signal === 'SIGTERM')) failedExit = true;
      log.info({ index: i, pid: w.process.pid, code, signal }, `worker ${i} stopped`);
      if (slots.every((x) => x.worker === undefined)) resolveExit(failedExit ? 1 : 0);
      return;
    }
    if (!wasReady && !allStarted) {
      // Failing during the first start (a port taken, a queue locked): restarting will not help.
      log.error({ index: i, pid: w.process.pid, code, signal }, `worker ${i} failed to start; stopping the gateway`);
      resolveStarted(false);
      return;
    }
    if (Date.now() - s.startedAt >= STABLE_MS) s.failures = 0;
    const delay = Math.min(BACKOFF_MAX_MS, BACKOFF_FIRST_MS * 2 ** s.failures);
    s.failures++;
    m.restarts.inc();
    log.error({ index: i, pid: w.process.pid, code, signal, restart_in_ms: delay }, `worker ${i} exited; restarting it`);
    s.restartTimer = setTimeout(() => {
      s.restartTimer = undefined;
      if (!stopping) fork(i);
    }, delay);
  };

  const stopAll = (sig: NodeJS.Signals): void => {
    stopping = true;
    resolveStarted(false);
    for (const s of slots) {
      if (s.restartTimer !== undefined) clearTimeout(s.restartTimer);
      s.restartTimer = undefined;
      if (s.worker !== undefined && s.worker.process.exitCode === null) s.worker.process.kill(sig);
    }
    if (slots.every((x) => x.worker === undefined)) resolveExit(failedExit ? 1 : 0);
  };

  let signals = 0;
  const onSignal = (sig: NodeJS.Signals): void => {
    signals++;
    if (signals > 1) {
      log.warn({ signal: sig }, 'second signal: killing the workers without waiting for draining');
      failedExit = true;
      stopAll('SIGKILL');
      return;
    }
    log.info({ signal: sig }, 'shutting down: asking every worker to drain');
    stopAll('SIGTERM');
    // Workers drain within shutdown_timeout; past that and a margin, stop waiting.
    setTimeout(() => {
      failedExit = true;
      stopAll('SIGKILL');
    }, config.service.shutdown_timeout + 10_000).unref();
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);

  for (let i = 0; i < o.count; i++) fork(i);
  if (!(await started)) {
    if (!stopping) failedExit = true;
    stopAll('SIGTERM');
  } else {
    const pids = slots.map((s) => s.worker?.process.pid);
    log.info({ workers: o.count, pids, endpoints: telemetry === undefined ? {} : { telemetry: [telemetry.url] } }, 'gateway running');
  }
  const code = await exited;
  await telemetry?.close();
  log.info('stopped');
  return code;
}

function send(w: Worker, m: ToWorker): boolean {
  // A worker that died before its exit was seen fails the write later (EPIPE); its 'exit' handles it.
  return post<ToWorker>(w.process, m);
}

function primaryMetrics(processMetrics: boolean): { registry: Registry; workers: Gauge; restarts: Counter } {
  const registry = new Registry();
  registry.setDefaultLabels({ worker: 'primary' });
  if (processMetrics) collectDefaultMetrics({ register: registry, prefix: 'otelcol_' });
  return {
    registry,
    workers: new Gauge({ name: 'tributary_workers', help: 'Worker processes running (service::workers).', registers: [registry] }),
    restarts: new Counter({ name: 'tributary_worker_restarts_total', help: 'Worker processes the primary restarted after they exited unexpectedly.', registers: [registry] }),
  };
}
