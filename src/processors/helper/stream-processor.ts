import { type Consumer, type CreateSettings, EMPTY_CONTEXT, type Processor, type RequestContext } from '../../component/component.js';
import { Lifecycle } from '../../component/lifecycle.js';
import type { Metric, MetricBatch, ResourceMetrics } from '../../model/metric.js';
import { throttle } from '../../telemetry/logger.js';
import { StreamKeys } from './stream-key.js';
import { DropCounts, visitMetrics } from './walk.js';

export interface StreamLimits {
  /** Streams held at most (0: none), reported as tributary_processor_streams_limit. */
  readonly maxStreams: number;
  /** Streams not seen for this long are forgotten (0: never). */
  readonly staleMs: number;
  /** The config key of staleMs, for the log line. */
  readonly staleKey: string;
}

/**
 * What the processors that keep state per stream share: they change
 * batches in place, visit every metric with the stream-key prefix set,
 * count drops by reason once per batch, send nothing downstream when
 * nothing is left, forget stale streams on a timer, say (throttled) when
 * the stream limit drops points, and report their state's size.
 */
export abstract class StreamProcessor implements Processor {
  readonly mutates = true;
  protected readonly keys = new StreamKeys();
  protected readonly drops = new DropCounts();
  protected readonly labels: { processor: string; pipeline: string };
  /** The wall clock of the batch being processed (ms). */
  protected now = 0;
  /** The request the batch being processed came with. */
  protected ctx: RequestContext = EMPTY_CONTEXT;
  private readonly life = new Lifecycle();
  private readonly log;
  private timer: NodeJS.Timeout | undefined;
  private lastGauges = -Infinity;
  private gaugeTimer: NodeJS.Timeout | undefined;

  constructor(
    protected readonly set: CreateSettings,
    private readonly next: Consumer,
    private readonly limits: StreamLimits,
  ) {
    this.labels = { processor: set.id.toString(), pipeline: set.pipeline ?? '' };
    this.log = throttle(set.logger);
  }

  /** Streams held. */
  abstract get streams(): number;
  /** Bytes the state holds. */
  abstract stateBytes(): number;
  /** Converts one metric in place; false removes it. */
  protected abstract metric(m: Metric, rm: ResourceMetrics): boolean;
  /** Forgets the streams not seen for staleMs; returns how many. */
  protected abstract evictStale(nowMs: number): number;

  start(): Promise<void> {
    return this.life.start(() => {
      this.set.metrics.processorStreamsLimit.set(this.labels, this.limits.maxStreams);
      if (this.limits.staleMs <= 0) return;
      const every = Math.min(60_000, Math.max(1000, this.limits.staleMs / 4));
      this.timer = setInterval(() => this.sweep(Date.now()), every);
      this.timer.unref();
    });
  }

  shutdown(): Promise<void> {
    return this.life.shutdown(() => {
      if (this.timer !== undefined) clearInterval(this.timer);
      if (this.gaugeTimer !== undefined) clearTimeout(this.gaugeTimer);
    });
  }

  consume(batch: MetricBatch, ctx: RequestContext): Promise<void> {
    this.process(batch, Date.now(), ctx);
    return batch.resourceMetrics.length === 0 ? Promise.resolve() : this.next.consume(batch, ctx);
  }

  /** Processes the batch in place at the given wall clock (exposed for tests). */
  process(batch: MetricBatch, nowMs: number, ctx: RequestContext = EMPTY_CONTEXT): void {
    this.now = nowMs;
    this.ctx = ctx;
    this.beginBatch();
    visitMetrics(batch, this.keys, (m, rm) => this.metric(m, rm));
    this.ctx = EMPTY_CONTEXT;
    const limited = this.drops.flush(this.set).get('stream_limit');
    if (limited !== undefined) {
      const { maxStreams, staleMs, staleKey } = this.limits;
      this.log('warn', 'stream_limit', { points: limited, max_streams: maxStreams, [staleKey]: `${staleMs / 1000}s` },
        `${this.set.id.type} holds max_streams streams: points of new streams are dropped until streams go stale (${staleKey})`);
    }
    this.gauges(nowMs, false);
  }

  /** Called before each batch is processed (subclasses renew their output scratch here). */
  protected beginBatch(): void {}

  /** Forgets stale streams now (the timer calls this; so do tests). */
  sweep(nowMs: number): void {
    if (this.limits.staleMs <= 0) return;
    const n = this.evictStale(nowMs);
    if (n > 0) this.set.metrics.processorStreamsEvicted.inc(this.labels, n);
    this.gauges(nowMs, true);
  }

  /**
   * Reports the state's size at most once a second; a change within the
   * second is reported at its end, so the gauges never stay stale.
   */
  private gauges(nowMs: number, force: boolean): void {
    if (force || nowMs - this.lastGauges >= 1000) {
      this.lastGauges = nowMs;
      this.updateGauges();
      return;
    }
    if (this.gaugeTimer !== undefined) return;
    this.gaugeTimer = setTimeout(() => {
      this.gaugeTimer = undefined;
      this.lastGauges = Date.now();
      this.updateGauges();
    }, 1000);
    this.gaugeTimer.unref();
  }

  /** Sets the state's self-metrics (subclasses add their own). */
  protected updateGauges(): void {
    this.set.metrics.processorStreams.set(this.labels, this.streams);
    this.set.metrics.processorStateBytes.set(this.labels, this.stateBytes());
  }
}
