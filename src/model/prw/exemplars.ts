import { Attributes } from '../attributes.js';
import type { Exemplar } from '../metric.js';

/**
 * Remote-write exemplars into the model (OTel Prometheus compatibility
 * spec, "Exemplars"): `trace_id` and `span_id` labels holding 32 and 16 hex
 * digits become the exemplar's trace and span ids; every other label (and
 * an id that is not valid hex of the right length) is a filtered
 * attribute. Timestamps are kept (ms -> ns).
 */

const EMPTY = new Uint8Array(0);

function hexId(s: string, bytes: number): Uint8Array | undefined {
  if (s.length !== 2 * bytes || !/^[0-9a-fA-F]+$/.test(s)) return undefined;
  return new Uint8Array(Buffer.from(s, 'hex'));
}

export function exemplarOf(names: readonly string[], values: readonly string[], value: number, ms: number): Exemplar {
  let traceId: Uint8Array = EMPTY;
  let spanId: Uint8Array = EMPTY;
  const keys: string[] = [];
  const vals: string[] = [];
  for (let i = 0; i < names.length; i++) {
    const n = names[i];
    const v = values[i];
    if (n === 'trace_id' && traceId.length === 0) {
      const id = hexId(v, 16);
      if (id !== undefined) {
        traceId = id;
        continue;
      }
    } else if (n === 'span_id' && spanId.length === 0) {
      const id = hexId(v, 8);
      if (id !== undefined) {
        spanId = id;
        continue;
      }
    }
    if (n === '' || v === '') continue;
    keys.push(n);
    vals.push(v);
  }
  return { filteredAttributes: Attributes.of(keys, vals), timeUnixNano: BigInt(ms) * 1_000_000n, value, isInt: false, spanId, traceId };
}
