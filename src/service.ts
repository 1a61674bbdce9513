import { type Extension, type Host, type IntakeGate, type Phase, isIntakeGate } from './component/component.js';
import type { TributaryError } from './errors/tributary-error.js';
import type { GatewayConfig } from './config/gateway-config.js';
import type { TelemetrySection } from './config/service-schema.js';
import type { WorkerContext } from './component/workers.js';
import type { WorkerLink } from './workers/worker-link.js';
import { type Graph, type Node, type NodeState, buildGraph, shutdownAll, startAll, startOrder } from './pipeline/graph.js';
import { ErrorLog } from './telemetry/error-log.js';
import { type Logger, createLogger } from './telemetry/logger.js';
import { OtlpPush, selfResource } from './telemetry/otlp-push.js';
import { SelfMetrics } from './telemetry/self-metrics.js';
import { STATUS_PATH, registerStatusPage } from './telemetry/status/status-page.js';
import { StatusModel } from './telemetry/status/status-model.js';
import { TelemetryServer } from './telemetry/telemetry-server.js';
import { VERSION } from './version.js';

/**
 * A running gateway: the graph built from a config, its own telemetry, and
 * the lifecycle: start exporters first and receivers last; on shutdown stop
 * intake first, then drain processors and exporters, within a deadline.
 */
export interface ServiceOptions {
  readonly logger?: Logger;
  /** Set when this process is one of several workers (service::workers > 1). */
  readonly worker?: WorkerLink;
}

/** Where /metrics listens: metrics::address, or the last pull reader's host and port. */
export function telemetryEndpoint(t: TelemetrySection): string {
  let endpoint = t.metrics.address ?? 'localhost:8888';
  for (const r of t.metrics.readers ?? []) {
    const prom = r.pull?.exporter.prometheus;
    if (prom !== undefined) endpoint = `${prom.host}:${prom.port}`;
  }
  return endpoint;
}

export class Service implements Host {
  readonly logger: Logger;
  readonly metrics: SelfMetrics;
  private graph: Graph | undefined;
  private currentPhase: Phase = 'starting';
  private telemetryServer: TelemetryServer | undefined;
  private push: OtlpPush | undefined;
  private readonly extensionsById = new Map<string, Extension>();
  /** Per receiver, the intake gates of the pipelines it feeds. */
  private readonly gates = new Map<string, IntakeGate[]>();
  private stopping: Promise<void> | undefined;
  /** Each component's recent warnings and errors, and its lifecycle state, for the status page. */
  private readonly errors = new ErrorLog();
  private readonly states = new Map<string, NodeState>();
  private readonly onState = (key: string, state: NodeState): void => void this.states.set(key, state);
  private status: StatusModel | undefined;
  private startedAt = Date.now();

  constructor(
    readonly config: GatewayConfig,
    private readonly opts: ServiceOptions = {},
  ) {
    const t = config.service.telemetry;
    const w = opts.worker;
    this.logger = opts.logger ?? createLogger({ level: t.logs.level });
    this.metrics = new SelfMetrics({ processMetrics: t.metrics.level !== 'none', labels: w === undefined ? undefined : { worker: String(w.index) } });
  }

  worker(): WorkerContext | undefined {
    return this.opts.worker;
  }

  getExtension(id: string): Extension | undefined {
    return this.extensionsById.get(id);
  }

  phase(): Phase {
    return this.currentPhase;
  }

  admit(receiver: string): TributaryError | undefined {
    const gates = this.gates.get(receiver);
    if (gates === undefined) return undefined;
    for (const g of gates) {
      const refusal = g.refuseIntake();
      if (refusal !== undefined) return refusal;
    }
    return undefined;
  }

  /** Builds and starts everything; on failure, what started is shut down and the error rethrown. */
  async start(): Promise<void> {
    this.startedAt = Date.now();
    const graph = buildGraph(this.config, { logger: this.logger, metrics: this.metrics, errors: this.errors });
    this.graph = graph;
    for (const n of startOrder(graph)) this.states.set(n.key, 'created');
    for (const n of graph.extensions) this.extensionsById.set(n.id, n.component);
    for (const n of graph.processors) {
      if (!isIntakeGate(n.component)) continue;
      for (const r of graph.pipelines.find((p) => p.name === n.pipeline)?.receivers ?? []) {
        const list = this.gates.get(r) ?? [];
        list.push(n.component);
        this.gates.set(r, list);
      }
    }
    await this.startTelemetry();
    try {
      await startAll(startOrder(graph), this, this.logger, this.onState);
    } catch (err) {
      await this.stopTelemetry();
      this.currentPhase = 'stopped';
      throw err;
    }
    this.currentPhase = 'running';
    this.logStartup(graph);
  }

  /**
   * Stops intake (receivers), then drains processors and exporters, then
   * extensions. Resolves when done or when `deadlineMs` passes, whichever is
   * first; returns false if the deadline cut draining short.
   */
  shutdown(deadlineMs = this.config.service.shutdown_timeout): Promise<void> {
    if (this.stopping !== undefined) return this.stopping;
    this.currentPhase = 'draining';
    const g = this.graph;
    this.stopping = (async () => {
      if (g !== undefined) {
        const order: Node[] = [...g.receivers, ...g.processors, ...g.exporters, ...g.extensions];
        let timer: NodeJS.Timeout | undefined;
        const timedOut = new Promise<'timeout'>((resolve) => {
          timer = setTimeout(() => resolve('timeout'), deadlineMs);
        });
        const result = await Promise.race([shutdownAll(order, this.logger, this.onState).then(() => 'done' as const), timedOut]);
        clearTimeout(timer);
        if (result === 'timeout') this.logger.error({ deadline_ms: deadlineMs }, 'shutdown deadline passed before draining finished; data still held in memory is lost');
      }
      await this.stopTelemetry();
      this.currentPhase = 'stopped';
      this.logger.info('stopped');
    })();
    return this.stopping;
  }

  /** Every endpoint the gateway listens on, by component. */
  endpoints(): Record<string, readonly string[]> {
    const out: Record<string, readonly string[]> = {};
    const g = this.graph;
    if (g === undefined) return out;
    for (const n of [...g.receivers, ...g.extensions, ...g.exporters]) {
      const e = n.component.endpoints?.() ?? [];
      if (e.length > 0) out[n.key] = e;
    }
    return out;
  }

  /** The telemetry server (/metrics, and the status page at /status); undefined when telemetry is off. */
  telemetry(): TelemetryServer | undefined {
    return this.telemetryServer;
  }

  private async startTelemetry(): Promise<void> {
    const m = this.config.service.telemetry.metrics;
    if (m.level === 'none') return;
    for (const r of m.readers ?? []) {
      const otlp = r.periodic?.exporter.otlp;
      if (otlp !== undefined && r.periodic !== undefined) {
        const resource = selfResource(this.config.service.telemetry.resource);
        this.push = new OtlpPush(
          { protocol: otlp.protocol, endpoint: otlp.endpoint, insecure: otlp.insecure, headers: otlp.headers, intervalMs: r.periodic.interval, timeoutMs: r.periodic.timeout, resource },
          this.metrics,
          this.logger,
        );
      }
    }
    // With several workers the primary serves /metrics, aggregating every worker's;
    // the status page (per process) is served only by a single-process gateway.
    if (this.opts.worker !== undefined) {
      this.opts.worker.serveMetrics(this.metrics.registry);
      this.push?.start();
      return;
    }
    this.telemetryServer = new TelemetryServer(telemetryEndpoint(this.config.service.telemetry), this.metrics);
    if (this.graph !== undefined) {
      this.status = new StatusModel({
        graph: this.graph,
        config: this.config,
        metrics: this.metrics,
        errors: this.errors,
        version: VERSION,
        startedAt: this.startedAt,
        phase: () => this.currentPhase,
        state: (key) => this.states.get(key) ?? 'created',
        endpoints: () => this.endpoints(),
      });
      registerStatusPage(this.telemetryServer.app, this.status);
    }
    await this.telemetryServer.listen();
    this.status?.start();
    this.push?.start();
  }

  private async stopTelemetry(): Promise<void> {
    this.status?.stop();
    await this.push?.stop().catch(() => undefined);
    await this.telemetryServer?.close();
  }

  private logStartup(g: Graph): void {
    const eps = this.endpoints();
    for (const p of g.pipelines) {
      const listening = p.receivers.flatMap((r) => eps[`receiver/${r}`] ?? []);
      this.logger.info(
        { pipeline: p.name, receivers: p.receivers, processors: p.processors, exporters: p.exporters, listening },
        `pipeline ${p.name}: ${[p.receivers.join(', '), ...p.processors, p.exporters.join(', ')].join(' -> ')}`,
      );
    }
    const other: Record<string, readonly string[]> = {};
    for (const [k, v] of Object.entries(eps)) if (!k.startsWith('receiver/')) other[k] = v;
    const telemetry = this.telemetryServer === undefined ? [] : [this.telemetryServer.url, `${this.telemetryServer.baseUrl}${STATUS_PATH}`];
    const w = this.opts.worker;
    this.logger.info({ endpoints: { ...other, ...(telemetry.length ? { telemetry } : {}) } }, w === undefined ? 'gateway running' : `worker ${w.index} of ${w.count} running`);
  }
}
