import fc from 'fast-check';
import { toAwsError, toProtocolError } from '../../src/errors/transport.js';
import { TributaryError } from '../../src/errors/tributary-error.js';

/**
 * Mutations of real payloads for fuzzing decoders, and the property every
 * decoder must keep: decode, or refuse with a TributaryError that the
 * transport maps to a 4xx. Any other exception, or a 5xx, fails.
 */

export type Mutation =
  | { kind: 'flip'; at: number; xor: number }
  | { kind: 'cut'; at: number }
  | { kind: 'insert'; at: number; bytes: Uint8Array }
  | { kind: 'dup'; from: number; len: number; at: number }
  | { kind: 'delete'; at: number; len: number };

/** Bytes that make protobuf readers believe in huge lengths, varints that never end, or absurd field numbers. */
const HOSTILE: readonly Uint8Array[] = [
  Uint8Array.from([0xff, 0xff, 0xff, 0xff, 0x0f]), // 2^32-1 as a length
  Uint8Array.from([0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01]), // 2^64-1
  Uint8Array.from([0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x01]), // an 12-byte varint
  Uint8Array.from([0x0a, 0xff, 0xff, 0xff, 0xff, 0x07]), // field 1, length 2^31-1
  Uint8Array.from([0xfa, 0xff, 0xff, 0xff, 0x0f, 0x02]), // field 2^28-1, wire type 2
  Uint8Array.from([0x0b]), // start group (deprecated wire type 3)
  Uint8Array.from([0x0f]), // wire type 7 (invalid)
  Uint8Array.from([0x09, 0, 0, 0, 0, 0, 0, 0xf8, 0x7f]), // fixed64 NaN
];

/** Characters that mean something to text decoders (JSON, line protocol, form encoding). */
const SPECIAL = ['"', '\\', '{', '}', '[', ']', ',', ':', '=', ' ', '\n', '\r', '\t', '&', '%', '+', '.', '#', '\u0000', '\ud800', 'é', '1e999', '-0', 'null', '%zz', '%ff', '.member.', '9'.repeat(40)];

const at = fc.nat({ max: 1 << 20 });

export const byteMutations: fc.Arbitrary<Mutation[]> = fc.array(
  fc.oneof(
    fc.record({ kind: fc.constant('flip' as const), at, xor: fc.integer({ min: 1, max: 255 }) }),
    fc.record({ kind: fc.constant('cut' as const), at }),
    fc.record({ kind: fc.constant('insert' as const), at, bytes: fc.oneof(fc.uint8Array({ minLength: 1, maxLength: 12 }), fc.constantFrom(...HOSTILE)) }),
    fc.record({ kind: fc.constant('dup' as const), from: at, len: fc.integer({ min: 1, max: 256 }), at }),
    fc.record({ kind: fc.constant('delete' as const), at, len: fc.integer({ min: 1, max: 32 }) }),
  ),
  { minLength: 1, maxLength: 5 },
);

export const textMutations: fc.Arbitrary<Mutation[]> = fc.array(
  fc.oneof(
    byteMutations.map((m) => m[0]),
    fc.record({
      kind: fc.constant('insert' as const),
      at,
      bytes: fc.oneof(fc.constantFrom(...SPECIAL), fc.string({ maxLength: 8 }), fc.string({ unit: 'binary', maxLength: 4 })).map((s) => new Uint8Array(Buffer.from(s, 'utf8'))),
    }),
  ),
  { minLength: 1, maxLength: 5 },
);

export function mutate(body: Uint8Array, ms: readonly Mutation[]): Buffer {
  let b = Buffer.from(body);
  for (const m of ms) {
    switch (m.kind) {
      case 'flip':
        if (b.length > 0) b[m.at % b.length] ^= m.xor;
        break;
      case 'cut':
        if (b.length > 0) b = b.subarray(0, m.at % b.length);
        break;
      case 'insert': {
        const i = m.at % (b.length + 1);
        b = Buffer.concat([b.subarray(0, i), m.bytes, b.subarray(i)]);
        break;
      }
      case 'dup': {
        if (b.length === 0) break;
        const from = m.from % b.length;
        const i = m.at % (b.length + 1);
        b = Buffer.concat([b.subarray(0, i), b.subarray(from, from + m.len), b.subarray(i)]);
        break;
      }
      case 'delete': {
        if (b.length === 0) break;
        const i = m.at % b.length;
        b = Buffer.concat([b.subarray(0, i), b.subarray(i + m.len)]);
        break;
      }
    }
  }
  return b;
}

/** JSON nested `depth` deep at a spot a decoder walks into (an attribute value). */
export function deepJson(depth: number, kind: 'array' | 'kvlist' | 'raw'): string {
  if (kind === 'raw') return '['.repeat(depth) + ']'.repeat(depth);
  let v = '{"stringValue":"x"}';
  for (let i = 0; i < depth; i++) v = kind === 'array' ? `{"arrayValue":{"values":[${v}]}}` : `{"kvlistValue":{"values":[{"key":"k","value":${v}}]}}`;
  return `{"resourceMetrics":[{"resource":{"attributes":[{"key":"deep","value":${v}}]},"scopeMetrics":[]}]}`;
}

export type StatusMap = 'otlp' | 'aws';

/** Per-decoder tally: inputs run, how many decoded, how many were refused, the slowest single input. */
export class FuzzTally {
  readonly counts = new Map<string, { runs: number; decoded: number; refused: number; slowestMs: number }>();

  /** Runs one decode under the property; returns true (fast-check predicate) or throws what broke it. */
  check(decoder: string, map: StatusMap, decode: () => unknown): boolean {
    let c = this.counts.get(decoder);
    if (c === undefined) this.counts.set(decoder, (c = { runs: 0, decoded: 0, refused: 0, slowestMs: 0 }));
    c.runs++;
    const t0 = performance.now();
    try {
      decode();
      c.decoded++;
    } catch (err) {
      if (!(err instanceof TributaryError)) throw new Error(`${decoder}: threw ${(err as Error)?.constructor?.name ?? typeof err} instead of a TributaryError: ${(err as Error)?.message ?? String(err)}`, { cause: err });
      const http = map === 'aws' ? toAwsError(err).http : toProtocolError(err).http;
      if (http < 400 || http >= 500) throw new Error(`${decoder}: bad input answered ${http}: ${err.code}: ${err.message}`);
      c.refused++;
    } finally {
      c.slowestMs = Math.max(c.slowestMs, performance.now() - t0);
    }
    return true;
  }

  lines(): string[] {
    let total = 0;
    const out = [...this.counts].map(([name, c]) => {
      total += c.runs;
      return `fuzz ${name}: ${c.runs} inputs (${c.decoded} decoded, ${c.refused} refused as 4xx), slowest single input ${c.slowestMs.toFixed(1)} ms`;
    });
    out.push(`fuzz total: ${total} inputs`);
    return out;
  }

  total(): number {
    let n = 0;
    for (const c of this.counts.values()) n += c.runs;
    return n;
  }
}
