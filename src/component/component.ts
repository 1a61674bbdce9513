import type { z } from 'zod';
import type { TributaryError } from '../errors/tributary-error.js';
import type { MetricBatch } from '../model/metric.js';
import type { Logger } from '../telemetry/logger.js';
import type { SelfMetrics } from '../telemetry/self-metrics.js';
import type { WorkerContext } from './workers.js';

/**
 * The component model, after the OpenTelemetry Collector's: receivers take
 * data in, processors change it, exporters send it on, extensions serve the
 * others (auth, storage, health). Each type has a factory that knows its
 * config schema and builds instances.
 */

export type Kind = 'receiver' | 'processor' | 'exporter' | 'extension';
export const KINDS: readonly Kind[] = ['receiver', 'processor', 'exporter', 'extension'];

/** "type" or "type/name", as the Collector writes component ids. */
export class ComponentId {
  constructor(
    readonly type: string,
    readonly name: string,
  ) {}

  static parse(s: string): ComponentId | undefined {
    const m = /^([A-Za-z][A-Za-z0-9_]*)(?:\/(.+))?$/.exec(s.trim());
    return m === null ? undefined : new ComponentId(m[1], m[2] ?? '');
  }

  toString(): string {
    return this.name === '' ? this.type : `${this.type}/${this.name}`;
  }
}

/** Who sent a request: set by receivers, read by processors (attributes from_context, routing). */
export interface ClientInfo {
  /** Remote address of the caller. */
  readonly address?: string;
  /** Request headers (lower-case keys), present only when the receiver has include_metadata. */
  readonly metadata?: ReadonlyMap<string, readonly string[]>;
  /** The authenticated identity, when the receiver has an authenticator. */
  readonly auth?: AuthInfo;
}

export interface AuthInfo {
  /** The authenticator extension's id. */
  readonly authenticator: string;
  /** Who: the token's name, the user, the key id or the certificate subject. */
  readonly subject: string;
  /** Attributes bound to the credential (tenant, site, account...), exposed as auth.<name>. */
  readonly attributes: Readonly<Record<string, string>>;
}

export interface RequestContext {
  readonly client: ClientInfo;
  /** The receiving transport, for per-transport counters ("grpc", "http"). */
  readonly transport: string;
  /** The receiver that took the data in. */
  readonly receiver: string;
}

export const EMPTY_CONTEXT: RequestContext = Object.freeze({ client: Object.freeze({}), transport: '', receiver: '' });

/**
 * The one interface data flows through. The promise settles when the data is
 * safely handed on (exported, or queued where the exporter has a queue); a
 * rejection is a TributaryError telling whether retrying can help. Once
 * `consume` is called the caller no longer owns the batch.
 */
export interface Consumer {
  /** True if this consumer changes batches in place; fan-out gives it a copy when others read the same batch. */
  readonly mutates: boolean;
  consume(batch: MetricBatch, ctx: RequestContext): Promise<void>;
}

export type Phase = 'starting' | 'running' | 'draining' | 'stopped';

/** What components can reach while running: the extensions, and the gateway's phase. */
export interface Host {
  getExtension(id: string): Extension | undefined;
  /** 'running' once every component has started; 'draining' from the first shutdown signal. */
  phase(): Phase;
  /**
   * Whether a receiver may take in a request now: undefined to go ahead, or
   * the retryable error to answer with because an intake gate (the
   * memory_limiter) of a pipeline it feeds refuses. Receivers ask before
   * reading a request body, so refusing costs no decoding. Optional: a host
   * without gates may leave it out.
   */
  admit?(receiver: string): TributaryError | undefined;
  /** The worker process this runs in, when service::workers is above 1 (see component/workers.ts). */
  worker?(): WorkerContext | undefined;
}

/** A processor that can refuse intake before any work is done (the memory_limiter); see Host.admit. */
export interface IntakeGate {
  /** The error to refuse with, or undefined. Called once per request, before its body is read. */
  refuseIntake(): TributaryError | undefined;
}

export function isIntakeGate(c: unknown): c is IntakeGate {
  return typeof (c as Partial<IntakeGate> | null)?.refuseIntake === 'function';
}

/**
 * Lifecycle: start once, shutdown at most once in effect. Shutdown is safe
 * before start and safe twice, and flushes what the component holds.
 */
export interface Component {
  start(host: Host): Promise<void>;
  shutdown(): Promise<void>;
  /** Human-readable endpoints this component listens on (for the startup log line). */
  endpoints?(): readonly string[];
}

export type Receiver = Component;
export interface Processor extends Component, Consumer {}
export interface Exporter extends Component, Consumer {}
export type Extension = Component;

export interface CreateSettings {
  readonly id: ComponentId;
  readonly kind: Kind;
  readonly logger: Logger;
  readonly metrics: SelfMetrics;
  /** The pipeline this instance belongs to (processors are created per pipeline). */
  readonly pipeline?: string;
  /**
   * Processors only: the pipeline's exporters by id, each counted as the
   * pipeline counts it, for a processor that sends parts of a batch straight
   * to some of them instead of handing everything to `next` (routing). Its
   * factory names them in `routesTo`.
   */
  readonly exporters?: ReadonlyMap<string, Consumer>;
}

export type Stability = 'development' | 'alpha' | 'beta' | 'stable';

interface FactoryBase<C> {
  readonly type: string;
  /** Other names the type is known by (for example prometheus_remote_write). */
  readonly aliases?: readonly string[];
  readonly stability: Stability;
  /** Validates raw YAML and fills defaults; the output is what create receives. */
  readonly configSchema: z.ZodType<C>;
  /** Checks across fields and across components, after the schema. Returns error messages (without path). */
  validate?(config: C): readonly string[];
}

export interface ReceiverFactory<C = unknown> extends FactoryBase<C> {
  readonly kind: 'receiver';
  create(settings: CreateSettings, config: C, next: Consumer): Receiver;
}

export interface ProcessorFactory<C = unknown> extends FactoryBase<C> {
  readonly kind: 'processor';
  /**
   * For a processor that sends data straight to exporters (routing): the
   * exporter ids its config names. The config check requires each to be in
   * the pipeline's `exporters` list (so it is started, stopped and counted
   * like any other) and the processor to be the pipeline's last.
   */
  routesTo?(config: C): readonly string[];
  create(settings: CreateSettings, config: C, next: Consumer): Processor;
}

export interface ExporterFactory<C = unknown> extends FactoryBase<C> {
  readonly kind: 'exporter';
  create(settings: CreateSettings, config: C): Exporter;
}

export interface ExtensionFactory<C = unknown> extends FactoryBase<C> {
  readonly kind: 'extension';
  create(settings: CreateSettings, config: C): Extension;
}

export type Factory = ReceiverFactory | ProcessorFactory | ExporterFactory | ExtensionFactory;
