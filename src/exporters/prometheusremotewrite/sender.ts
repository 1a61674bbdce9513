import type { RecordQueue } from '../../component/storage.js';
import type { SelfMetrics } from '../../telemetry/self-metrics.js';
import { Backoff, type RetrySettings, sleep } from '../helper/retry.js';
import { snappyCompress, snappyUncompress } from '../helper/snappy.js';
import { decodeRecord } from './record.js';
import { splitWriteRequest } from './split.js';
import type { RemoteWriteTransport, SendResult } from './transport.js';

/**
 * One consumer of one shard queue: it sends the head request until it is
 * delivered or given up, and only then takes the next, so the series of a
 * shard reach the receiver in order even through retries. A persistent
 * queue is never given up on (the data is safe on disk); a memory queue
 * gives up after max_elapsed_time, counting what it drops.
 */
export interface SenderOptions {
  readonly exporter: string;
  readonly retry: RetrySettings;
  readonly durable: boolean;
  readonly metrics: SelfMetrics;
  readonly log: (level: 'warn' | 'error', key: string, fields: Record<string, unknown>, msg: string) => void;
  /** Aborted when the gateway stops waiting for the queue to drain. */
  readonly stop: AbortSignal;
}

type Delivery = 'delivered' | 'dropped' | 'stopped';

export class ShardSender {
  private running: Promise<void> | undefined;

  constructor(
    private readonly queue: RecordQueue,
    private readonly transport: RemoteWriteTransport,
    private readonly o: SenderOptions,
  ) {}

  start(): void {
    this.running ??= this.loop();
  }

  /** Resolves when the loop has ended (queue closed and drained, or stopped). */
  done(): Promise<void> {
    return this.running ?? Promise.resolve();
  }

  private async loop(): Promise<void> {
    for (;;) {
      const record = await this.queue.head();
      if (record === undefined) return;
      const { items, body } = decodeRecord(record);
      const outcome = await this.deliver(body, items);
      if (outcome === 'stopped') {
        if (!this.o.durable) this.drop(items, 'shutdown', 'gateway stopped before this request could be delivered');
        if (!this.o.durable) await this.queue.remove();
        return;
      }
      await this.queue.remove();
      this.o.metrics.exporterQueueSize.set({ exporter: this.o.exporter }, this.queue.size().records);
    }
  }

  private drop(items: number, reason: string, detail: string): void {
    this.o.metrics.exporterSendFailed.inc({ exporter: this.o.exporter, reason }, items);
    this.o.log('error', `${reason}`, { exporter: this.o.exporter, reason, samples: items, detail }, 'remote-write request dropped');
  }

  private async deliver(body: Buffer, items: number): Promise<Delivery> {
    const backoff = new Backoff(this.o.retry);
    const started = Date.now();
    for (;;) {
      const t0 = performance.now();
      const r: SendResult = await this.transport.send(body);
      this.o.metrics.exportLatency.observe({ exporter: this.o.exporter, outcome: r.kind }, (performance.now() - t0) / 1000);
      switch (r.kind) {
        case 'ok':
          this.o.metrics.exporterSent.inc({ exporter: this.o.exporter }, items);
          return 'delivered';
        case 'permanent':
          this.drop(items, r.status === 0 ? 'auth' : `http_${r.status}`, r.detail);
          return 'dropped';
        case 'too_large':
          return this.split(body, items, r.detail);
        case 'retry': {
          const elapsed = Date.now() - started;
          const limit = this.o.retry.max_elapsed_time;
          if (!this.o.retry.enabled || (!this.o.durable && limit > 0 && elapsed >= limit)) {
            this.drop(items, 'retries_exhausted', r.detail);
            return 'dropped';
          }
          // Retry-After is a floor: never sooner than the receiver asked.
          const delay = r.afterMs !== undefined ? Math.max(r.afterMs, 0) : backoff.next();
          this.o.metrics.exporterRetries.inc({ exporter: this.o.exporter, reason: r.reason });
          this.o.log('warn', `retry:${r.reason}`, { exporter: this.o.exporter, reason: r.reason, delay_ms: delay, detail: r.detail }, 'remote-write request failed; retrying');
          if (!(await sleep(delay, this.o.stop))) return 'stopped';
          break;
        }
      }
    }
  }

  /** 413: halve the request, series by series, and deliver each half (recursively). */
  private async split(body: Buffer, items: number, detail: string): Promise<Delivery> {
    const parts = splitWriteRequest(snappyUncompress(body));
    if (parts === undefined) {
      this.drop(items, 'too_large', `${detail} (a single series is larger than the receiver accepts)`);
      return 'dropped';
    }
    this.o.metrics.exporterRetries.inc({ exporter: this.o.exporter, reason: 'http_413_split' });
    for (const p of parts) {
      const r = await this.deliver(snappyCompress(p.body), p.items);
      if (r === 'stopped') return r;
    }
    return 'delivered';
  }
}
