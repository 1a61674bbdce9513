import type { Registry } from 'prom-client';
import type { WorkerContext } from '../component/workers.js';
import { Errors } from '../errors/catalogue.js';
import { TributaryError } from '../errors/tributary-error.js';
import { type IpcEnd, type ToPrimary, type ToWorker, fromWire, isTw, post, toWire } from './protocol.js';

/** How long a forward waits for the owning worker's answer before the caller gets a retryable error. */
const FORWARD_TIMEOUT_MS = 30_000;

/**
 * The worker side of the cluster IPC channel: forwards to other workers
 * (through the primary), serves forwards for registered channels, and
 * answers the primary's requests for this worker's metrics (which the
 * primary aggregates on the one telemetry port).
 */
export class WorkerLink implements WorkerContext {
  private nextId = 1;
  private readonly pending = new Map<number, { resolve: () => void; reject: (e: Error) => void; timer: NodeJS.Timeout }>();
  private readonly handlers = new Map<string, (payload: unknown) => Promise<void>>();
  private registry: Registry | undefined;
  private readonly onMessage = (m: unknown): void => this.receive(m);

  constructor(
    readonly index: number,
    readonly count: number,
    private readonly channel: IpcEnd<ToPrimary> & { on(ev: 'message', fn: (m: unknown) => void): unknown; off(ev: 'message', fn: (m: unknown) => void): unknown } = process as never,
  ) {
    this.channel.on('message', this.onMessage);
  }

  /** The registry whose metrics the primary collects. */
  serveMetrics(registry: Registry): void {
    this.registry = registry;
  }

  ready(): void {
    this.send({ tw: 'ready' });
  }

  forward(to: number, channel: string, payload: unknown): Promise<void> {
    const id = this.nextId++;
    return new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new TributaryError(Errors.WORKER_UNAVAILABLE, `worker ${to} did not answer within ${FORWARD_TIMEOUT_MS / 1000}s`, { retryAfterMs: 1000 }));
      }, FORWARD_TIMEOUT_MS);
      this.pending.set(id, { resolve, reject, timer });
      if (!this.send({ tw: 'fwd', id, to, channel, payload })) {
        clearTimeout(timer);
        this.pending.delete(id);
        reject(new TributaryError(Errors.WORKER_UNAVAILABLE, 'the channel to the primary process is closed', { retryAfterMs: 1000 }));
      }
    });
  }

  handle(channel: string, fn: (payload: unknown) => Promise<void>): () => void {
    this.handlers.set(channel, fn);
    return () => {
      if (this.handlers.get(channel) === fn) this.handlers.delete(channel);
    };
  }

  close(): void {
    this.channel.off('message', this.onMessage);
    for (const [id, p] of this.pending) {
      clearTimeout(p.timer);
      p.reject(new TributaryError(Errors.SHUTTING_DOWN, 'worker is stopping'));
      this.pending.delete(id);
    }
  }

  private send(m: ToPrimary): boolean {
    return post(this.channel, m);
  }

  private receive(raw: unknown): void {
    if (!isTw<ToWorker>(raw)) return;
    const m = raw;
    switch (m.tw) {
      case 'fwd-reply': {
        const p = this.pending.get(m.id);
        if (p === undefined) return;
        this.pending.delete(m.id);
        clearTimeout(p.timer);
        if (m.error === undefined) p.resolve();
        else p.reject(fromWire(m.error));
        return;
      }
      case 'fwd': {
        const fn = this.handlers.get(m.channel);
        const done = fn === undefined ? Promise.reject(new TributaryError(Errors.WORKER_UNAVAILABLE, `worker ${this.index} does not serve ${m.channel} (starting or stopping)`, { retryAfterMs: 1000 })) : fn(m.payload);
        done.then(
          () => this.send({ tw: 'fwd-reply', id: m.id, to: m.from }),
          (err: unknown) => this.send({ tw: 'fwd-reply', id: m.id, to: m.from, error: toWire(err) }),
        );
        return;
      }
      case 'metrics-req': {
        const r = this.registry;
        (r === undefined ? Promise.resolve([]) : r.getMetricsAsJSON()).then(
          (metrics) => this.send({ tw: 'metrics', id: m.id, metrics }),
          () => this.send({ tw: 'metrics', id: m.id, metrics: [] }),
        );
        return;
      }
    }
  }
}
