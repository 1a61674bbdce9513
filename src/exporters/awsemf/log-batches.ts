import type { PoolJob } from '../helper/cloudwatch/sender-pool.js';
import type { EmfEvent } from './emf.js';

/**
 * Log events -> PutLogEvents requests within the API's limits
 * (CloudWatch Logs API Reference, PutLogEvents): per log group and stream,
 * events in chronological order, at most 10,000 events and 1,048,576 bytes
 * per request, counting each message in UTF-8 plus 26 bytes, and spanning
 * at most 24 hours. An event over `maxEventBytes` (256 KiB with its 26
 * bytes, the long-standing per-event limit) cannot be sent and is returned
 * apart.
 */

export const MAX_EVENTS = 10_000;
export const MAX_BATCH_BYTES = 1_048_576;
export const EVENT_OVERHEAD = 26;
export const MAX_EVENT_BYTES = 262_144;
export const MAX_SPAN_MS = 24 * 3_600_000;

export interface LogBatch extends PoolJob {
  readonly group: string;
  readonly stream: string;
  readonly events: { timestamp: number; message: string }[];
  /** Metric values carried (the pool's item count). */
  items: number;
  bytes: number;
  /** Metric values per namespace label, for tributary_cloudwatch_datums_sent_total. */
  readonly perNamespace: Map<string, number>;
}

export function batchEvents(events: readonly EmfEvent[], maxEventBytes = MAX_EVENT_BYTES): { batches: LogBatch[]; tooLarge: EmfEvent[] } {
  const byStream = new Map<string, { e: EmfEvent; bytes: number }[]>();
  const tooLarge: EmfEvent[] = [];
  for (const e of events) {
    const bytes = Buffer.byteLength(e.message) + EVENT_OVERHEAD;
    if (bytes > maxEventBytes) {
      tooLarge.push(e);
      continue;
    }
    const key = `${e.group}\u0000${e.stream}`;
    let list = byStream.get(key);
    if (list === undefined) byStream.set(key, (list = []));
    list.push({ e, bytes });
  }
  const batches: LogBatch[] = [];
  for (const list of byStream.values()) {
    list.sort((a, b) => a.e.timeMs - b.e.timeMs);
    let cur: LogBatch | undefined;
    let first = 0;
    for (const { e, bytes } of list) {
      if (cur !== undefined && (cur.events.length >= MAX_EVENTS || cur.bytes + bytes > MAX_BATCH_BYTES || e.timeMs - first >= MAX_SPAN_MS)) {
        batches.push(cur);
        cur = undefined;
      }
      if (cur === undefined) {
        cur = { group: e.group, stream: e.stream, events: [], items: 0, bytes: 0, perNamespace: new Map() };
        first = e.timeMs;
      }
      cur.events.push({ timestamp: e.timeMs, message: e.message });
      cur.items += e.values;
      cur.bytes += bytes;
      cur.perNamespace.set(e.label, (cur.perNamespace.get(e.label) ?? 0) + e.values);
    }
    if (cur !== undefined) batches.push(cur);
  }
  return { batches, tooLarge };
}
