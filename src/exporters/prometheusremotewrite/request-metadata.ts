import type { ProtoWriter } from '../../model/proto/writer.js';
import { writeMetadata } from './prompb.js';

/**
 * The metric families a request carries, for `send_metadata`: noted as
 * series are written, written at the end of the request, once per family.
 * `bytes` bounds their encoded size, so that the request's size limit can
 * count them before they are written.
 */
export class RequestMetadata {
  private readonly families = new Map<string, { type: number; help: string; unit: string }>();
  bytes = 0;

  note(family: string, type: number, help: string, unit: string): void {
    if (this.families.has(family)) return;
    this.families.set(family, { type, help, unit });
    this.bytes += family.length + help.length + unit.length + 16;
  }

  /** Writes the MetricMetadata fields and starts over empty. */
  writeTo(w: ProtoWriter): void {
    for (const [family, m] of this.families) writeMetadata(w, m.type, family, m.help, m.unit);
    this.families.clear();
    this.bytes = 0;
  }
}
