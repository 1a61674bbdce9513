import type { Dispatcher } from 'undici';
import { type ClientAuthenticator, mustClientAuthenticator } from '../../component/client-auth.js';
import type { CreateSettings, Exporter, Host, RequestContext } from '../../component/component.js';
import type { WorkerContext } from '../../component/workers.js';
import { Lifecycle } from '../../component/lifecycle.js';
import { type RecordQueue, mustStorageExtension } from '../../component/storage.js';
import { Errors } from '../../errors/catalogue.js';
import { TributaryError, asTributaryError } from '../../errors/tributary-error.js';
import type { MetricBatch } from '../../model/metric.js';
import { MetricNamer } from '../../model/prom/naming.js';
import { throttle } from '../../telemetry/logger.js';
import { createDispatcher } from '../helper/http-client.js';
import { MemoryQueue } from '../helper/memory-queue.js';
import type { PrwConfig } from './config.js';
import { encodeRecord } from './record.js';
import { ShardSender } from './sender.js';
import { SeriesRegistry } from './series.js';
import { PrwTranslator } from './translate.js';
import { RemoteWriteTransport } from './transport.js';

/** How long shutdown waits for in-memory queues to drain before giving up on what is left. */
const DRAIN_BUDGET_MS = 20_000;

/**
 * The prometheusremotewrite exporter: translate, shard by series, queue
 * (in memory, or on disk with sending_queue.storage), and send with one
 * consumer per shard. consume() resolves once every request of the batch is
 * queued (on disk, for the persistent queue); it refuses with a retryable
 * error when a queue is full, before changing any state.
 */
export class PrwExporter implements Exporter {
  readonly mutates = false;
  private readonly life = new Lifecycle();
  private readonly translator: PrwTranslator;
  private readonly registry: SeriesRegistry;
  private readonly id: string;
  private readonly log;
  /** By shard; undefined for a shard another worker owns (service::workers > 1). */
  private queues: (RecordQueue | undefined)[] = [];
  private worker: WorkerContext | undefined;
  private unhandle: (() => void) | undefined;
  private senders: ShardSender[] = [];
  private dispatcher: Dispatcher | undefined;
  private auth: ClientAuthenticator | undefined;
  private readonly stop = new AbortController();
  private accepting = false;

  constructor(
    private readonly set: CreateSettings,
    private readonly config: PrwConfig,
  ) {
    this.id = set.id.toString();
    this.log = throttle(set.logger);
    this.registry = new SeriesRegistry(config.max_series);
    this.translator = new PrwTranslator({
      namer: new MetricNamer({ addMetricSuffixes: config.add_metric_suffixes, namespace: config.namespace }),
      external: Object.entries(config.external_labels).sort(([a], [b]) => (a < b ? -1 : 1)),
      resourceToTelemetry: config.resource_to_telemetry_conversion.enabled,
      excludeServiceAttributes: config.resource_to_telemetry_conversion.exclude_service_attributes,
      targetInfo: config.target_info.enabled,
      nativeHistograms: config.exponential_histograms === 'native',
      sendMetadata: config.send_metadata,
      shards: config.remote_write_queue.num_consumers,
      maxRequestBytes: config.max_batch_size_bytes,
      registry: this.registry,
      onDrop: (reason, metric, points) => {
        set.metrics.droppedPoints.inc({ component: `exporter/${this.id}`, reason }, points);
        this.log('warn', `drop:${reason}:${metric}`, { metric, reason, points }, 'points not translated to remote write');
      },
    });
  }

  start(host: Host): Promise<void> {
    return this.life.start(async () => {
      const c = this.config;
      this.auth = mustClientAuthenticator(host, c.auth?.authenticator, `exporters::${this.id}`);
      const shards = c.remote_write_queue.num_consumers;
      const durable = c.sending_queue?.enabled === true && c.sending_queue.storage !== undefined;
      const totalRecords = durable ? (c.sending_queue?.queue_size ?? c.remote_write_queue.queue_size) : c.remote_write_queue.queue_size;
      const totalBytes = (durable ? (c.sending_queue?.max_size_mib ?? 0) : c.max_queue_size_mib) * 1024 * 1024;
      const per = { maxRecords: Math.max(1, Math.ceil(totalRecords / shards)), maxBytes: Math.ceil(totalBytes / shards) };
      // With several workers each shard (and so each series) has one owning worker, which alone
      // queues and sends it: requests for a series never race each other from two processes.
      const w = host.worker?.();
      this.worker = w !== undefined && w.count > 1 ? w : undefined;
      const owned = (i: number): boolean => this.worker === undefined || ownerOf(i, this.worker.count) === this.worker.index;
      const sendable: RecordQueue[] = [];
      if (durable) {
        const storage = mustStorageExtension(host, c.sending_queue!.storage!, `exporters::${this.id}`);
        for (let i = 0; i < shards; i++) this.queues.push(owned(i) ? await storage.openQueue(this.id, `shard-${i}-of-${shards}`, per) : undefined);
        sendable.push(...(await storage.adoptOrphans?.(this.id) ?? []));
      } else {
        for (let i = 0; i < shards; i++) this.queues.push(owned(i) ? new MemoryQueue(per, `exporter ${this.id} queue ${i}`) : undefined);
      }
      const local = this.queues.filter((q): q is RecordQueue => q !== undefined);
      sendable.unshift(...local);
      this.set.metrics.exporterQueueCapacity.set({ exporter: this.id }, per.maxRecords * local.length);
      this.dispatcher = createDispatcher({ tls: c.tls, connections: shards });
      const transport = new RemoteWriteTransport({ url: new URL(c.endpoint), headers: c.headers, timeoutMs: c.timeout, dispatcher: this.dispatcher, auth: () => this.auth });
      this.senders = sendable.map(
        (q) => new ShardSender(q, transport, { exporter: this.id, retry: c.retry_on_failure, durable, metrics: this.set.metrics, log: this.log, stop: this.stop.signal }),
      );
      for (const s of this.senders) s.start();
      this.unhandle = this.worker?.handle(this.channel(), (shard, record) => this.takeForwarded(shard, record));
      this.accepting = true;
    });
  }

  shutdown(): Promise<void> {
    return this.life.shutdown(async () => {
      this.accepting = false;
      this.unhandle?.();
      await Promise.all(this.queues.map((q) => q?.close()));
      const timer = setTimeout(() => this.stop.abort(), DRAIN_BUDGET_MS);
      await Promise.all(this.senders.map((s) => s.done()));
      clearTimeout(timer);
      this.stop.abort();
      await this.dispatcher?.close();
    });
  }

  async consume(batch: MetricBatch, _ctx: RequestContext): Promise<void> {
    if (!this.accepting) throw new TributaryError(Errors.SHUTTING_DOWN, `exporter ${this.id} is not accepting data`);
    // Check room first: translation advances per-series state, so refuse before it, not after.
    for (const q of this.queues) {
      if (q === undefined) continue;
      const s = q.size();
      const cap = q.capacity;
      if ((cap.records > 0 && s.records >= cap.records) || (cap.bytes > 0 && s.bytes >= cap.bytes * 0.9)) {
        this.set.metrics.exporterEnqueueFailed.inc({ exporter: this.id }, 1);
        throw new TributaryError(Errors.QUEUE_FULL, `exporter ${this.id}: queue is full (${s.records} requests, ${s.bytes} bytes held) because the remote-write endpoint is slow or down`, { retryAfterMs: 5000 });
      }
    }
    const t = this.translator.translate(batch);
    const pushes: Promise<void>[] = [];
    t.requests.forEach((reqs, shard) => {
      const q = this.queues[shard];
      for (const r of reqs) {
        const record = encodeRecord(r.items, r.body);
        if (q !== undefined) pushes.push(q.push(record));
        else pushes.push(this.worker!.forward(ownerOf(shard, this.worker!.count), this.channel(), shard, record));
      }
    });
    const results = await Promise.allSettled(pushes);
    const failed = results.find((r) => r.status === 'rejected');
    if (failed !== undefined) {
      // Let the client's retry send it all again; what did get queued goes twice (same samples, harmless).
      t.undo();
      this.set.metrics.exporterEnqueueFailed.inc({ exporter: this.id }, t.points);
      throw asTributaryError((failed as PromiseRejectedResult).reason);
    }
    this.set.metrics.exporterQueueSize.set({ exporter: this.id }, this.queues.reduce((a, q) => a + (q?.size().records ?? 0), 0));
  }

  private channel(): string {
    return `prometheusremotewrite:${this.id}`;
  }

  /** A request another worker translated for a shard this worker owns: queue it (acknowledged once queued, as for local ones). */
  private takeForwarded(shard: number, record: Buffer): Promise<void> {
    const q = this.queues[shard];
    if (!this.accepting) return Promise.reject(new TributaryError(Errors.SHUTTING_DOWN, `exporter ${this.id} is not accepting data`));
    if (q === undefined) return Promise.reject(new TributaryError(Errors.WORKER_UNAVAILABLE, `exporter ${this.id}: shard ${shard} is not owned by worker ${this.worker?.index}`));
    return q.push(record);
  }
}

/** The worker that queues and sends shard `shard`'s series. */
export function ownerOf(shard: number, workers: number): number {
  return shard % workers;
}
