import type { Counter, Gauge } from 'prom-client';
import { ComponentId, KINDS, type Kind, type Phase } from '../../component/component.js';
import type { GatewayConfig, PipelineConfig } from '../../config/gateway-config.js';
import { redactConfig } from '../../config/redact.js';
import type { Graph, NodeState } from '../../pipeline/graph.js';
import type { ErrorLog } from '../error-log.js';
import type { SelfMetrics } from '../self-metrics.js';
import { SampleRing } from './sample-ring.js';

/**
 * What the status page shows, gathered from what the gateway already keeps:
 * the graph and its nodes' states, the self-metrics counters (read into a
 * small ring every few seconds for rates), the queue gauges, each
 * component's recent errors, and the config with its secrets redacted.
 * The HTML page and `?format=json` render the same snapshot.
 */

export interface ErrorView {
  /** ISO 8601. */
  readonly at: string;
  readonly level: string;
  readonly message: string;
}

export interface ComponentStatus {
  /** `receiver/otlp`, `processor/<pipeline>/batch`, `exporter/file`, `extension/health_check`. */
  readonly key: string;
  readonly kind: Kind;
  readonly id: string;
  readonly type: string;
  /** The pipelines the component is part of (one for a processor). */
  readonly pipelines: readonly string[];
  readonly state: NodeState;
  readonly endpoints: readonly string[];
  /** Data points since start, by what happened to them (see FIELDS). */
  readonly totals: Readonly<Record<string, number>>;
  /** The same per second over the rate window; null until two samples exist. */
  readonly rates: Readonly<Record<string, number | null>>;
  /** Exporters with a queue: its size and capacity, in the queue's unit (requests). */
  readonly queue?: { readonly size: number; readonly capacity: number };
  /** Newest first. */
  readonly errors: readonly ErrorView[];
}

export interface StatusSnapshot {
  readonly version: string;
  readonly phase: Phase;
  readonly startedAt: string;
  readonly uptimeSeconds: number;
  readonly generatedAt: string;
  readonly rateWindow: { readonly seconds: number; readonly samples: number; readonly intervalSeconds: number };
  readonly pipelines: readonly PipelineConfig[];
  readonly components: readonly ComponentStatus[];
  /** Each component's effective config (defaults filled in, durations in milliseconds), secrets redacted. */
  readonly config: Readonly<Record<string, unknown>>;
}

/** The counters shown per kind of component, in display order. */
export const FIELDS: Readonly<Record<Kind, readonly string[]>> = {
  receiver: ['accepted', 'refused'],
  processor: ['incoming', 'outgoing', 'refused'],
  exporter: ['sent', 'failed', 'refused', 'retries'],
  extension: [],
};

export interface StatusSources {
  readonly graph: Graph;
  readonly config: GatewayConfig;
  readonly metrics: SelfMetrics;
  readonly errors: ErrorLog;
  readonly version: string;
  /** Unix milliseconds. */
  readonly startedAt: number;
  readonly phase: () => Phase;
  readonly state: (key: string) => NodeState;
  readonly endpoints: () => Readonly<Record<string, readonly string[]>>;
}

export interface StatusModelOptions {
  /** How often counters are read for rates (default 5 s). */
  readonly intervalMs?: number;
  /** Readings kept; rates span up to (samples - 1) intervals (default 7: 30 s). */
  readonly samples?: number;
  readonly now?: () => number;
}

type Labels = Partial<Record<string, string | number>>;

/** One counter as the page reads it: which metric, which field, and which node a labelled value belongs to. */
interface Series {
  readonly field: string;
  readonly metric: (m: SelfMetrics) => Counter<string>;
  readonly node: (l: Labels) => string | undefined;
}

const SECTION: Readonly<Record<Kind, string>> = { receiver: 'receivers', processor: 'processors', exporter: 'exporters', extension: 'extensions' };

export class StatusModel {
  private readonly ring: SampleRing;
  private readonly intervalMs: number;
  private readonly now: () => number;
  private readonly series: readonly Series[];
  private readonly configView: Readonly<Record<string, unknown>>;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly src: StatusSources,
    opts: StatusModelOptions = {},
  ) {
    this.intervalMs = opts.intervalMs ?? 5000;
    this.ring = new SampleRing(opts.samples ?? 7);
    this.now = opts.now ?? Date.now;
    this.series = seriesFor(src.graph);
    this.configView = configSummary(src.config);
  }

  /** Takes a first reading now and one every interval until stop(). */
  start(): void {
    if (this.timer !== undefined) return;
    const take = (): void => void this.sample().catch(() => undefined);
    take();
    this.timer = setInterval(take, this.intervalMs);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  /** Reads every counter into the ring (the timer calls this; tests may too). */
  async sample(): Promise<void> {
    const at = this.now();
    this.ring.push({ at, values: await this.readCounters() });
  }

  async snapshot(): Promise<StatusSnapshot> {
    const now = this.now();
    const totals = await this.readCounters();
    const queues = await this.readQueues();
    const endpoints = this.src.endpoints();
    const g = this.src.graph;
    const nodes = [...g.receivers, ...g.processors, ...g.exporters, ...g.extensions];
    const components = nodes.map((n): ComponentStatus => {
      const fields = FIELDS[n.kind];
      const pipelines =
        n.pipeline !== undefined
          ? [n.pipeline]
          : g.pipelines.filter((p) => (n.kind === 'receiver' ? p.receivers : n.kind === 'exporter' ? p.exporters : []).includes(n.id)).map((p) => p.name);
      return {
        key: n.key,
        kind: n.kind,
        id: n.id,
        type: ComponentId.parse(n.id)?.type ?? n.id,
        pipelines,
        state: this.src.state(n.key),
        endpoints: endpoints[n.key] ?? [],
        totals: Object.fromEntries(fields.map((f) => [f, totals.get(seriesKey(n.key, f)) ?? 0])),
        rates: Object.fromEntries(fields.map((f) => [f, this.ring.rate(seriesKey(n.key, f)) ?? null])),
        ...(queues.has(n.key) ? { queue: queues.get(n.key) } : {}),
        errors: this.src.errors.recent(n.key).map((e) => ({ at: new Date(e.at).toISOString(), level: e.level, message: e.message })),
      };
    });
    return {
      version: this.src.version,
      phase: this.src.phase(),
      startedAt: new Date(this.src.startedAt).toISOString(),
      uptimeSeconds: Math.max(0, Math.floor((now - this.src.startedAt) / 1000)),
      generatedAt: new Date(now).toISOString(),
      rateWindow: { seconds: this.ring.windowSeconds(), samples: this.ring.size, intervalSeconds: this.intervalMs / 1000 },
      pipelines: g.pipelines.map((p) => ({ name: p.name, receivers: p.receivers, processors: p.processors, exporters: p.exporters })),
      components,
      config: this.configView,
    };
  }

  private async readCounters(): Promise<Map<string, number>> {
    const out = new Map<string, number>();
    for (const s of this.series) {
      for (const v of (await s.metric(this.src.metrics).get()).values) {
        const node = s.node(v.labels);
        if (node === undefined) continue;
        const k = seriesKey(node, s.field);
        out.set(k, (out.get(k) ?? 0) + v.value);
      }
    }
    return out;
  }

  private async readQueues(): Promise<Map<string, { size: number; capacity: number }>> {
    const read = async (g: Gauge<string>): Promise<Map<string, number>> =>
      new Map((await g.get()).values.map((v) => [`exporter/${String(v.labels.exporter)}`, v.value]));
    const capacity = await read(this.src.metrics.exporterQueueCapacity);
    const size = await read(this.src.metrics.exporterQueueSize);
    const out = new Map<string, { size: number; capacity: number }>();
    for (const [k, c] of capacity) out.set(k, { size: size.get(k) ?? 0, capacity: c });
    return out;
  }
}

function seriesKey(node: string, field: string): string {
  return `${node}\u0000${field}`;
}

/**
 * Which counters feed which node. The pipeline counts refusals per node
 * label (`processor/<id>`, `exporter/<id>`) and pipeline; those labels are
 * matched against the graph's own nodes, so a processor whose id ends in
 * "/out" is not mistaken for another's outgoing side.
 */
function seriesFor(g: Graph): Series[] {
  const refusedNode = new Map<string, string>();
  for (const n of g.processors) refusedNode.set(`${n.pipeline}\u0000processor/${n.id}`, n.key);
  for (const p of g.pipelines) for (const e of p.exporters) refusedNode.set(`${p.name}\u0000exporter/${e}`, `exporter/${e}`);
  const receiver = (l: Labels) => `receiver/${String(l.receiver)}`;
  const processor = (l: Labels) => `processor/${String(l.pipeline)}/${String(l.processor)}`;
  const exporter = (l: Labels) => `exporter/${String(l.exporter)}`;
  return [
    { field: 'accepted', metric: (m) => m.receiverAccepted, node: receiver },
    { field: 'refused', metric: (m) => m.receiverRefused, node: receiver },
    { field: 'incoming', metric: (m) => m.processorIncoming, node: processor },
    { field: 'outgoing', metric: (m) => m.processorOutgoing, node: processor },
    { field: 'refused', metric: (m) => m.nodeRefused, node: (l) => refusedNode.get(`${String(l.pipeline)}\u0000${String(l.node)}`) },
    { field: 'sent', metric: (m) => m.exporterSent, node: exporter },
    { field: 'failed', metric: (m) => m.exporterSendFailed, node: exporter },
    { field: 'retries', metric: (m) => m.exporterRetries, node: exporter },
  ];
}

/** The config as the page shows it: each component's settings redacted on their own, so a component id is never read as a key name. */
function configSummary(cfg: GatewayConfig): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const kind of KINDS) {
    const section: Record<string, unknown> = {};
    for (const [id, c] of cfg.components[kind]) section[id] = redactConfig(c.config);
    out[SECTION[kind]] = section;
  }
  const s = cfg.service;
  out.service = {
    extensions: [...s.extensions],
    pipelines: Object.fromEntries(cfg.pipelines.map((p) => [p.name, { receivers: [...p.receivers], processors: [...p.processors], exporters: [...p.exporters] }])),
    telemetry: redactConfig(s.telemetry),
    shutdown_timeout: s.shutdown_timeout,
  };
  return out;
}
