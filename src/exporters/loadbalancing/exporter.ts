import type { CreateSettings, Exporter, Host, RequestContext } from '../../component/component.js';
import { Lifecycle } from '../../component/lifecycle.js';
import { type RecordQueue, mustStorageExtension } from '../../component/storage.js';
import { Errors } from '../../errors/catalogue.js';
import { TributaryError, asTributaryError } from '../../errors/tributary-error.js';
import { type MetricBatch, countPoints } from '../../model/metric.js';
import { encodeOtlpProto } from '../../model/otlp/encode-proto.js';
import { throttle } from '../../telemetry/logger.js';
import { MemoryQueue } from '../helper/memory-queue.js';
import { Backend, encodeRecord } from './backend.js';
import type { LoadBalancingConfig } from './config.js';
import { type OtlpTransport, OtlpGrpcTransport } from './otlp-grpc.js';
import { DnsResolver, type LookupFn, type Resolver, StaticResolver } from './resolver.js';
import { HashRing } from './ring.js';
import { BatchSplitter, type RoutingKey } from './split.js';

/** How long shutdown (or a backend's removal) waits for a backend's queue to drain. */
const DRAIN_BUDGET_MS = 20_000;

/** Test seams: the DNS lookup and the transport to a backend. */
export interface LoadBalancingDeps {
  readonly lookup?: LookupFn;
  readonly transport?: (endpoint: string) => OtlpTransport;
  /** How long shutdown waits for queues to drain (default 20 s). */
  readonly drainBudgetMs?: number;
}

/**
 * The loadbalancing exporter: routes each stream (or service, resource,
 * metric, tenant) to one second-tier gateway picked on a consistent hash
 * ring of the backends a resolver lists, and sends to each backend over
 * OTLP/gRPC with its own queue and retries.
 *
 * consume() splits the batch by backend, checks that every backend it
 * touches has room (refusing with a retryable error otherwise, before
 * anything is queued), and resolves once every part is queued. A membership
 * change rebuilds the ring: only the keys of backends that joined or left
 * move. A removed backend's queue is still delivered to it, within the
 * drain budget.
 */
export class LoadBalancingExporter implements Exporter {
  readonly mutates = false;
  private readonly life = new Lifecycle();
  private readonly id: string;
  private readonly log;
  private readonly splitter: BatchSplitter;
  private resolver: Resolver | undefined;
  private host: Host | undefined;
  private readonly backends = new Map<string, Backend>();
  private ring = new HashRing([]);
  /** Backends in ring.members order. */
  private members: Backend[] = [];
  private updating: Promise<void> = Promise.resolve();
  private readonly closing = new Set<Promise<void>>();
  private accepting = false;

  constructor(
    private readonly set: CreateSettings,
    private readonly config: LoadBalancingConfig,
    private readonly deps: LoadBalancingDeps = {},
  ) {
    this.id = set.id.toString();
    this.log = throttle(set.logger);
    this.splitter = new BatchSplitter({ key: config.routing_key as RoutingKey, attributes: config.routing_attributes });
  }

  /** The backends on the ring now (sorted). */
  backendEndpoints(): readonly string[] {
    return this.ring.members;
  }

  start(host: Host): Promise<void> {
    return this.life.start(async () => {
      this.host = host;
      const r = this.config.resolver;
      const m = this.set.metrics;
      if (r.dns !== undefined) {
        const dns = r.dns;
        this.resolver = new DnsResolver({
          hostname: dns.hostname,
          port: dns.port,
          intervalMs: dns.interval,
          timeoutMs: dns.timeout,
          lookup: this.deps.lookup,
          onResolution: (ok, err) => {
            m.loadBalancerResolutions.inc({ resolver: 'dns', success: String(ok) });
            if (!ok) this.log('warn', 'resolve', { exporter: this.id, hostname: dns.hostname, error: err?.message }, 'could not resolve the backends; keeping the previous list');
          },
        });
      } else {
        this.resolver = new StaticResolver(r.static?.hostnames ?? []);
      }
      const kind = this.resolver.kind;
      if (kind === 'static') m.loadBalancerResolutions.inc({ resolver: 'static', success: 'true' });
      await this.resolver.start((endpoints) => {
        this.updating = this.updating.then(() => this.apply(endpoints)).catch((err: unknown) => {
          this.log('error', 'update', { exporter: this.id, error: (err as Error).message }, 'could not apply the new backend list');
        });
      });
      await this.updating;
      this.accepting = true;
    });
  }

  shutdown(): Promise<void> {
    return this.life.shutdown(async () => {
      this.accepting = false;
      await this.resolver?.stop();
      await this.updating;
      const all = [...this.backends.values()];
      this.backends.clear();
      this.members = [];
      this.ring = new HashRing([]);
      await Promise.all([...all.map((b) => b.close(this.deps.drainBudgetMs ?? DRAIN_BUDGET_MS)), ...this.closing]);
    });
  }

  async consume(batch: MetricBatch, ctx: RequestContext): Promise<void> {
    if (!this.accepting) throw new TributaryError(Errors.SHUTTING_DOWN, `exporter ${this.id} is not accepting data`);
    const ring = this.ring;
    const members = this.members;
    if (ring.size === 0) {
      throw new TributaryError(Errors.EXPORT_RETRYABLE, `exporter ${this.id}: no backends resolved yet`, { retryAfterMs: 5000 });
    }
    const parts = this.splitter.split(batch, (h) => ring.indexOf(h), ring.size, ctx.client);
    // Refuse before queueing anything, so a retried batch is not half delivered twice.
    for (let b = 0; b < parts.length; b++) {
      if (parts[b] === undefined || !members[b].full()) continue;
      this.set.metrics.exporterEnqueueFailed.inc({ exporter: this.id }, countPoints(batch));
      throw new TributaryError(Errors.QUEUE_FULL, `exporter ${this.id}: the queue for backend ${members[b].endpoint} is full because that backend is slow or down`, { retryAfterMs: 5000 });
    }
    const pushes: Promise<void>[] = [];
    for (let b = 0; b < parts.length; b++) {
      const part = parts[b];
      if (part === undefined) continue;
      pushes.push(members[b].queue.push(encodeRecord(countPoints(part), encodeOtlpProto(part))));
    }
    const results = await Promise.allSettled(pushes);
    const failed = results.find((r) => r.status === 'rejected');
    if (failed !== undefined) {
      this.set.metrics.exporterEnqueueFailed.inc({ exporter: this.id }, countPoints(batch));
      throw asTributaryError((failed as PromiseRejectedResult).reason);
    }
    let held = 0;
    for (const be of members) held += be.queue.size().records;
    this.set.metrics.exporterQueueSize.set({ exporter: this.id }, held);
  }

  /** Applies a new backend list: opens the new backends, swaps the ring, then lets removed ones drain. */
  private async apply(endpoints: readonly string[]): Promise<void> {
    const next = new HashRing(endpoints);
    const removed = [...this.backends.keys()].filter((e) => !next.members.includes(e));
    for (const e of next.members) {
      if (!this.backends.has(e)) this.backends.set(e, await this.openBackend(e));
    }
    const gone = removed.map((e) => this.backends.get(e)!);
    for (const e of removed) this.backends.delete(e);
    this.ring = next;
    this.members = next.members.map((e) => this.backends.get(e)!);
    const m = this.set.metrics;
    const resolver = this.resolver?.kind ?? 'static';
    m.loadBalancerBackends.set({ resolver }, next.size);
    m.loadBalancerBackendUpdates.inc({ resolver });
    m.exporterQueueCapacity.set({ exporter: this.id }, this.config.protocol.otlp.sending_queue.queue_size * next.size);
    this.set.logger.info({ exporter: this.id, backends: next.members, removed }, 'load-balancing ring updated');
    for (const b of gone) {
      const p = b.close(this.deps.drainBudgetMs ?? DRAIN_BUDGET_MS).finally(() => this.closing.delete(p));
      this.closing.add(p);
    }
  }

  private async openBackend(endpoint: string): Promise<Backend> {
    const c = this.config.protocol.otlp;
    const q = c.sending_queue;
    const durable = q.enabled && q.storage !== undefined;
    const opts = { maxRecords: q.queue_size, maxBytes: q.max_size_mib * 1024 * 1024 };
    let queue: RecordQueue;
    if (durable) {
      // A backend removed and back again: its old queue must be released first.
      await Promise.all(this.closing);
      const storage = mustStorageExtension(this.host!, q.storage!, `exporters::${this.id}`);
      queue = await storage.openQueue(this.id, `backend-${endpoint.replace(/[^A-Za-z0-9._-]/g, '_')}`, opts);
    } else {
      queue = new MemoryQueue(q.enabled ? opts : { maxRecords: 1, maxBytes: 0 }, `exporter ${this.id} queue for ${endpoint}`);
    }
    const transport = this.deps.transport?.(endpoint) ?? new OtlpGrpcTransport(endpoint, c);
    const b = new Backend(queue, transport, { exporter: this.id, endpoint, retry: c.retry_on_failure, durable, metrics: this.set.metrics, log: this.log });
    b.start();
    return b;
  }
}
