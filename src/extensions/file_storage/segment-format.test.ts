import { randomBytes } from 'node:crypto';
import * as zlib from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { FRAME_HEADER_BYTES, checkSegmentHeader, frameCrc, segmentHeader, segmentName, segmentSeq, tableCrc32, writeFrameHeader } from './segment-format.js';

describe('segment format', () => {
  it('names segments so that name order is queue order', () => {
    expect(segmentName(42)).toBe('00000000000000000042.seg');
    expect(segmentSeq(segmentName(Number.MAX_SAFE_INTEGER))).toBe(Number.MAX_SAFE_INTEGER);
    expect(segmentSeq('head.json')).toBeUndefined();
    expect([segmentName(10), segmentName(9)].sort()).toEqual([segmentName(9), segmentName(10)]);
  });

  it('checks headers', () => {
    expect(checkSegmentHeader(segmentHeader())).toBeUndefined();
    expect(checkSegmentHeader(Buffer.from('XXXX\0\x01\0\0', 'latin1'))?.newer).toBe(false);
    const newer = segmentHeader();
    newer.writeUInt16BE(9, 4);
    expect(checkSegmentHeader(newer)?.newer).toBe(true);
  });

  it("the fallback CRC-32 (for Nodes before 20.15) equals zlib's, including continuation", () => {
    const crc = tableCrc32();
    expect(crc(Buffer.from('123456789'))).toBe(0xcbf43926);
    const native = (zlib as { crc32?: (d: Uint8Array, v?: number) => number }).crc32;
    if (native === undefined) return; // this Node has only the fallback, checked against the standard check value above
    for (const n of [1, 7, 1000, 65_537]) {
      const d = randomBytes(n);
      expect(crc(d)).toBe(native(d));
      expect(crc(d, 0x12345678)).toBe(native(d, 0x12345678));
    }
  });

  it('covers the length in the frame CRC, so zeros never read as an empty record', () => {
    const empty = Buffer.alloc(0);
    const h = Buffer.alloc(FRAME_HEADER_BYTES);
    writeFrameHeader(h, 0, empty);
    expect(h.readUInt32BE(4)).not.toBe(0);
    expect(h.readUInt32BE(4)).toBe(frameCrc(Buffer.alloc(4), empty));
    // A zero-length buffer with no memory behind it must give the same CRC as any other.
    expect(frameCrc(Buffer.alloc(4), randomBytes(0))).toBe(frameCrc(Buffer.alloc(4), Buffer.alloc(8).subarray(8)));
  });
});
