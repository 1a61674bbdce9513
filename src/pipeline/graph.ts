import type { Component, Consumer, CreateSettings, Exporter, Extension, Host, Kind, Processor, Receiver } from '../component/component.js';
import type { ComponentConfig, GatewayConfig, PipelineConfig } from '../config/gateway-config.js';
import { type ErrorLog, recordingLogger } from '../telemetry/error-log.js';
import type { Logger } from '../telemetry/logger.js';
import type { SelfMetrics } from '../telemetry/self-metrics.js';
import { counting } from './counting.js';
import { fanout } from './fanout.js';

/**
 * The running shape of a config: one instance per receiver, exporter and
 * extension id, one processor chain per pipeline. Built once at startup;
 * everything that can be decided here (who gets copies, who counts what)
 * is decided here.
 */
export interface Node {
  readonly key: string;
  readonly kind: Kind;
  readonly id: string;
  readonly pipeline?: string;
  readonly component: Component;
}

export interface Graph {
  readonly extensions: readonly Node[];
  readonly exporters: readonly Node[];
  /** Per pipeline, in data order. */
  readonly processors: readonly Node[];
  readonly receivers: readonly Node[];
  readonly pipelines: readonly PipelineConfig[];
}

export interface GraphDeps {
  readonly logger: Logger;
  readonly metrics: SelfMetrics;
  /** Where each component's warnings and errors are kept for the status page, by node key. */
  readonly errors?: ErrorLog;
}

/** A node's key: `receiver/otlp`, `processor/<pipeline>/batch`, `exporter/file`, `extension/health_check`. */
export function nodeKey(kind: Kind, id: string, pipeline?: string): string {
  return kind === 'processor' ? `processor/${pipeline}/${id}` : `${kind}/${id}`;
}

export function buildGraph(cfg: GatewayConfig, deps: GraphDeps): Graph {
  const settings = (c: ComponentConfig, pipeline?: string): CreateSettings => {
    const logger = deps.logger.child({ kind: c.kind, id: c.id.toString(), ...(pipeline ? { pipeline } : {}) });
    const key = nodeKey(c.kind, c.id.toString(), pipeline);
    return { id: c.id, kind: c.kind, logger: deps.errors === undefined ? logger : recordingLogger(logger, deps.errors, key), metrics: deps.metrics, pipeline };
  };
  const m = deps.metrics;

  const extensions: Node[] = cfg.service.extensions.map((id) => {
    const c = cfg.components.extension.get(id)!;
    if (c.factory.kind !== 'extension') throw new Error(`internal: ${id} is not an extension`);
    const component: Extension = c.factory.create(settings(c), c.config);
    return { key: nodeKey('extension', id), kind: 'extension', id, component };
  });

  const exporterInstances = new Map<string, Exporter>();
  const exporters: Node[] = [];
  for (const p of cfg.pipelines) {
    for (const id of p.exporters) {
      if (exporterInstances.has(id)) continue;
      const c = cfg.components.exporter.get(id)!;
      if (c.factory.kind !== 'exporter') throw new Error(`internal: ${id} is not an exporter`);
      const component = c.factory.create(settings(c), c.config);
      exporterInstances.set(id, component);
      exporters.push({ key: nodeKey('exporter', id), kind: 'exporter', id, component });
    }
  }

  const processors: Node[] = [];
  const entries = new Map<string, Consumer>();
  for (const p of cfg.pipelines) {
    const refused = (node: string) => (n: number, retryable: boolean) => m.nodeRefused.inc({ pipeline: p.name, node, retryable: String(retryable) }, n);
    // The pipeline's exporters, each counted; routing processors reach them by id through CreateSettings.exporters.
    const pipelineExporters = new Map(p.exporters.map((id) => [id, counting(exporterInstances.get(id)!, undefined, undefined, refused(`exporter/${id}`))]));
    let next: Consumer = fanout([...pipelineExporters.values()]);
    const chain: Node[] = [];
    for (let i = p.processors.length - 1; i >= 0; i--) {
      const id = p.processors[i];
      const c = cfg.components.processor.get(id)!;
      if (c.factory.kind !== 'processor') throw new Error(`internal: ${id} is not a processor`);
      const labels = { processor: id, pipeline: p.name, otel_signal: 'metrics' };
      const out = counting(next, undefined, (n) => m.processorOutgoing.inc(labels, n), refused(`processor/${id}/out`));
      const proc: Processor = c.factory.create({ ...settings(c, p.name), exporters: pipelineExporters }, c.config, out);
      const mutates = proc.mutates || next.mutates;
      const counted = counting(proc, (n) => m.processorIncoming.inc(labels, n), undefined, refused(`processor/${id}`));
      // A pipeline mutates if any of its processors does (the Collector's capabilities rule).
      next = { mutates, consume: counted.consume };
      chain.unshift({ key: nodeKey('processor', id, p.name), kind: 'processor', id, pipeline: p.name, component: proc });
    }
    processors.push(...chain);
    entries.set(p.name, next);
  }

  const receivers: Node[] = [];
  const receiverIds = [...new Set(cfg.pipelines.flatMap((p) => p.receivers))];
  for (const id of receiverIds) {
    const c = cfg.components.receiver.get(id)!;
    if (c.factory.kind !== 'receiver') throw new Error(`internal: ${id} is not a receiver`);
    const targets = cfg.pipelines.filter((p) => p.receivers.includes(id)).map((p) => entries.get(p.name)!);
    const consumer = counting(
      fanout(targets),
      undefined,
      (n, ctx) => m.receiverAccepted.inc({ receiver: id, transport: ctx.transport }, n),
      (n, _retryable, ctx) => m.receiverRefused.inc({ receiver: id, transport: ctx.transport }, n),
    );
    const component: Receiver = c.factory.create(settings(c), c.config, consumer);
    receivers.push({ key: nodeKey('receiver', id), kind: 'receiver', id, component });
  }

  return { extensions, exporters, processors, receivers, pipelines: cfg.pipelines };
}

/** Start order: extensions, exporters, processors (downstream first), receivers last. */
export function startOrder(g: Graph): Node[] {
  return [...g.extensions, ...g.exporters, ...[...g.processors].reverse(), ...g.receivers];
}

/** Where a node is in its lifecycle, as the status page shows it. */
export type NodeState = 'created' | 'starting' | 'running' | 'stopping' | 'stopped' | 'failed';

/** Told of every state change of a node, by its key. */
export type StateListener = (key: string, state: NodeState) => void;

/**
 * Starts nodes in order; if one fails, shuts down the ones already started
 * (in reverse) and rethrows.
 */
export async function startAll(nodes: readonly Node[], host: Host, logger: Logger, onState?: StateListener): Promise<void> {
  const started: Node[] = [];
  for (const n of nodes) {
    try {
      onState?.(n.key, 'starting');
      await n.component.start(host);
      onState?.(n.key, 'running');
      started.push(n);
    } catch (err) {
      onState?.(n.key, 'failed');
      logger.error({ component: n.key, err: (err as Error).message }, 'component failed to start; shutting down what started');
      await shutdownAll(started.reverse(), logger, onState);
      throw Object.assign(err as Error, { component: n.key });
    }
  }
}

/** Shuts nodes down in the given order; a failure is logged and the rest still shut down. */
export async function shutdownAll(nodes: readonly Node[], logger: Logger, onState?: StateListener): Promise<void> {
  for (const n of nodes) {
    const t0 = Date.now();
    try {
      onState?.(n.key, 'stopping');
      await n.component.shutdown();
      onState?.(n.key, 'stopped');
      logger.debug({ component: n.key, ms: Date.now() - t0 }, 'component stopped');
    } catch (err) {
      onState?.(n.key, 'failed');
      logger.error({ component: n.key, err: (err as Error).message }, 'component failed to shut down cleanly');
    }
  }
}
