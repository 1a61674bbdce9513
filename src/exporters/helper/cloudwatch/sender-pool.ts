import type { SelfMetrics } from '../../../telemetry/self-metrics.js';
import { Wakeup } from '../queue-admission.js';
import { Backoff, type RetrySettings, sleep } from '../retry.js';

/**
 * The sending side of the CloudWatch exporters: a bounded in-memory queue
 * of ready requests and `consumers` parallel senders taking from it, all
 * drawing from one request-rate budget (`max_requests_per_second`, a token
 * bucket with one second of burst). CloudWatch takes data in any order, so
 * unlike remote write no series needs to stay on one sender.
 *
 * Each request is retried on retryable errors with exponential backoff and
 * jitter (retry_on_failure) until delivered or max_elapsed_time; a
 * permanent error drops it, counted, with AWS's message in the log; a
 * request the send function splits (to isolate one bad value) is delivered
 * part by part. On shutdown the senders drain what is queued for a bounded
 * time; what is left then is dropped and counted.
 */

export interface PoolJob {
  /** Values carried, for the counters. */
  readonly items: number;
}

export type SendOutcome<J> =
  | { readonly kind: 'ok' }
  | { readonly kind: 'retry'; readonly reason: string; readonly detail: string }
  | { readonly kind: 'permanent'; readonly reason: string; readonly detail: string }
  | { readonly kind: 'split'; readonly parts: readonly J[]; readonly reason: string; readonly detail: string };

export interface SenderPoolOptions<J extends PoolJob> {
  readonly exporter: string;
  /** The API, for log lines ("PutMetricData"). */
  readonly api: string;
  readonly queueSize: number;
  readonly consumers: number;
  /** Requests per second across all senders; 0: no limit. */
  readonly ratePerSecond: number;
  readonly retry: RetrySettings;
  readonly metrics: SelfMetrics;
  readonly log: (level: 'warn' | 'error', key: string, fields: Record<string, unknown>, msg: string) => void;
  readonly send: (job: J, signal: AbortSignal) => Promise<SendOutcome<J>>;
  readonly delivered: (job: J) => void;
  /** Called before each attempt: the job to send now (values that aged out of CloudWatch's window removed), or undefined if none is left. */
  readonly refresh?: (job: J) => J | undefined;
  readonly now?: () => number;
}

type Delivery = 'delivered' | 'dropped' | 'stopped';

/**
 * A token bucket: `reserve()` takes a token and returns how long to wait
 * for it (0 when one is available). Reservations beyond the bucket queue up
 * one interval apart, so concurrent senders are spaced evenly.
 */
export class RateLimiter {
  private tokens: number;
  private last: number;

  constructor(
    private readonly perSecond: number,
    private readonly now: () => number = () => performance.now(),
  ) {
    this.tokens = Math.max(1, perSecond);
    this.last = now();
  }

  reserve(): number {
    if (this.perSecond <= 0) return 0;
    const t = this.now();
    this.tokens = Math.min(Math.max(1, this.perSecond), this.tokens + ((t - this.last) * this.perSecond) / 1000);
    this.last = t;
    this.tokens -= 1;
    return this.tokens >= 0 ? 0 : (-this.tokens * 1000) / this.perSecond;
  }
}

export class SenderPool<J extends PoolJob> {
  private queue: J[] = [];
  private first = 0;
  private closed = false;
  private readonly wakeup = new Wakeup();
  private readonly stopper = new AbortController();
  private readonly limiter: RateLimiter;
  private workers: Promise<void>[] = [];
  private readonly now: () => number;

  constructor(private readonly o: SenderPoolOptions<J>) {
    this.limiter = new RateLimiter(o.ratePerSecond);
    this.now = o.now ?? Date.now;
  }

  get size(): number {
    return this.queue.length - this.first;
  }

  /** True when no more requests should be queued (checked before a batch is translated). */
  get full(): boolean {
    return this.closed || this.size >= this.o.queueSize;
  }

  /** Queues the requests of one batch (the queue may pass its size by one batch's worth: it was checked before). */
  enqueue(jobs: readonly J[]): void {
    for (const j of jobs) this.queue.push(j);
    this.o.metrics.exporterQueueSize.set({ exporter: this.o.exporter }, this.size);
    this.wakeup.wake();
  }

  start(): void {
    this.o.metrics.exporterQueueCapacity.set({ exporter: this.o.exporter }, this.o.queueSize);
    for (let i = 0; i < this.o.consumers; i++) this.workers.push(this.loop());
  }

  /** Stops taking requests, lets the senders drain for up to `budgetMs`, then drops what is left. */
  async drain(budgetMs: number): Promise<void> {
    this.closed = true;
    this.wakeup.wake();
    const timer = setTimeout(() => this.stopper.abort(), budgetMs);
    await Promise.all(this.workers);
    clearTimeout(timer);
    this.stopper.abort();
    while (this.size > 0) this.drop(this.take()!, 'shutdown', 'the gateway stopped before this request could be delivered');
  }

  private take(): J | undefined {
    if (this.first >= this.queue.length) return undefined;
    const j = this.queue[this.first];
    this.queue[this.first++] = undefined as never;
    if (this.first >= 1024 && this.first * 2 >= this.queue.length) {
      this.queue = this.queue.slice(this.first);
      this.first = 0;
    }
    return j;
  }

  private async loop(): Promise<void> {
    for (;;) {
      if (this.stopper.signal.aborted) return;
      const job = this.take();
      if (job === undefined) {
        if (this.closed) return;
        await this.wakeup.wait();
        continue;
      }
      this.o.metrics.exporterQueueSize.set({ exporter: this.o.exporter }, this.size);
      const r = await this.deliver(job);
      if (r === 'stopped') return;
    }
  }

  private drop(job: J, reason: string, detail: string): void {
    this.o.metrics.exporterSendFailed.inc({ exporter: this.o.exporter, reason }, job.items);
    this.o.metrics.lastError.set({ component: `exporter/${this.o.exporter}` }, Date.now() / 1000);
    this.o.log('error', `drop:${reason}`, { exporter: this.o.exporter, reason, values: job.items, detail }, `${this.o.api} request dropped`);
  }

  private async deliver(initial: J): Promise<Delivery> {
    const backoff = new Backoff(this.o.retry);
    const started = this.now();
    let job: J | undefined = initial;
    for (;;) {
      if (this.o.refresh !== undefined) {
        job = this.o.refresh(job);
        if (job === undefined) return 'dropped';
      }
      const wait = this.limiter.reserve();
      if (wait > 0 && !(await sleep(wait, this.stopper.signal))) {
        this.drop(job, 'shutdown', 'the gateway stopped before this request could be delivered');
        return 'stopped';
      }
      const t0 = performance.now();
      const r = await this.o.send(job, this.stopper.signal);
      this.o.metrics.exportLatency.observe({ exporter: this.o.exporter, outcome: r.kind }, (performance.now() - t0) / 1000);
      switch (r.kind) {
        case 'ok':
          this.o.metrics.exporterSent.inc({ exporter: this.o.exporter }, job.items);
          this.o.delivered(job);
          return 'delivered';
        case 'permanent':
          this.drop(job, r.reason, r.detail);
          return 'dropped';
        case 'split': {
          this.o.metrics.exporterRetries.inc({ exporter: this.o.exporter, reason: `split_${r.reason}` });
          this.o.log('warn', `split:${r.reason}`, { exporter: this.o.exporter, reason: r.reason, parts: r.parts.length, detail: r.detail }, `${this.o.api} refused a request; sending it in parts to keep the valid values`);
          for (const part of r.parts) if ((await this.deliver(part)) === 'stopped') return 'stopped';
          return 'delivered';
        }
        case 'retry': {
          const limit = this.o.retry.max_elapsed_time;
          if (!this.o.retry.enabled || (limit > 0 && this.now() - started >= limit)) {
            this.drop(job, 'retries_exhausted', r.detail);
            return 'dropped';
          }
          const delay = backoff.next();
          this.o.metrics.exporterRetries.inc({ exporter: this.o.exporter, reason: r.reason });
          this.o.log('warn', `retry:${r.reason}`, { exporter: this.o.exporter, reason: r.reason, delay_ms: delay, detail: r.detail }, `${this.o.api} request failed; retrying`);
          if (!(await sleep(delay, this.stopper.signal))) {
            this.drop(job, 'shutdown', `the gateway stopped while retrying: ${r.detail}`);
            return 'stopped';
          }
          break;
        }
      }
    }
  }
}
