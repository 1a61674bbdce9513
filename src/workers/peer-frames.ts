/**
 * Frames on the direct links between workers (peer-links.ts). Each frame is
 * a 4-byte big-endian length (of what follows), a 1-byte kind, and:
 *
 *   HELLO  the link token (utf8): the first frame a connecting worker sends
 *   FWD    u32 id, u32 key, u8 channel length, channel (utf8), payload
 *   REPLY  u32 id, then the error as JSON (utf8), nothing when the handler resolved
 *
 * The payload is raw bytes: no serialization on either side.
 */
export const HELLO = 1;
export const FWD = 2;
export const REPLY = 3;

export function helloFrame(token: string): Buffer {
  const t = Buffer.from(token, 'utf8');
  const b = Buffer.allocUnsafe(5 + t.length);
  b.writeUInt32BE(1 + t.length, 0);
  b[4] = HELLO;
  t.copy(b, 5);
  return b;
}

/** The header of a FWD frame; the payload follows it on the wire as a second write. */
export function fwdHeader(id: number, key: number, channel: string, payloadBytes: number): Buffer {
  const c = Buffer.from(channel, 'utf8');
  if (c.length > 255) throw new RangeError(`channel name longer than 255 bytes: ${channel}`);
  const b = Buffer.allocUnsafe(14 + c.length);
  b.writeUInt32BE(10 + c.length + payloadBytes, 0);
  b[4] = FWD;
  b.writeUInt32BE(id, 5);
  b.writeUInt32BE(key, 9);
  b[13] = c.length;
  c.copy(b, 14);
  return b;
}

export function replyFrame(id: number, errorJson: string | undefined): Buffer {
  const e = errorJson === undefined ? Buffer.alloc(0) : Buffer.from(errorJson, 'utf8');
  const b = Buffer.allocUnsafe(9 + e.length);
  b.writeUInt32BE(5 + e.length, 0);
  b[4] = REPLY;
  b.writeUInt32BE(id, 5);
  e.copy(b, 9);
  return b;
}

export interface FwdFrame {
  readonly id: number;
  readonly key: number;
  readonly channel: string;
  /** The receiver's own bytes: they may sit in a queue long after the socket's chunk is gone. */
  readonly payload: Buffer;
}

/** `owned`: the frame is a buffer of its own (FrameReader assembled it), so the payload need not be copied again. */
export function parseFwd(f: Buffer, owned = false): FwdFrame {
  const n = f[9];
  let payload = f.subarray(10 + n);
  if (!owned) {
    payload = Buffer.allocUnsafeSlow(f.length - 10 - n);
    f.copy(payload, 0, 10 + n);
  }
  return { id: f.readUInt32BE(1), key: f.readUInt32BE(5), channel: f.toString('utf8', 10, 10 + n), payload };
}

export function parseReply(f: Buffer): { id: number; errorJson: string | undefined } {
  return { id: f.readUInt32BE(1), errorJson: f.length > 5 ? f.toString('utf8', 5) : undefined };
}

/**
 * Cuts a byte stream into frames. `onFrame` gets each frame without its
 * length prefix (kind first): a view on a socket chunk, valid only during
 * the call, or (`owned`) a buffer assembled from several chunks, which the
 * callee may keep. A length above `maxFrame` throws: the stream cannot be
 * resynchronised.
 */
export class FrameReader {
  private chunks: Buffer[] = [];
  private have = 0;

  constructor(
    private readonly maxFrame: number,
    private readonly onFrame: (frame: Buffer, owned: boolean) => void,
  ) {}

  push(chunk: Buffer): void {
    this.chunks.push(chunk);
    this.have += chunk.length;
    while (this.have >= 4) {
      const len = this.peekLength();
      if (len < 1 || len > this.maxFrame) throw new RangeError(`peer link: frame of ${len} bytes (limit ${this.maxFrame})`);
      if (this.have < 4 + len) return;
      const spans = this.chunks[0].length < 4 + len;
      this.onFrame(this.take(4 + len).subarray(4), spans);
    }
  }

  private peekLength(): number {
    const c = this.chunks[0];
    if (c.length >= 4) return c.readUInt32BE(0);
    return this.take(4, true).readUInt32BE(0);
  }

  /** The next n bytes: a view when one chunk holds them, else a copy. `peek` leaves them in place. */
  private take(n: number, peek = false): Buffer {
    const first = this.chunks[0];
    if (first.length >= n) {
      if (!peek) this.consume(n);
      return first.subarray(0, n);
    }
    // Not from the shared pool: a frame kept by its receiver must not pin a pool slab.
    const out = Buffer.allocUnsafeSlow(n);
    let o = 0;
    for (let i = 0; o < n; i++) {
      const c = this.chunks[i];
      const k = Math.min(c.length, n - o);
      c.copy(out, o, 0, k);
      o += k;
    }
    if (!peek) this.consume(n);
    return out;
  }

  private consume(n: number): void {
    this.have -= n;
    while (n > 0) {
      const c = this.chunks[0];
      if (c.length <= n) {
        n -= c.length;
        this.chunks.shift();
      } else {
        this.chunks[0] = c.subarray(n);
        n = 0;
      }
    }
  }
}
