import type { RecordQueue } from '../../component/storage.js';
import type { SelfMetrics } from '../../telemetry/self-metrics.js';
import { Backoff, type RetrySettings, sleep } from '../helper/retry.js';
import type { OtlpTransport } from './otlp-grpc.js';

/**
 * One second-tier backend: its own bounded queue and one sender that
 * delivers the head request before taking the next, so the requests (and
 * each stream's deltas) reach the backend in the order they were split, and
 * a slow or dead backend holds up nobody else's data.
 *
 * A backend that is down keeps its data and retries with backoff: data
 * routed to it is never sent to another backend instead, because a stream's
 * running total lives on one backend only (see docs/loadbalancing.md). A
 * memory queue gives up a request after max_elapsed_time (counted); a
 * persistent queue retries until delivered.
 */

/** A queued request: 4-byte little-endian point count, then the encoded ExportMetricsServiceRequest. */
export function encodeRecord(points: number, body: Buffer): Buffer {
  const out = Buffer.allocUnsafe(4 + body.length);
  out.writeUInt32LE(points, 0);
  body.copy(out, 4);
  return out;
}

function decodeRecord(r: Buffer): { points: number; body: Buffer } {
  return { points: r.readUInt32LE(0), body: r.subarray(4) };
}

export interface BackendOptions {
  readonly exporter: string;
  readonly endpoint: string;
  readonly retry: RetrySettings;
  readonly durable: boolean;
  readonly metrics: SelfMetrics;
  readonly log: (level: 'warn' | 'error', key: string, fields: Record<string, unknown>, msg: string) => void;
}

type Delivery = 'delivered' | 'dropped' | 'stopped';

export class Backend {
  private running: Promise<void> | undefined;
  private readonly stopper = new AbortController();

  constructor(
    readonly queue: RecordQueue,
    private readonly transport: OtlpTransport,
    private readonly o: BackendOptions,
  ) {}

  get endpoint(): string {
    return this.o.endpoint;
  }

  start(): void {
    this.running ??= this.loop();
  }

  /** True when the queue has no room for another request (checked before any part of a batch is queued). */
  full(): boolean {
    const s = this.queue.size();
    const cap = this.queue.capacity;
    return (cap.records > 0 && s.records >= cap.records) || (cap.bytes > 0 && s.bytes >= cap.bytes * 0.9);
  }

  /**
   * Stops taking requests and lets the sender drain what is queued, waiting
   * at most `budgetMs`; then stops retrying (what a memory queue still holds
   * is counted as dropped; a persistent queue keeps it for the next start).
   */
  async close(budgetMs: number): Promise<void> {
    await this.queue.close();
    const timer = setTimeout(() => this.stopper.abort(), budgetMs);
    await (this.running ?? Promise.resolve());
    clearTimeout(timer);
    this.stopper.abort();
    this.transport.close();
  }

  private async loop(): Promise<void> {
    for (;;) {
      const record = await this.queue.head();
      if (record === undefined) return;
      const { points, body } = decodeRecord(record);
      const outcome = await this.deliver(body, points);
      if (outcome === 'stopped') {
        if (this.o.durable) return;
        this.drop(points, 'shutdown', 'stopped before this request could be delivered');
        await this.queue.remove();
        // Count the rest too: nothing else will send it.
        for (let r = await this.queue.head(); r !== undefined; r = await this.queue.head()) {
          this.drop(decodeRecord(r).points, 'shutdown', 'stopped before this request could be delivered');
          await this.queue.remove();
        }
        return;
      }
      await this.queue.remove();
    }
  }

  private drop(points: number, reason: string, detail: string): void {
    const m = this.o.metrics;
    m.exporterSendFailed.inc({ exporter: this.o.exporter, reason }, points);
    m.loadBalancerBackendPoints.inc({ exporter: this.o.exporter, endpoint: this.o.endpoint, outcome: 'failed' }, points);
    this.o.log('error', `drop:${this.o.endpoint}:${reason}`, { exporter: this.o.exporter, endpoint: this.o.endpoint, reason, points, detail }, 'request to a backend dropped');
  }

  private async deliver(body: Buffer, points: number): Promise<Delivery> {
    const backoff = new Backoff(this.o.retry);
    const started = Date.now();
    const m = this.o.metrics;
    for (;;) {
      if (this.stopper.signal.aborted) return 'stopped';
      const t0 = performance.now();
      const r = await this.transport.send(body);
      const secs = (performance.now() - t0) / 1000;
      m.exportLatency.observe({ exporter: this.o.exporter, outcome: r.kind }, secs);
      m.loadBalancerBackendLatency.observe({ endpoint: this.o.endpoint }, secs * 1000);
      m.loadBalancerBackendOutcome.inc({ endpoint: this.o.endpoint, success: String(r.kind === 'ok') });
      switch (r.kind) {
        case 'ok': {
          const delivered = points - Math.min(points, r.rejected);
          m.exporterSent.inc({ exporter: this.o.exporter }, delivered);
          m.loadBalancerBackendPoints.inc({ exporter: this.o.exporter, endpoint: this.o.endpoint, outcome: 'sent' }, delivered);
          if (r.rejected > 0) this.drop(Math.min(points, r.rejected), 'partial_success', r.message);
          return 'delivered';
        }
        case 'permanent':
          this.drop(points, r.reason, r.detail);
          return 'dropped';
        case 'retry': {
          const limit = this.o.retry.max_elapsed_time;
          if (!this.o.retry.enabled || (!this.o.durable && limit > 0 && Date.now() - started >= limit)) {
            this.drop(points, 'retries_exhausted', r.detail);
            return 'dropped';
          }
          const delay = Math.max(r.afterMs ?? 0, backoff.next());
          m.exporterRetries.inc({ exporter: this.o.exporter, reason: r.reason });
          this.o.log('warn', `retry:${this.o.endpoint}`, { exporter: this.o.exporter, endpoint: this.o.endpoint, reason: r.reason, delay_ms: delay, detail: r.detail }, 'backend did not take the request; retrying');
          if (!(await sleep(delay, this.stopper.signal))) return 'stopped';
        }
      }
    }
  }
}
