import type { MetricObjectWithValues, MetricValue } from 'prom-client';
import { Errors } from '../errors/catalogue.js';
import { TributaryError } from '../errors/tributary-error.js';

/**
 * Messages between the primary and its workers over the cluster IPC channel.
 * Forwards between workers do not pass here: they go over direct links
 * (peer-links.ts), whose addresses the primary hands round with `peers`.
 * `tw` tells these messages from prom-client's or Node's own cluster ones.
 */
export const WORKER_INDEX_ENV = 'TRIBUTARY_WORKER_INDEX';
export const WORKER_COUNT_ENV = 'TRIBUTARY_WORKER_COUNT';
/** The secret a worker presents when it connects to another's link. */
export const WORKER_LINK_TOKEN_ENV = 'TRIBUTARY_WORKER_LINK_TOKEN';

export interface WireError {
  readonly code: string;
  readonly message: string;
  readonly retryAfterMs?: number;
}

export type ToPrimary =
  | { readonly tw: 'metrics'; readonly id: number; readonly metrics: MetricObjectWithValues<MetricValue<string>>[] }
  /** The worker runs; `link` is the address its peer link listens on. */
  | { readonly tw: 'ready'; readonly link: string };

export type ToWorker =
  /** Every worker's link address by index; null for a worker not running. */
  | { readonly tw: 'peers'; readonly links: readonly (string | null)[] }
  | { readonly tw: 'metrics-req'; readonly id: number };

/** One end of an IPC channel: the worker's `process`, or a worker's ChildProcess in the primary. */
export interface IpcEnd<M> {
  readonly connected: boolean;
  send(m: M, handle: undefined, options: undefined, done: (err: Error | null) => void): boolean;
}

/**
 * Hands a message to an IPC channel; false only when the channel is closed.
 * Node's send() also returns false when its backlog of unsent messages is
 * long, yet still sends that message: read as a failure, a forward under load
 * would be refused while its record is queued all the same.
 *
 * A write that fails later (EPIPE: the other process died before this one
 * saw its channel close) goes to `onError`. Without a callback Node emits it
 * as an 'error' event, which crashes a process that has no listener: the
 * primary did, when a worker exited in the middle of a shutdown.
 */
export function post<M>(end: IpcEnd<M>, m: M, onError: (err: Error) => void = ignore): boolean {
  if (!end.connected) return false;
  try {
    end.send(m, undefined, undefined, (err) => {
      if (err !== null) onError(err);
    });
    return true;
  } catch {
    return false;
  }
}

function ignore(): void {}

export function isTw<T extends { tw: string }>(m: unknown): m is T {
  return typeof m === 'object' && m !== null && typeof (m as { tw?: unknown }).tw === 'string';
}

const BY_CODE = new Map(Object.values(Errors).map((d) => [d.code, d]));

export function toWire(err: unknown): WireError {
  if (err instanceof TributaryError) return { code: err.code, message: err.message, retryAfterMs: err.retryAfterMs };
  return { code: Errors.INTERNAL.code, message: err instanceof Error ? err.message : String(err) };
}

export function fromWire(w: WireError): TributaryError {
  return new TributaryError(BY_CODE.get(w.code) ?? Errors.INTERNAL, w.message, { retryAfterMs: w.retryAfterMs });
}
