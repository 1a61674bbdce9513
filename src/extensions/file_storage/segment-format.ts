import * as zlib from 'node:zlib';
import type { QueueFile } from './queue-fs.js';

/**
 * The on-disk format of a persistent queue: a directory of append-only
 * segment files, each
 *
 *   header  "TRBQ" (4 bytes) | version u16 BE (1) | reserved u16 (0)
 *   frame*  length u32 BE | crc u32 BE | payload (length bytes)
 *
 * The CRC-32 (the zlib/IEEE polynomial) covers the 4 length bytes and then
 * the payload, so a run of zeros (a file extended by a crash before its data
 * reached the disk) never reads as a valid empty record. Segments are named
 * by a sequence number that only grows (`00000000000000000042.seg`), which
 * is also their order in the queue.
 */

export const SEGMENT_MAGIC = Buffer.from('TRBQ', 'latin1');
export const SEGMENT_VERSION = 1;
export const SEGMENT_HEADER_BYTES = 8;
export const FRAME_HEADER_BYTES = 8;
/** The largest record the format takes; a length above it in a file is corruption. */
export const MAX_RECORD_BYTES = 1 << 30;

const SEGMENT_NAME = /^(\d{20})\.seg$/;

export function segmentName(seq: number): string {
  return `${String(seq).padStart(20, '0')}.seg`;
}

/** The sequence number of a segment file name, or undefined for other files. */
export function segmentSeq(name: string): number | undefined {
  const m = SEGMENT_NAME.exec(name);
  return m === null ? undefined : Number(m[1]);
}

export function segmentHeader(): Buffer {
  const b = Buffer.alloc(SEGMENT_HEADER_BYTES);
  SEGMENT_MAGIC.copy(b, 0);
  b.writeUInt16BE(SEGMENT_VERSION, 4);
  return b;
}

/**
 * Why a segment header is unusable, or undefined if it is fine. `newer`:
 * written by a later Tributary in a format this build cannot read.
 */
export function checkSegmentHeader(b: Buffer): { readonly reason: string; readonly newer: boolean } | undefined {
  if (b.length < SEGMENT_HEADER_BYTES) return { reason: 'shorter than its header', newer: false };
  if (!b.subarray(0, 4).equals(SEGMENT_MAGIC)) return { reason: 'not a Tributary queue segment (bad magic)', newer: false };
  const v = b.readUInt16BE(4);
  if (v > SEGMENT_VERSION) return { reason: `segment format version ${v} is newer than this build reads (${SEGMENT_VERSION})`, newer: true };
  if (v !== SEGMENT_VERSION) return { reason: `segment format version ${v} is unknown`, newer: false };
  return undefined;
}

export type Crc32 = (data: Uint8Array, value?: number) => number;

/** zlib.crc32 exists from Node 20.15 and 22.2; older Nodes get a table-driven equivalent. */
const crc32: Crc32 = (zlib as { crc32?: Crc32 }).crc32 ?? tableCrc32();

/** Exported for its test only. */
export function tableCrc32(): Crc32 {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  return (data, value = 0) => {
    let c = (value ^ 0xffffffff) >>> 0;
    for (let i = 0; i < data.length; i++) c = table[(c ^ data[i]) & 0xff] ^ (c >>> 8);
    return (c ^ 0xffffffff) >>> 0;
  };
}

/**
 * The CRC of a frame: its 4 length bytes, then its payload. An empty payload
 * adds nothing, and is not passed on: zlib.crc32 of a zero-length buffer
 * with no memory behind it (crypto.randomBytes(0), for one) returns 0
 * rather than the running value.
 */
export function frameCrc(lengthBytes: Uint8Array, payload: Uint8Array): number {
  const c = crc32(lengthBytes);
  return payload.length === 0 ? c : crc32(payload, c);
}

/** Writes the 8-byte frame header of `payload` into `into` at `at`. */
export function writeFrameHeader(into: Buffer, at: number, payload: Buffer): void {
  into.writeUInt32BE(payload.length, at);
  into.writeUInt32BE(frameCrc(into.subarray(at, at + 4), payload), at + 4);
}

export type Frame = { readonly ok: true; readonly payload: Buffer; readonly next: number } | { readonly ok: false; readonly reason: string };

const READ_AHEAD = 1 << 20;

/**
 * Reads frames of one segment file through a read-ahead buffer, verifying
 * each CRC. It reads only below `end` (the part known to be complete), which
 * never changes once written, so buffered bytes never go stale.
 */
export class FrameReader {
  private buf = Buffer.alloc(0);
  private bufStart = 0;
  private bufLen = 0;

  constructor(private readonly file: QueueFile) {}

  /** The frame at `pos`; with `copy`, its payload is a buffer of its own (otherwise it is only valid until the next call). */
  async readAt(pos: number, end: number, copy: boolean): Promise<Frame> {
    if (end - pos < FRAME_HEADER_BYTES) return { ok: false, reason: `a frame header cut short at offset ${pos}` };
    await this.fill(pos, FRAME_HEADER_BYTES, end);
    const at = pos - this.bufStart;
    const length = this.buf.readUInt32BE(at);
    const crc = this.buf.readUInt32BE(at + 4);
    if (length > MAX_RECORD_BYTES) return { ok: false, reason: `an impossible record length ${length} at offset ${pos}` };
    const next = pos + FRAME_HEADER_BYTES + length;
    if (next > end) return { ok: false, reason: `a record of ${length} bytes at offset ${pos} runs past the end of the data (${end})` };
    await this.fill(pos, FRAME_HEADER_BYTES + length, end);
    const h = pos - this.bufStart;
    const payload = this.buf.subarray(h + FRAME_HEADER_BYTES, h + FRAME_HEADER_BYTES + length);
    if (frameCrc(this.buf.subarray(h, h + 4), payload) !== crc) return { ok: false, reason: `a CRC mismatch in the record at offset ${pos}` };
    return { ok: true, payload: copy ? Buffer.from(payload) : payload, next };
  }

  /** Makes [pos, pos + need) present in the buffer, reading ahead up to `end`. */
  private async fill(pos: number, need: number, end: number): Promise<void> {
    if (pos >= this.bufStart && pos + need <= this.bufStart + this.bufLen) return;
    const want = Math.min(Math.max(need, READ_AHEAD), end - pos);
    if (this.buf.length < want) this.buf = Buffer.allocUnsafe(Math.max(want, READ_AHEAD));
    let got = 0;
    while (got < want) {
      const n = await this.file.read(this.buf.subarray(got), want - got, pos + got);
      if (n === 0) break;
      got += n;
    }
    this.bufStart = pos;
    this.bufLen = got;
    if (got < need) throw new Error(`segment file ended at ${pos + got} while ${end} bytes were expected`);
  }
}
