import type { MetricObjectWithValues, MetricValue } from 'prom-client';
import { Errors } from '../errors/catalogue.js';
import { TributaryError } from '../errors/tributary-error.js';

/**
 * Messages between the primary and its workers over the cluster IPC channel
 * (advanced serialization, so Buffers cross as bytes). Workers never talk to
 * each other directly: a forward goes worker -> primary -> worker and its
 * reply comes back the same way. `tw` tells them from prom-client's or
 * Node's own cluster messages.
 */
export const WORKER_INDEX_ENV = 'TRIBUTARY_WORKER_INDEX';
export const WORKER_COUNT_ENV = 'TRIBUTARY_WORKER_COUNT';

export interface WireError {
  readonly code: string;
  readonly message: string;
  readonly retryAfterMs?: number;
}

export type ToPrimary =
  | { readonly tw: 'fwd'; readonly id: number; readonly to: number; readonly channel: string; readonly payload: unknown }
  | { readonly tw: 'fwd-reply'; readonly id: number; readonly to: number; readonly error?: WireError }
  | { readonly tw: 'metrics'; readonly id: number; readonly metrics: MetricObjectWithValues<MetricValue<string>>[] }
  | { readonly tw: 'ready' };

export type ToWorker =
  | { readonly tw: 'fwd'; readonly id: number; readonly from: number; readonly channel: string; readonly payload: unknown }
  | { readonly tw: 'fwd-reply'; readonly id: number; readonly error?: WireError }
  | { readonly tw: 'metrics-req'; readonly id: number };

/** One end of an IPC channel: the worker's `process`, or a worker's ChildProcess in the primary. */
export interface IpcEnd<M> {
  readonly connected: boolean;
  send(m: M): boolean;
}

/**
 * Hands a message to an IPC channel; false only when the channel is closed.
 * Node's send() also returns false when its backlog of unsent messages is
 * long, yet still sends that message: read as a failure, a forward under load
 * would be refused while its record is queued all the same.
 */
export function post<M>(end: IpcEnd<M>, m: M): boolean {
  if (!end.connected) return false;
  try {
    end.send(m);
    return true;
  } catch {
    return false;
  }
}

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
