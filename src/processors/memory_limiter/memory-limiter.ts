import type { Consumer, CreateSettings, IntakeGate, Processor, RequestContext } from '../../component/component.js';
import { Lifecycle } from '../../component/lifecycle.js';
import { Errors } from '../../errors/catalogue.js';
import { TributaryError } from '../../errors/tributary-error.js';
import { type MetricBatch, countPoints } from '../../model/metric.js';
import { type MemoryLimiterConfig, limitsOf } from './config.js';
import { type Level, MemoryMonitor, type MemoryReading, availableMemory } from './monitor.js';

const MIB = 1024 * 1024;
const mib = (b: number): number => Math.round(b / MIB);

/**
 * Room below the soft limit, above what the gateway holds when it starts,
 * under which the limiter warns. Refusing costs memory too: under a flood it
 * refuses, the young generation fills and request bodies are read and
 * dropped, and the resident set of a gateway refusing ~99% of requests rose
 * 55-75 MiB above its idle size in test/memory-limiter.e2e.test.ts.
 */
export const MIN_ROOM_MIB = 64;

/**
 * The memory_limiter processor. While the process's memory is above the
 * soft limit it refuses data with a retryable error (TRIB_ERR_LIMIT_MEMORY:
 * 503 with Retry-After, gRPC UNAVAILABLE with RetryInfo), so clients back
 * off and resend instead of the gateway being killed for running out of
 * memory. It refuses twice over: as an intake gate, which receivers ask
 * before reading a request body (Host.admit), and in consume() for data
 * that arrives anyway. Put it first in the pipeline, as with the Collector.
 */
export class MemoryLimiter implements Processor, IntakeGate {
  readonly mutates = false;
  private readonly life = new Lifecycle();
  private readonly monitor: MemoryMonitor;
  private readonly id: string;
  private readonly retryAfterMs: number;
  private timer: NodeJS.Timeout | undefined;
  private readonly soft: number;
  private readonly hard: number;

  constructor(
    private readonly set: CreateSettings,
    private readonly config: MemoryLimiterConfig,
    private readonly next: Consumer,
    deps: { read?: () => MemoryReading; gc?: () => boolean; now?: () => number; total?: number } = {},
  ) {
    this.id = set.id.toString();
    const { hard, soft } = limitsOf(config, deps.total ?? availableMemory());
    this.soft = soft;
    this.hard = hard;
    this.retryAfterMs = Math.max(1000, 2 * config.check_interval);
    const m = set.metrics;
    m.memoryLimiterUsage.set({ processor: this.id, kind: 'soft_limit' }, soft);
    m.memoryLimiterUsage.set({ processor: this.id, kind: 'hard_limit' }, hard);
    this.monitor = new MemoryMonitor({
      soft,
      hard,
      softGcIntervalMs: config.min_gc_interval_when_soft_limited,
      hardGcIntervalMs: config.min_gc_interval_when_hard_limited,
      read: deps.read,
      gc: deps.gc,
      now: deps.now,
      onGc: () => m.memoryLimiterGc.inc({ processor: this.id }),
      onChange: (level, previous, r) => this.changed(level, previous, r),
    });
  }

  start(): Promise<void> {
    return this.life.start(() => {
      this.check();
      this.warnIfCramped();
      this.timer = setInterval(() => this.check(), this.config.check_interval);
      this.timer.unref();
    });
  }

  shutdown(): Promise<void> {
    return this.life.shutdown(() => {
      if (this.timer !== undefined) clearInterval(this.timer);
    });
  }

  /** Measures now (the timer calls this every check_interval; tests call it directly). */
  check(): void {
    this.monitor.check();
    const r = this.monitor.reading;
    const m = this.set.metrics;
    m.memoryLimiterUsage.set({ processor: this.id, kind: 'rss' }, r.rss);
    m.memoryLimiterUsage.set({ processor: this.id, kind: 'heap_used' }, r.heapUsed);
    m.memoryLimiterUsage.set({ processor: this.id, kind: 'used' }, this.monitor.used);
    if (r.heapTotal !== undefined) m.memoryLimiterUsage.set({ processor: this.id, kind: 'heap_total' }, r.heapTotal);
    if (r.external !== undefined) m.memoryLimiterUsage.set({ processor: this.id, kind: 'external' }, r.external);
    m.memoryLimiterState.set({ processor: this.id }, this.monitor.level);
  }

  /** Processors start before receivers: what is resident now is the gateway's footprint before any data. */
  private warnIfCramped(): void {
    const rss = this.monitor.reading.rss;
    const room = this.soft - rss;
    if (room >= MIN_ROOM_MIB * MIB) return;
    this.set.logger.warn(
      { rss_mib: mib(rss), soft_limit_mib: mib(this.soft), hard_limit_mib: mib(this.hard), room_mib: mib(room) },
      `the soft limit leaves ${mib(room)} MiB above the ${mib(rss)} MiB the gateway holds before any data: under load it will refuse nearly everything, ` +
        `and refusing a flood can itself take the resident set past limit_mib. Make the soft limit (limit_mib - spike_limit_mib) at least ${mib(rss) + MIN_ROOM_MIB} MiB`,
    );
  }

  get level(): Level {
    return this.monitor.level;
  }

  refuseIntake(): TributaryError | undefined {
    if (this.monitor.level === 0) return undefined;
    this.set.metrics.memoryLimiterRefused.inc({ processor: this.id, where: 'receiver' });
    return this.refusal();
  }

  consume(batch: MetricBatch, ctx: RequestContext): Promise<void> {
    if (this.monitor.level === 0) return this.next.consume(batch, ctx);
    const m = this.set.metrics;
    m.memoryLimiterRefused.inc({ processor: this.id, where: 'processor' });
    m.memoryLimiterRefusedPoints.inc({ processor: this.id, pipeline: this.set.pipeline ?? '' }, countPoints(batch));
    return Promise.reject(this.refusal());
  }

  private refusal(): TributaryError {
    const r = this.monitor.reading;
    return new TributaryError(Errors.MEMORY_LIMITED, `memory_limiter ${this.id}: the gateway uses ${mib(this.monitor.used)} MiB (resident ${mib(r.rss)} MiB), above its soft limit; retry later`, {
      retryAfterMs: this.retryAfterMs,
    });
  }

  private changed(level: Level, previous: Level, r: MemoryReading): void {
    const fields = { used_mib: mib(this.monitor.used), rss_mib: mib(r.rss), heap_used_mib: mib(r.heapUsed), soft_limit_mib: mib(this.soft), hard_limit_mib: mib(this.hard) };
    if (level === 0) this.set.logger.info(fields, 'memory usage is back below the soft limit; accepting data again');
    else if (previous === 0) this.set.logger.warn(fields, `memory usage is above the ${level === 2 ? 'hard' : 'soft'} limit; refusing data until it drops`);
    else if (level === 2) this.set.logger.warn(fields, 'memory usage is above the hard limit; forcing garbage collection');
  }
}
