import { format } from 'node:util';
import { redactUrls } from '../config/redact.js';
import type { Logger } from './logger.js';

/**
 * The last few warnings and errors of each component, for the status page.
 * Filled from each component's logger (`recordingLogger`), so components
 * need no change: whatever they log at warn or above is also kept here,
 * bounded: `perComponent` entries per component, `maxComponents` components,
 * messages cut at `maxMessage` characters.
 */
export interface ErrorEntry {
  /** Unix milliseconds. */
  readonly at: number;
  readonly level: 'warn' | 'error' | 'fatal';
  readonly message: string;
}

export interface ErrorLogOptions {
  readonly perComponent?: number;
  readonly maxComponents?: number;
  readonly maxMessage?: number;
  readonly now?: () => number;
}

export class ErrorLog {
  private readonly byComponent = new Map<string, ErrorEntry[]>();
  private readonly perComponent: number;
  private readonly maxComponents: number;
  private readonly maxMessage: number;
  private readonly now: () => number;

  constructor(opts: ErrorLogOptions = {}) {
    this.perComponent = opts.perComponent ?? 5;
    this.maxComponents = opts.maxComponents ?? 1000;
    this.maxMessage = opts.maxMessage ?? 500;
    this.now = opts.now ?? Date.now;
  }

  record(component: string, level: ErrorEntry['level'], message: string): void {
    let list = this.byComponent.get(component);
    if (list === undefined) {
      if (this.byComponent.size >= this.maxComponents) return;
      list = [];
      this.byComponent.set(component, list);
    }
    const text = redactUrls(message.length > this.maxMessage ? `${message.slice(0, this.maxMessage - 1)}…` : message);
    list.unshift({ at: this.now(), level, message: text });
    if (list.length > this.perComponent) list.length = this.perComponent;
  }

  /** Newest first. */
  recent(component: string): readonly ErrorEntry[] {
    return this.byComponent.get(component) ?? [];
  }
}

const RECORDED = new Set(['warn', 'error', 'fatal']);
/** Fields whose values say what went wrong; appended to the message. */
const DETAIL_FIELDS = ['err', 'error', 'detail', 'reason', 'status', 'code'];

/** One line from the arguments of a pino call: the message, then the detail fields. */
export function describeLogCall(args: readonly unknown[]): string {
  const [first, ...rest] = args;
  let fields: Record<string, unknown> = {};
  let msg = '';
  if (typeof first === 'string') {
    msg = format(first, ...rest);
  } else if (first instanceof Error) {
    msg = typeof rest[0] === 'string' ? format(...(rest as [string, ...unknown[]])) : '';
    fields = { err: first };
  } else if (first !== null && typeof first === 'object') {
    fields = first as Record<string, unknown>;
    msg = typeof rest[0] === 'string' ? format(...(rest as [string, ...unknown[]])) : '';
  }
  const details: string[] = [];
  for (const k of DETAIL_FIELDS) {
    const v = fields[k];
    if (v === undefined || v === null) continue;
    details.push(`${k}=${v instanceof Error ? v.message : typeof v === 'object' ? JSON.stringify(v) : String(v)}`);
  }
  if (details.length === 0) return msg;
  return msg === '' ? details.join(', ') : `${msg} (${details.join(', ')})`;
}

/**
 * A logger that logs as `logger` does and also records its warn, error and
 * fatal lines under `component` in `log`; children it makes record too.
 * Recording does not depend on the log level: a gateway run at level
 * "error" still shows its retries on the status page.
 */
export function recordingLogger(logger: Logger, log: ErrorLog, component: string): Logger {
  return new Proxy(logger, {
    get(target, prop, _receiver) {
      const v: unknown = Reflect.get(target, prop, target);
      if (typeof prop === 'string' && RECORDED.has(prop) && typeof v === 'function') {
        return (...args: unknown[]) => {
          log.record(component, prop as ErrorEntry['level'], describeLogCall(args));
          return (v as (...a: unknown[]) => unknown).apply(target, args);
        };
      }
      if (prop === 'child' && typeof v === 'function') {
        return (...args: unknown[]) => recordingLogger((v as (...a: unknown[]) => Logger).apply(target, args), log, component);
      }
      return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
    },
  });
}
