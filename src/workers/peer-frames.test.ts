import { describe, expect, it } from 'vitest';
import { FWD, FrameReader, REPLY, fwdHeader, helloFrame, parseFwd, parseReply, replyFrame } from './peer-frames.js';

function wire(): Buffer {
  const payload = Buffer.from('remote write bytes'.repeat(50));
  return Buffer.concat([helloFrame('tok'), fwdHeader(7, 3, 'prometheusremotewrite:a', payload.length), payload, replyFrame(9, '{"code":"X"}'), replyFrame(10, undefined)]);
}

function frames(chunks: Buffer[]): Buffer[] {
  const out: Buffer[] = [];
  const r = new FrameReader(1 << 20, (f) => out.push(Buffer.from(f)));
  for (const c of chunks) r.push(c);
  return out;
}

describe('peer link frames', () => {
  it('cut the same way whether the stream arrives whole, byte by byte or in odd pieces', () => {
    const w = wire();
    const whole = frames([w]);
    expect(whole.map((f) => f[0])).toEqual([1, FWD, REPLY, REPLY]);
    const fwd = parseFwd(whole[1]);
    expect({ id: fwd.id, key: fwd.key, channel: fwd.channel }).toEqual({ id: 7, key: 3, channel: 'prometheusremotewrite:a' });
    expect(fwd.payload.toString()).toBe('remote write bytes'.repeat(50));
    expect(parseReply(whole[2])).toEqual({ id: 9, errorJson: '{"code":"X"}' });
    expect(parseReply(whole[3])).toEqual({ id: 10, errorJson: undefined });
    const bytes = [...w].map((b) => Buffer.from([b]));
    expect(frames(bytes)).toEqual(whole);
    const odd: Buffer[] = [];
    for (let i = 0, k = 1; i < w.length; i += k, k = (k * 7) % 13 + 1) odd.push(w.subarray(i, i + k));
    expect(frames(odd)).toEqual(whole);
  });

  it('hand over a payload copy that later chunks cannot overwrite', () => {
    const payload = Buffer.from('abc');
    const chunk = Buffer.concat([fwdHeader(1, 0, 'c', 3), payload]);
    let got: Buffer | undefined;
    new FrameReader(100, (f) => (got = parseFwd(f).payload)).push(chunk);
    chunk.fill(0);
    expect(got!.toString()).toBe('abc');
  });

  it('say when a frame was assembled from several chunks, and then hand over its payload without a second copy that it still owns', () => {
    const payload = Buffer.from('x'.repeat(100));
    const wire = Buffer.concat([fwdHeader(1, 2, 'c', payload.length), payload]);
    const got: { owned: boolean; payload: Buffer }[] = [];
    const r = new FrameReader(1000, (f, owned) => got.push({ owned, payload: parseFwd(f, owned).payload }));
    r.push(wire);
    const a = Buffer.from(wire.subarray(0, 50));
    const b = Buffer.from(wire.subarray(50));
    r.push(a);
    r.push(b);
    a.fill(0);
    b.fill(0);
    wire.fill(0);
    expect(got.map((g) => g.owned)).toEqual([false, true]);
    for (const g of got) expect(g.payload.toString()).toBe('x'.repeat(100));
  });

  it('refuse a frame above the limit or of length zero', () => {
    expect(() => frames([Buffer.from([0, 0x20, 0, 0, 1])])).toThrow(/frame of 2097152 bytes \(limit 1048576\)/);
    expect(() => frames([Buffer.from([0, 0, 0, 0])])).toThrow(/frame of 0 bytes/);
  });
});
