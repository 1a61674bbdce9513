/**
 * Exponential backoff with jitter (the Collector's retry_on_failure keys),
 * and Retry-After parsing (RFC 9110: delay-seconds or an HTTP-date).
 */
export interface RetrySettings {
  readonly enabled: boolean;
  readonly initial_interval: number;
  readonly max_interval: number;
  /** 0: retry without a time limit. */
  readonly max_elapsed_time: number;
  readonly multiplier: number;
  readonly randomization_factor: number;
}

export class Backoff {
  private interval: number;

  constructor(
    private readonly s: RetrySettings,
    private readonly random: () => number = Math.random,
  ) {
    this.interval = s.initial_interval;
  }

  /** The next delay: the current interval +/- randomization_factor, then the interval grows. */
  next(): number {
    const r = this.s.randomization_factor;
    const d = this.interval * (1 - r + 2 * r * this.random());
    this.interval = Math.min(this.s.max_interval, this.interval * this.s.multiplier);
    return Math.max(0, Math.round(d));
  }

  reset(): void {
    this.interval = this.s.initial_interval;
  }
}

/** Milliseconds to wait per a Retry-After value, or undefined if absent or unreadable. */
export function parseRetryAfter(value: string | string[] | undefined, nowMs = Date.now()): number | undefined {
  const v = Array.isArray(value) ? value[0] : value;
  if (v === undefined || v.trim() === '') return undefined;
  const t = v.trim();
  if (/^\d+$/.test(t)) return Number(t) * 1000;
  const at = Date.parse(t);
  if (Number.isNaN(at)) return undefined;
  return Math.max(0, at - nowMs);
}

/** Resolves after `ms`, or early (with false) when the signal aborts. */
export function sleep(ms: number, signal?: AbortSignal): Promise<boolean> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve(false);
    const t = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve(true);
    }, ms);
    const onAbort = (): void => {
      clearTimeout(t);
      resolve(false);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
