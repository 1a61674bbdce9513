import type { ClientInfo, Consumer, CreateSettings, Processor, RequestContext } from '../../component/component.js';
import { Lifecycle } from '../../component/lifecycle.js';
import { Errors } from '../../errors/catalogue.js';
import { TributaryError, asTributaryError } from '../../errors/tributary-error.js';
import { appendBatch, splitBatch } from '../../model/batch.js';
import { type MetricBatch, countPoints } from '../../model/metric.js';
import type { BatchConfig } from './config.js';

/**
 * The batch processor. Unlike the Collector's, it does not answer callers
 * before their data is sent: each caller's promise settles when the batch
 * holding its points has been handed on, and a downstream error reaches the
 * caller (so a receiver can tell its client to retry) instead of being
 * logged and lost. Callers whose points went out in a part that succeeded
 * are not failed by another part's error.
 */

interface Waiter {
  readonly batch: MetricBatch;
  readonly points: number;
  resolve(): void;
  reject(err: unknown): void;
}

class Shard {
  waiters: Waiter[] = [];
  points = 0;
  timer: NodeJS.Timeout | undefined;
  constructor(readonly ctx: RequestContext) {}
}

export class BatchProcessor implements Processor {
  readonly mutates = false;
  private readonly life = new Lifecycle();
  private readonly shards = new Map<string, Shard>();
  private readonly inflight = new Set<Promise<void>>();
  private pendingPoints = 0;
  private readonly maxPending: number;
  private readonly labels: { processor: string; pipeline: string };
  private closed = false;

  constructor(
    private readonly set: CreateSettings,
    private readonly config: BatchConfig,
    private readonly next: Consumer,
  ) {
    this.maxPending = config.max_pending_points > 0 ? config.max_pending_points : Math.max(100_000, 10 * config.send_batch_size);
    this.labels = { processor: set.id.toString(), pipeline: set.pipeline ?? '' };
  }

  start(): Promise<void> {
    return this.life.start(() => undefined);
  }

  consume(batch: MetricBatch, ctx: RequestContext): Promise<void> {
    if (this.closed) return Promise.reject(new TributaryError(Errors.SHUTTING_DOWN, 'batch processor is shutting down'));
    const points = countPoints(batch);
    if (points === 0) return Promise.resolve();
    if (this.pendingPoints + points > this.maxPending && this.pendingPoints > 0) {
      return Promise.reject(
        new TributaryError(Errors.QUEUE_FULL, `batch processor ${this.labels.processor} holds ${this.pendingPoints} points waiting for downstream (limit ${this.maxPending})`),
      );
    }
    const key = this.shardKey(ctx);
    let shard = this.shards.get(key);
    if (shard === undefined) {
      if (this.shards.size >= this.config.metadata_cardinality_limit) {
        return Promise.reject(
          new TributaryError(Errors.INVALID_DATA, `too many distinct metadata_keys value combinations (limit ${this.config.metadata_cardinality_limit})`),
        );
      }
      shard = new Shard(this.outputContext(ctx));
      this.shards.set(key, shard);
    }
    this.pendingPoints += points;
    const s = shard;
    const p = new Promise<void>((resolve, reject) => s.waiters.push({ batch, points, resolve, reject }));
    s.points += points;
    if (s.points >= this.config.send_batch_size) this.flush(key, s, 'size');
    else if (s.timer === undefined) {
      s.timer = setTimeout(() => this.flush(key, s, 'timeout'), this.config.timeout);
    }
    return p;
  }

  shutdown(): Promise<void> {
    return this.life.shutdown(async () => {
      this.closed = true;
      for (const [key, s] of [...this.shards]) this.flush(key, s, 'shutdown');
      await Promise.allSettled([...this.inflight]);
    });
  }

  private flush(key: string, s: Shard, trigger: 'size' | 'timeout' | 'shutdown'): void {
    if (s.timer !== undefined) clearTimeout(s.timer);
    this.shards.delete(key);
    if (s.waiters.length === 0) return;
    const m = this.set.metrics;
    m.batchTrigger.inc({ ...this.labels, trigger }, 1);
    const send = this.send(s).finally(() => this.inflight.delete(send));
    this.inflight.add(send);
  }

  private async send(s: Shard): Promise<void> {
    const merged: MetricBatch = { resourceMetrics: [] };
    for (const w of s.waiters) appendBatch(merged, w.batch);
    const max = this.config.send_batch_max_size;
    const parts = max > 0 && s.points > max ? splitBatch(merged, max) : [merged];
    // Which part each point went out in: part k covers points [bounds[k], bounds[k+1]).
    const failures: (TributaryError | undefined)[] = [];
    const bounds = [0];
    for (const part of parts) {
      const n = countPoints(part);
      this.set.metrics.batchSendSize.observe(this.labels, n);
      try {
        await this.next.consume(part, s.ctx);
        failures.push(undefined);
      } catch (err) {
        failures.push(asTributaryError(err));
      }
      bounds.push(bounds[bounds.length - 1] + n);
    }
    let offset = 0;
    for (const w of s.waiters) {
      const from = offset;
      const to = offset + w.points;
      offset = to;
      this.pendingPoints -= w.points;
      let failed: TributaryError | undefined;
      for (let k = 0; k < parts.length && failed === undefined; k++) {
        if (bounds[k] < to && bounds[k + 1] > from) failed = failures[k];
      }
      if (failed === undefined) w.resolve();
      else w.reject(failed);
    }
  }

  private shardKey(ctx: RequestContext): string {
    const keys = this.config.metadata_keys;
    if (keys.length === 0) return '';
    return JSON.stringify(keys.map((k) => valuesOf(ctx.client, k)));
  }

  /** The context sent downstream: only the metadata and auth attributes named in metadata_keys. */
  private outputContext(ctx: RequestContext): RequestContext {
    const keys = this.config.metadata_keys;
    if (keys.length === 0) return { client: {}, transport: ctx.transport, receiver: ctx.receiver };
    const metadata = new Map<string, readonly string[]>();
    const attrs: Record<string, string> = {};
    for (const k of keys) {
      const v = valuesOf(ctx.client, k);
      if (v.length === 0) continue;
      if (k.startsWith('auth.')) attrs[k.slice(5)] = v[0];
      else metadata.set(k, v);
    }
    const a = ctx.client.auth;
    const client: ClientInfo = {
      metadata,
      auth: a === undefined ? undefined : { authenticator: a.authenticator, subject: a.subject, attributes: attrs },
    };
    return { client, transport: ctx.transport, receiver: ctx.receiver };
  }
}

function valuesOf(client: ClientInfo, key: string): readonly string[] {
  if (key.startsWith('auth.')) {
    const v = client.auth?.attributes[key.slice(5)];
    return v === undefined ? [] : [v];
  }
  return client.metadata?.get(key.toLowerCase()) ?? [];
}
