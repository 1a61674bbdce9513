import { createRequire } from 'node:module';
import fc from 'fast-check';
import snappyjs from 'snappyjs';
import { describe, expect, it } from 'vitest';
import { snappyCompress, snappyUncompress } from './snappy.js';
import { SnappyBlockWriter } from './snappy-writer.js';

const native = createRequire(import.meta.url)('snappy') as { uncompressSync(b: Buffer, o: { asBuffer: true }): Buffer };

/** Every decoder at hand must read the block as `expected`. */
function expectDecodes(block: Buffer, expected: Buffer): void {
  expect(snappyUncompress(block).equals(expected)).toBe(true);
  expect(native.uncompressSync(block, { asBuffer: true }).equals(expected)).toBe(true);
  expect(Buffer.from(snappyjs.uncompress(block)).equals(expected)).toBe(true);
}

type Op = { kind: 'literal'; bytes: Uint8Array } | { kind: 'copy'; back: number; len: number } | { kind: 'splice'; bytes: Uint8Array } | { kind: 'words'; bytes: Uint8Array };

const op: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ kind: fc.constant('literal' as const), bytes: fc.oneof(fc.uint8Array({ minLength: 1, maxLength: 70 }), fc.uint8Array({ minLength: 250, maxLength: 300 })) }),
  // Offsets across the copy-1, copy-2 and copy-4 ranges (scaled to what is written), lengths across the 64-byte chunking.
  fc.record({ kind: fc.constant('copy' as const), back: fc.double({ min: 0, max: 1, noNaN: true }), len: fc.integer({ min: 1, max: 200 }) }),
  fc.record({ kind: fc.constant('splice' as const), bytes: fc.uint8Array({ minLength: 1, maxLength: 600 }) }),
  fc.record({ kind: fc.constant('words' as const), bytes: fc.uint8Array({ minLength: 1, maxLength: 40 }) }),
);

describe('SnappyBlockWriter', () => {
  it('writes blocks that every decoder reads back: literals of every length form, copies of every kind, overlapping and chunked, spliced blocks', () => {
    const sw = new SnappyBlockWriter(64);
    fc.assert(
      fc.property(fc.array(op, { minLength: 1, maxLength: 40 }), (ops) => {
        const expected: number[] = [];
        for (const o of ops) {
          if (o.kind === 'literal' || o.kind === 'words') {
            const view = new DataView(o.bytes.buffer, o.bytes.byteOffset, o.bytes.byteLength);
            if (o.kind === 'literal') sw.literal(o.bytes, view, 0, o.bytes.length);
            else {
              // Literal bytes made as ready elements: one literal element, packed into words.
              const e = Buffer.concat([Buffer.from([(o.bytes.length - 1) << 2]), o.bytes]);
              const words = new Int32Array((e.length + 3) >>> 2);
              for (let i = 0; i < e.length; i++) words[i >>> 2] |= e[i] << (8 * (i & 3));
              sw.words(words, e.length, o.bytes.length);
            }
            expected.push(...o.bytes);
          } else if (o.kind === 'splice') {
            sw.splice(snappyCompress(o.bytes), o.bytes.length);
            expected.push(...o.bytes);
          } else if (expected.length > 0) {
            const offset = 1 + Math.floor(o.back * (expected.length - 1));
            sw.copy(offset, o.len);
            for (let k = 0; k < o.len; k++) expected.push(expected[expected.length - offset]);
          }
        }
        expect(sw.length).toBe(expected.length);
        expectDecodes(sw.finish(), Buffer.from(expected));
      }),
      { numRuns: 400 },
    );
  });

  it('uses the short forms where they fit: 2-byte copies up to 11 bytes within 2 KiB, one-byte literal tags up to 60', () => {
    const sw = new SnappyBlockWriter();
    const data = Buffer.from('abcdefghijklmnopqrstuvwxyz0123456789');
    sw.literal(data, new DataView(data.buffer, data.byteOffset, data.byteLength), 0, data.length);
    sw.copy(36, 11);
    const block = sw.finish();
    // Header (1) + literal tag (1) + 36 bytes + copy-1 (2).
    expect(block.length).toBe(1 + 1 + 36 + 2);
    expect(block[1 + 1 + 36] & 3).toBe(1);
    expectDecodes(block, Buffer.concat([data, data.subarray(0, 11)]));
  });

  it('writes literals longer than 65,536 bytes and copies reaching back further than 65,535 (4-byte forms)', () => {
    const sw = new SnappyBlockWriter();
    const big = Buffer.alloc(70_000);
    for (let i = 0; i < big.length; i++) big[i] = (i * 7919) & 0xff;
    sw.literal(big, new DataView(big.buffer, big.byteOffset, big.byteLength), 0, big.length);
    sw.copy(70_000, 100);
    expectDecodes(sw.finish(), Buffer.concat([big, big.subarray(0, 100)]));
  });

  it('refuses a copy reaching before the start (a bug, never a corrupt block)', () => {
    const sw = new SnappyBlockWriter();
    const b = Buffer.from('abcd');
    sw.literal(b, new DataView(b.buffer, b.byteOffset, 4), 0, 4);
    expect(() => sw.copy(5, 4)).toThrow(RangeError);
    expect(() => sw.copy(0, 4)).toThrow(RangeError);
  });
});
