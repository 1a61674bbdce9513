import { createRequire } from 'node:module';
import fc from 'fast-check';
import snappyjs from 'snappyjs';
import { describe, expect, it } from 'vitest';
import { ProtoWriter } from '../../model/proto/writer.js';
import { snappyCompress, snappyUncompress } from '../helper/snappy.js';
import { LabelBytes, matchFramed } from './label-bytes.js';
import { type ExemplarOut, encodeLabels, sampleFieldSize, writeExemplar, writeSample } from './prompb.js';
import { RequestMetadata } from './request-metadata.js';
import { ShardWriter } from './shard-writer.js';

const native = createRequire(import.meta.url)('snappy') as { uncompressSync(b: Buffer, o: { asBuffer: true }): Buffer };

/**
 * The protobuf bytes the writer must produce, written the plain way (no
 * compression, no neighbours): the requests the writer's blocks must
 * decompress to, split at the same places.
 */
class ReferenceWriter {
  private readonly w = new ProtoWriter(1024);
  private readonly metadata = new RequestMetadata();
  private items = 0;
  readonly requests: { raw: Buffer; items: number }[] = [];

  constructor(private readonly maxBytes: number) {}

  room(bytes: number): ProtoWriter {
    if (this.w.pos > 0 && this.w.pos + bytes + this.metadata.bytes > this.maxBytes) this.flush();
    return this.w;
  }

  single(labels: Buffer, value: number, ts: number, stale: boolean, exemplars?: readonly ExemplarOut[]): void {
    if (exemplars !== undefined && exemplars.length > 0) {
      const w = this.room(labels.length + 64 * (1 + exemplars.length));
      this.items++;
      w.tag(1, 2).fork();
      w.raw(labels);
      writeSample(w, value, ts, stale);
      for (const e of exemplars) writeExemplar(w, e);
      w.join();
      return;
    }
    const inner = labels.length + sampleFieldSize(ts);
    const w = this.room(inner + 6);
    this.items++;
    w.tag(1, 2).uint32(inner);
    w.raw(labels);
    writeSample(w, value, ts, stale);
  }

  many(labels: Buffer, values: number[], times: number[]): void {
    let inner = labels.length;
    for (const t of times) inner += sampleFieldSize(t);
    const w = this.room(inner + 6);
    this.items += values.length;
    w.tag(1, 2).uint32(inner);
    w.raw(labels);
    values.forEach((v, k) => writeSample(w, v, times[k], false));
  }

  counted(n: number): void {
    this.items += n;
  }

  noteFamily(family: string, type: number, help: string, unit: string): void {
    this.metadata.note(family, type, help, unit);
  }

  flush(): void {
    if (this.w.pos === 0) return;
    this.metadata.writeTo(this.w);
    this.requests.push({ raw: Buffer.from(this.w.view()), items: this.items });
    this.items = 0;
    this.w.reset();
  }
}

/** Each request of the writer must decompress, with every decoder at hand, to the reference's. */
function expectSameRequests(got: { body: Buffer; items: number }[], want: { raw: Buffer; items: number }[]): void {
  expect(got.map((r) => r.items)).toEqual(want.map((r) => r.items));
  got.forEach((r, k) => {
    const raw = want[k].raw;
    expect(snappyUncompress(r.body).equals(raw)).toBe(true);
    expect(native.uncompressSync(r.body, { asBuffer: true }).equals(raw)).toBe(true);
    expect(Buffer.from(snappyjs.uncompress(r.body)).equals(raw)).toBe(true);
  });
}

/** Writes the same single-sample series to the writer and the reference, then compares the requests. */
function writeBoth(sw: ShardWriter, ref: ReferenceWriter, labels: readonly LabelBytes[], value: (i: number) => number, ts: number): { body: Buffer; items: number }[] {
  labels.forEach((l, i) => {
    sw.single(l, value(i), ts, false);
    ref.single(l.bytes, value(i), ts, false);
  });
  const got = sw.take();
  ref.flush();
  expectSameRequests(got, ref.requests.splice(0));
  return got;
}

const labelSet = fc
  .uniqueArray(fc.tuple(fc.constantFrom('__name__', 'job', 'instance', 'host', 'az', 'le', 'tenant', 'ünï'), fc.oneof(fc.constantFrom('a', 'host-1', 'host-2', 'eu-west-1a', 'x'.repeat(130)), fc.string({ maxLength: 12 }))), {
    minLength: 1,
    maxLength: 7,
    selector: ([k]) => k,
  })
  .map((pairs) => pairs.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0)));

type Step =
  | { kind: 'single'; series: number; value: number; ts: number; stale: boolean; exemplar: boolean }
  | { kind: 'many'; series: number; values: number[]; ts: number }
  | { kind: 'direct'; series: number; payload: Uint8Array }
  | { kind: 'family'; name: string };

const TIMES = [0, 1, 1_800_000_000_000, 1_800_000_001_000, 2 ** 40];

const step: fc.Arbitrary<Step> = fc.oneof(
  { weight: 8, arbitrary: fc.record({ kind: fc.constant('single' as const), series: fc.nat(9), value: fc.oneof(fc.double(), fc.constantFrom(0, 1, 1.5, 1e300)), ts: fc.constantFrom(...TIMES), stale: fc.boolean(), exemplar: fc.boolean() }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('many' as const), series: fc.nat(9), values: fc.array(fc.double(), { minLength: 2, maxLength: 3 }), ts: fc.constantFrom(...TIMES.slice(1)) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('direct' as const), series: fc.nat(9), payload: fc.uint8Array({ maxLength: 400 }) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('family' as const), name: fc.constantFrom('a', 'b_total', 'c') }) },
);

describe('ShardWriter', () => {
  it('writes blocks that decompress, with every decoder, to exactly the plain requests, split at the same places', () => {
    fc.assert(
      fc.property(fc.array(labelSet, { minLength: 10, maxLength: 10 }), fc.array(step, { minLength: 20, maxLength: 120 }), fc.integer({ min: 200, max: 6000 }), (sets, steps, maxBytes) => {
        const labels = sets.map((s) => new LabelBytes(encodeLabels(s)));
        const sw = new ShardWriter(maxBytes);
        const ref = new ReferenceWriter(maxBytes);
        // Three times over: every series meets the same neighbours again, so
        // the second round works out their elements and the third reuses them.
        for (let round = 0; round < 3; round++) {
          for (const s of steps) {
            if (s.kind === 'single') {
              const ex: ExemplarOut[] | undefined = s.exemplar ? [{ labels: encodeLabels([['trace_id', 'abc']]), value: 1, ts: s.ts }] : undefined;
              const ts = s.ts + round;
              sw.single(labels[s.series], s.value, ts, s.stale, ex);
              ref.single(labels[s.series].bytes, s.value, ts, s.stale, ex);
            } else if (s.kind === 'many') {
              const times = s.values.map((_, k) => s.ts + k);
              sw.many(labels[s.series], s.values, times, 0, s.values.length);
              ref.many(labels[s.series].bytes, s.values, times);
            } else if (s.kind === 'direct') {
              // As translate.ts writes native histograms: straight through room().
              for (const w of [sw.room(labels[s.series].length + 16 + s.payload.length), ref.room(labels[s.series].length + 16 + s.payload.length)]) {
                w.tag(1, 2).fork();
                w.raw(labels[s.series].bytes);
                w.tag(4, 2).bytes(s.payload);
                w.join();
              }
              sw.counted(1);
              ref.counted(1);
            } else {
              sw.noteFamily(s.name, 1, 'help', '');
              ref.noteFamily(s.name, 1, 'help', '');
            }
          }
          const got = sw.take();
          ref.flush();
          expectSameRequests(got, ref.requests.splice(0));
        }
      }),
      { numRuns: 300 },
    );
  });

  it('writes series that follow similar ones as copies: a request of 500 series compresses to a fraction of its size', () => {
    const sw = new ShardWriter(1 << 20);
    const labels = Array.from({ length: 500 }, (_, i) =>
      new LabelBytes(encodeLabels([['__name__', `http_requests_total`], ['code', String(200 + (i % 5))], ['instance', 'web-1:9100'], ['job', 'node'], ['path', `/api/v1/items/${i}`]])),
    );
    const ref = new ReferenceWriter(1 << 20);
    // The elements are worked out when a series meets its neighbour a second time, and reused after.
    let req: { body: Buffer; items: number } = { body: Buffer.alloc(0), items: 0 };
    for (let round = 0; round < 3; round++) [req] = writeBoth(sw, ref, labels, (i) => i * 1.5 + round, 1_800_000_000_000 + round);
    const raw = snappyUncompress(req.body);
    expect(req.items).toBe(500);
    // Not what the general compressor makes of it: the series went out as elements.
    expect(req.body.equals(snappyCompress(raw))).toBe(false);
    // Label sets of about 90 bytes, of which a few differ from the last one's.
    expect(req.body.length).toBeLessThan(raw.length / 3);
  });

  it('leaves series whose neighbours change every request to the general compressor: no elements made for nothing, no larger output', () => {
    const sw = new ShardWriter(1 << 20);
    const labels = Array.from({ length: 500 }, (_, i) => new LabelBytes(encodeLabels([['__name__', 'up'], ['instance', `web-${i}:9100`], ['job', 'node']])));
    let seed = 7;
    const random = (): number => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    const ref = new ReferenceWriter(1 << 20);
    for (let round = 0; round < 4; round++) {
      const order = labels.slice().sort(() => random() - 0.5);
      const [req] = writeBoth(sw, ref, order, (i) => i, 1_800_000_000_000 + round);
      const raw = snappyUncompress(req.body);
      // A few series may meet the same neighbour twice by chance; the rest go through the general compressor.
      expect(req.body.length).toBeLessThan(snappyCompress(raw).length * 1.1);
    }
  });

  it('reaches neighbours more than 64 KiB back (4-byte copies) in the elements it keeps', () => {
    // Letters without repeats a compressor could use: only copies of the neighbour make it small.
    let seed = 11;
    const blob = Array.from({ length: 70_000 }, () => String.fromCharCode(97 + ((seed = (seed * 1103515245 + 12345) % 2 ** 31) % 26))).join('');
    const big = (c: string) => new LabelBytes(encodeLabels([['__name__', 'huge'], ['blob', `${blob}${c}`]]));
    const labels = [big('a'), big('b'), big('c')];
    const sw = new ShardWriter(1 << 20);
    const ref = new ReferenceWriter(1 << 20);
    for (let round = 0; round < 3; round++) {
      const [req] = writeBoth(sw, ref, labels, (i) => i + round, 1_800_000_000_000 + round);
      // The first series as it is, the other two as copies of it.
      if (round === 2) expect(req.body.length).toBeLessThan(70_000 + 1000);
    }
  });

  it('stops making elements for a series whose neighbours keep alternating, and stays exact', () => {
    const sw = new ShardWriter(1 << 20);
    const ref = new ReferenceWriter(1 << 20);
    const mk = (i: number) => new LabelBytes(encodeLabels([['__name__', 'm'], ['i', String(i)], ['job', 'j']]));
    const [a, b, s] = [mk(1), mk(2), mk(3)];
    // Two requests after a, two after b, and so on: each pair makes elements anew.
    for (let round = 0; round < 80; round++) writeBoth(sw, ref, Math.floor(round / 2) % 2 === 0 ? [a, s] : [b, s], (i) => i, 1_800_000_000_000 + round);
    // Made 16 times (the cap), not 40.
    expect((s as unknown as { encodes: number }).encodes).toBe(16);
  });
});

describe('matchFramed', () => {
  it('gives ranges that hold equal bytes in both, in order, apart, each worth a copy', () => {
    fc.assert(
      fc.property(labelSet, labelSet, fc.nat(3), fc.nat(3), (a, b, ga, gb) => {
        const cur = encodeLabels(a);
        const prev = encodeLabels(b);
        const frame = (n: number) => Buffer.from([0x0a, n & 0x7f]);
        const head = frame(cur.length + ga);
        const prevHead = frame(prev.length + gb);
        const tail = Buffer.from([0x12, ga, 9]);
        const prevTail = Buffer.from([0x12, gb, 9]);
        const c = Buffer.concat([head, cur, tail]);
        const p = Buffer.concat([prevHead, prev, prevTail]);
        const m = matchFramed(head, cur, tail, prevHead, prev, prevTail);
        let end = 0;
        for (let i = 0; i < m.length; i += 3) {
          expect(m[i]).toBeGreaterThanOrEqual(end);
          expect(m[i + 2]).toBeGreaterThanOrEqual(4);
          expect(c.subarray(m[i], m[i] + m[i + 2]).equals(p.subarray(m[i + 1], m[i + 1] + m[i + 2]))).toBe(true);
          end = m[i] + m[i + 2];
        }
        expect(end).toBeLessThanOrEqual(c.length);
        if (a === b || JSON.stringify(a) === JSON.stringify(b)) if (ga === gb) expect(m.length === 3 && m[2] === c.length).toBe(true);
      }),
      { numRuns: 1000 },
    );
  });
});
