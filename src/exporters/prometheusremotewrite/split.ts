import { ProtoReader, WireType } from '../../model/proto/reader.js';

/**
 * Splits a WriteRequest in two, series by series, for receivers that answer
 * 413 (too large). Metadata goes with the first half.
 */
export interface SplitPart {
  readonly body: Buffer;
  readonly items: number;
}

export function splitWriteRequest(body: Buffer): [SplitPart, SplitPart] | undefined {
  const r = new ProtoReader(body, 'remote-write request');
  const series: [number, number][] = [];
  const metadata: [number, number][] = [];
  while (r.pos < body.length) {
    const start = r.pos;
    const tag = r.uint32();
    if ((tag & 7) !== WireType.LEN) {
      r.skip(tag, body.length);
      continue;
    }
    r.pos = r.lenEnd(body.length);
    if (tag >>> 3 === 1) series.push([start, r.pos]);
    else if (tag >>> 3 === 3) metadata.push([start, r.pos]);
  }
  if (series.length < 2) return undefined;
  const mid = series.length >> 1;
  const part = (ranges: [number, number][], withMeta: boolean): SplitPart => {
    const chunks = ranges.map(([a, b]) => body.subarray(a, b));
    if (withMeta) for (const [a, b] of metadata) chunks.push(body.subarray(a, b));
    return { body: Buffer.concat(chunks), items: ranges.length };
  };
  return [part(series.slice(0, mid), true), part(series.slice(mid), false)];
}
