import fc from 'fast-check';
import snappyjs from 'snappyjs';
import { describe, expect, it } from 'vitest';
import { SnappyScratch, snappyCompress, snappyUncompress } from './snappy.js';

describe('snappyUncompress (block format)', () => {
  it('round-trips what snappy and snappyjs compress, including long literals and overlapping copies', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.uint8Array({ maxLength: 5000 }),
          // Repetitive data: copies of every length and offset, overlapping ones among them.
          fc.tuple(fc.uint8Array({ minLength: 1, maxLength: 40 }), fc.integer({ min: 1, max: 300 })).map(([p, n]) => Buffer.concat(Array.from({ length: n }, () => p))),
        ),
        (data) => {
          const b = Buffer.from(data);
          expect(snappyUncompress(snappyCompress(b)).equals(b)).toBe(true);
          const js = snappyjs.compress(b);
          expect(snappyUncompress(js).equals(b)).toBe(true);
        },
      ),
      { numRuns: 500 },
    );
  });

  it('decodes into a reused scratch buffer: bodies of growing and shrinking sizes, each exact despite what the last one left', () => {
    const scratch = new SnappyScratch(64 * 1024);
    fc.assert(
      fc.property(
        fc.tuple(fc.uint8Array({ minLength: 1, maxLength: 60 }), fc.integer({ min: 1, max: 3000 })).map(([p, n]) => Buffer.concat(Array.from({ length: n }, () => p))),
        (b) => {
          const out = snappyUncompress(snappyCompress(b), Number.MAX_SAFE_INTEGER, scratch);
          expect(out.length).toBe(b.length);
          expect(out.equals(b)).toBe(true);
        },
      ),
      { numRuns: 300 },
    );
    // Past maxKeep: a buffer of its own, the scratch untouched.
    const big = Buffer.alloc(100 * 1024, 7);
    const kept = snappyUncompress(snappyCompress(Buffer.from('abc')), 10, scratch);
    expect(snappyUncompress(snappyCompress(big), Number.MAX_SAFE_INTEGER, scratch).equals(big)).toBe(true);
    expect(kept.toString()).toBe('abc');
  });

  it('refuses output beyond the limit before allocating it (a "snappy bomb")', () => {
    // Announces 2^32-1 bytes in a 6-byte body.
    const bomb = Buffer.from([0xff, 0xff, 0xff, 0xff, 0x0f, 0x00]);
    expect(() => snappyUncompress(bomb, 1024)).toThrow(RangeError);
    expect(() => snappyUncompress(bomb, 1024)).toThrow(/uncompressed size 4294967295 exceeds the limit of 1024 bytes/);
  });

  const corrupt: [string, number[]][] = [
    ['empty', []],
    ['length header never ends', [0x80, 0x80, 0x80, 0x80, 0x80, 0x80]],
    ['shorter than announced', [10, 0x08, 0x61, 0x62, 0x63]],
    ['a literal past the end', [4, 0x3c, 0x61]],
    ['a copy before the start', [8, 0x00, 0x61, 0x01, 0x05]],
    ['a copy with offset 0', [8, 0x00, 0x61, 0x01, 0x00]],
    ['more output than announced', [1, 0x04, 0x61, 0x62]],
  ];
  it.each(corrupt)('refuses corrupt input: %s', (_, bytes) => {
    expect(() => snappyUncompress(Buffer.from(bytes), 1 << 20)).toThrow(/^snappy: corrupt input/);
  });

  it('random bytes decode or are refused with a snappy error, never anything else (5,000 runs)', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), (bytes) => {
        try {
          snappyUncompress(Buffer.from(bytes), 1 << 16);
        } catch (err) {
          expect((err as Error).message).toMatch(/^snappy: /);
        }
      }),
      { numRuns: 5000 },
    );
  });
});
