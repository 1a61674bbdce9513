import { Errors } from '../../errors/catalogue.js';
import { TributaryError } from '../../errors/tributary-error.js';

/**
 * What the memory queue and the persistent queue share: the capacity check
 * with its errors, a retry delay estimated from how fast the reader drains,
 * and the wake-up of a reader waiting for a record.
 */

export interface Held {
  readonly records: number;
  readonly bytes: number;
}

/** Bounds on the delay a full queue advertises: the first drains are quick, a downstream outage is not. */
const MIN_RETRY_MS = 100;
const MAX_RETRY_MS = 30_000;
/** Advertised before the reader has removed anything (no rate known yet). */
const UNKNOWN_RETRY_MS = 1_000;

/**
 * Tracks the time per removed record (moving average) so that a full queue
 * can say when room is likely: the time to drain what must go. A reader
 * stalled for longer than its usual pace (downstream down) stretches the
 * estimate to at least the time it has been stalled.
 */
export class DrainRate {
  private msPerRecord = 0;
  private last = 0;

  noteRemoved(now = Date.now()): void {
    if (this.last > 0) {
      const dt = now - this.last;
      this.msPerRecord = this.msPerRecord === 0 ? dt : 0.9 * this.msPerRecord + 0.1 * dt;
    }
    this.last = now;
  }

  retryAfterMs(recordsToFree: number, now = Date.now()): number {
    if (this.last === 0) return UNKNOWN_RETRY_MS;
    const pace = Math.max(this.msPerRecord, 1);
    const stalledFor = now - this.last;
    let est = pace * Math.max(recordsToFree, 1);
    if (stalledFor > 4 * pace) est = Math.max(est, stalledFor);
    return Math.min(MAX_RETRY_MS, Math.max(MIN_RETRY_MS, Math.ceil(est)));
  }
}

/**
 * The capacity check both queues run before taking a record: undefined if
 * it fits, otherwise the error push() rejects with. A limit of 0 is no limit.
 * A record larger than the whole byte capacity is refused for good, since no
 * amount of draining makes room for it.
 */
export function admit(capacity: Held, held: Held, recordBytes: number, drain: DrainRate, what: string): TributaryError | undefined {
  if (capacity.bytes > 0 && recordBytes > capacity.bytes) {
    return new TributaryError(Errors.QUEUE_RECORD_TOO_LARGE, `${what}: a record of ${recordBytes} bytes exceeds the queue's whole capacity of ${capacity.bytes} bytes`);
  }
  const overRecords = capacity.records > 0 ? held.records + 1 - capacity.records : 0;
  const overBytes = capacity.bytes > 0 ? held.bytes + recordBytes - capacity.bytes : 0;
  if (overRecords <= 0 && overBytes <= 0) return undefined;
  const avg = held.records > 0 ? held.bytes / held.records : Math.max(recordBytes, 1);
  const toFree = Math.max(overRecords, Math.ceil(Math.max(overBytes, 0) / Math.max(avg, 1)));
  const limit = overRecords > 0 ? `${capacity.records} records` : `${capacity.bytes} bytes`;
  return new TributaryError(Errors.QUEUE_FULL, `${what} is full (${held.records} records, ${held.bytes} bytes; limit ${limit})`, {
    retryAfterMs: drain.retryAfterMs(toFree),
  });
}

/** The error push() rejects with once the queue is closed. */
export function closedError(what: string): TributaryError {
  return new TributaryError(Errors.SHUTTING_DOWN, `${what} is closed and accepts no more records`);
}

/** Readers waiting for a record (or for close): wake() settles every pending wait(). */
export class Wakeup {
  private waiters: (() => void)[] = [];

  wait(): Promise<void> {
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  wake(): void {
    if (this.waiters.length === 0) return;
    const w = this.waiters;
    this.waiters = [];
    for (const resolve of w) resolve();
  }
}
