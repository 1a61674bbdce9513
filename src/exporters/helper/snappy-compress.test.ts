import { createRequire } from 'node:module';
import fc from 'fast-check';
import snappyjs from 'snappyjs';
import { describe, expect, it } from 'vitest';
import { encodeV1, labelsOf } from '../../test-kit/prw-encode.js';
import { maxCompressedLength, snappyCompressJs } from './snappy-compress.js';
import { snappyCompressBody, snappyUncompress } from './snappy.js';

const native = createRequire(import.meta.url)('snappy') as { uncompressSync(b: Buffer, o: { asBuffer: true }): Buffer };

/** Every decoder at hand must give the input back. */
function roundTrips(b: Buffer): void {
  const c = snappyCompressJs(b);
  expect(c.length).toBeLessThanOrEqual(maxCompressedLength(b.length));
  expect(snappyUncompress(c).equals(b)).toBe(true);
  expect(native.uncompressSync(c, { asBuffer: true }).equals(b)).toBe(true);
  expect(Buffer.from(snappyjs.uncompress(c)).equals(b)).toBe(true);
}

describe('snappyCompressJs (block format)', () => {
  it('round-trips through the native, snappyjs and block decoders: random and repetitive data', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.uint8Array({ maxLength: 5000 }),
          // Copies of every length and offset, overlapping ones among them.
          fc.tuple(fc.uint8Array({ minLength: 1, maxLength: 40 }), fc.integer({ min: 1, max: 3000 })).map(([p, n]) => Buffer.concat(Array.from({ length: n }, () => p))),
          // Repeats with small changes, as label sets of one family are.
          fc.tuple(fc.uint8Array({ minLength: 8, maxLength: 300 }), fc.array(fc.nat(), { minLength: 1, maxLength: 400 })).map(([p, xs]) =>
            Buffer.concat(xs.map((x) => Buffer.concat([p, Buffer.from([x & 0xff, (x >>> 8) & 0xff])]))),
          ),
        ),
        (data) => roundTrips(Buffer.from(data)),
      ),
      { numRuns: 500 },
    );
  });

  it('at the edges: empty, below the matching minimum, fragment boundaries, literals of every length form, long runs', () => {
    const sizes = [0, 1, 15, 16, 17, 18, 59, 60, 61, 255, 256, 257, 65535, 65536, 65537, 131072 + 3, 300_000];
    for (const n of sizes) {
      roundTrips(Buffer.alloc(n, 0x61));
      const random = Buffer.alloc(n);
      for (let i = 0; i < n; i++) random[i] = (i * 2654435761) >>> 24;
      roundTrips(random);
    }
    // One long literal (incompressible) then long copies across fragment ends.
    const mixed = Buffer.concat([Buffer.from(Array.from({ length: 70_000 }, (_, i) => (i * 7919) % 251)), Buffer.alloc(70_000, 9)]);
    roundTrips(mixed);
  });

  it('compresses remote-write bodies as well as the native binding, and leaves headroom for a header when asked', () => {
    const body = encodeV1(
      Array.from({ length: 2000 }, (_, i) => ({
        labels: labelsOf({ __name__: `metric_${i % 100}`, host: `host-${i % 20}`, region: 'eu-west-1', env: 'prod', team: `team-${i % 4}` }),
        samples: [{ value: i, ts: 1_800_000_000_000 }],
      })),
    );
    const c = snappyCompressJs(body);
    expect(snappyUncompress(c).equals(body)).toBe(true);
    const nativeLen = (createRequire(import.meta.url)('snappy') as { compressSync(b: Buffer): Buffer }).compressSync(body).length;
    expect(c.length).toBeLessThanOrEqual(Math.ceil(nativeLen * 1.1));
    const withHeader = snappyCompressJs(body, 4);
    expect(withHeader.length).toBe(c.length + 4);
    expect(withHeader.subarray(4).equals(c)).toBe(true);
  });
});

describe('snappyCompressBody', () => {
  it('round-trips label-heavy and sample-heavy remote-write bodies (one compressor each)', () => {
    for (const perSeries of [1, 10, 60]) {
      const series = Array.from({ length: Math.ceil(600 / perSeries) }, (_, i) => ({
        labels: labelsOf({ __name__: `metric_${i % 50}`, host: `host-${i % 12}`, region: 'eu-west-1' }),
        samples: Array.from({ length: perSeries }, (_, k) => ({ value: Math.sin(i + k) * 1000, ts: 1_800_000_000_000 + k * 15_000 })),
      }));
      const body = encodeV1(series);
      expect(snappyUncompress(snappyCompressBody(body, 600)).equals(body)).toBe(true);
    }
  });
});
