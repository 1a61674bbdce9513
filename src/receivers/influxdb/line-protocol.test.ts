import { Point } from '@influxdata/influxdb-client';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { timeString } from '../../model/time.js';
import { LineProtocolParser, type ParseResult } from './line-protocol.js';
import type { Precision } from './lp-values.js';

/** Exact inputs and outputs for the line protocol parser. */

const NOW_MS = 1_700_000_000_000;
const NOW_NS = '1700000000000000000';

interface Row {
  readonly name: string;
  readonly attrs: Record<string, unknown>;
  readonly value: number;
  readonly int: boolean;
  readonly time: string;
}

const parser = new LineProtocolParser();

function parse(text: string, precision: Precision = 'ns'): ParseResult {
  return parser.parse(text, precision, NOW_MS);
}

function rows(text: string, precision: Precision = 'ns'): Row[] {
  const r = parse(text, precision);
  expect(r.errors).toEqual([]);
  const out: Row[] = [];
  for (const m of r.metrics) {
    const p = m.points;
    for (let i = 0; i < p.length; i++) {
      out.push({ name: m.name, attrs: p.attributes[i].toObject(), value: p.values[i], int: p.isInt[i] === 1, time: timeString(p.times, i) });
    }
  }
  expect(out.length).toBe(r.points);
  return out;
}

/** The single point of a one-field line. */
function one(text: string, precision: Precision = 'ns'): Row {
  const r = rows(text, precision);
  expect(r).toHaveLength(1);
  return r[0];
}

function errorsOf(text: string, precision: Precision = 'ns'): readonly string[] {
  const r = parse(text, precision);
  expect(r.metrics).toEqual([]);
  expect(r.badLines).toBeGreaterThan(0);
  return r.errors;
}

describe('escaping', () => {
  const cases: [string, string, string, Record<string, string>][] = [
    // line, metric name, field key part is in the name, attributes
    ['plain,host=a f=1', 'plain_f', '', { host: 'a' }],
    ['my\\ meas f=1', 'my meas_f', '', {}],
    ['my\\,meas f=1', 'my,meas_f', '', {}],
    ['my\\=meas f=1', 'my\\=meas_f', 'measurement: \\= is not an escape', {}],
    ['my=meas f=1', 'my=meas_f', 'measurement: = needs no escape', {}],
    ['m\\x f=1', 'm\\x_f', 'backslash before another character is kept', {}],
    ['m\\\\x f=1', 'm\\\\x_f', 'two backslashes stay two', {}],
    ['m\\\\ x f=1', 'm\\ x_f', 'a backslash escapes a space even after another backslash', {}],
    ['m,tag\\ key=v f=1', 'm_f', 'tag key with a space', { 'tag key': 'v' }],
    ['m,tag\\,key=v f=1', 'm_f', 'tag key with a comma', { 'tag,key': 'v' }],
    ['m,tag\\=key=v f=1', 'm_f', 'tag key with an equals sign', { 'tag=key': 'v' }],
    ['m,k=a\\ b f=1', 'm_f', 'tag value with a space', { k: 'a b' }],
    ['m,k=a\\,b f=1', 'm_f', 'tag value with a comma', { k: 'a,b' }],
    ['m,k=a\\=b f=1', 'm_f', 'tag value with an escaped equals sign', { k: 'a=b' }],
    ['m,k=a=b f=1', 'm_f', 'tag value with a bare equals sign', { k: 'a=b' }],
    ['m,k=C:\\dir f=1', 'm_f', 'tag value with a literal backslash', { k: 'C:\\dir' }],
    ['m,k=a\\\\\\ b f=1', 'm_f', 'backslash, then an escaped space', { k: 'a\\\\ b' }],
    ['m,k="q" f=1', 'm_f', 'quotes in a tag value are literal', { k: '"q"' }],
    ['m,k=🍭 f=1', 'm_f', 'non-ASCII', { k: '🍭' }],
    ['m field\\ key=1', 'm_field key', 'field key with a space', {}],
    ['m field\\,key=1', 'm_field,key', 'field key with a comma', {}],
    ['m field\\=key=1', 'm_field=key', 'field key with an equals sign', {}],
    ['m,b=2,a=1 f=1', 'm_f', 'unsorted tags are sorted', { a: '1', b: '2' }],
    ['m,a=1,a=2 f=1', 'm_f', 'a repeated tag key: the last wins', { a: '2' }],
  ];
  it.each(cases)('%s -> %s (%s)', (line, name, _why, attrs) => {
    const r = one(line);
    expect(r.name).toBe(name);
    expect(r.attrs).toEqual(attrs);
  });

  it('the measurement is not repeated as an attribute', () => {
    expect(one('cpu,host=h usage=1').attrs).toEqual({ host: 'h' });
  });
});

describe('field types', () => {
  const cases: [string, number, boolean][] = [
    ['1', 1, false],
    ['1.0', 1, false],
    ['-1.5', -1.5, false],
    ['1e3', 1000, false],
    ['1E3', 1000, false],
    ['-1.234456e+78', -1.234456e78, false],
    ['2.5e-3', 0.0025, false],
    ['.5', 0.5, false],
    ['1.', 1, false],
    ['0.1', 0.1, false],
    ['0.30000000000000004', 0.30000000000000004, false],
    ['123456789.123456789', 123456789.123456789, false],
    ['1.7976931348623157e308', 1.7976931348623157e308, false],
    ['5e-324', 5e-324, false],
    ['1i', 1, true],
    ['-12485903i', -12485903, true],
    ['0i', 0, true],
    ['9223372036854775807i', 9223372036854775807, true],
    ['-9223372036854775808i', -9223372036854775808, true],
    ['1u', 1, true],
    ['12485903u', 12485903, true],
    ['9223372036854775807u', 9223372036854775807, true],
    ['18446744073709551615u', 18446744073709551615, false],
    ['t', 1, true],
    ['T', 1, true],
    ['true', 1, true],
    ['True', 1, true],
    ['TRUE', 1, true],
    ['f', 0, true],
    ['F', 0, true],
    ['false', 0, true],
    ['False', 0, true],
    ['FALSE', 0, true],
  ];
  it.each(cases)('value=%s -> %s (int: %s)', (text, value, int) => {
    const r = one(`m value=${text}`);
    expect(r.name).toBe('m_value');
    expect(Object.is(r.value, value) || r.value === value).toBe(true);
    expect(r.int).toBe(int);
  });

  it('keeps -0 as a negative zero', () => {
    expect(Object.is(one('m f=-0').value, -0)).toBe(true);
  });

  it('drops string fields, counts them, and keeps the numeric fields of the line', () => {
    const r = parse('m s="text",n=1,e="",q="say \\"hi\\" \\\\ ok"');
    expect(r.stringFields).toBe(3);
    expect(r.points).toBe(1);
    expect(r.metrics.map((m) => m.name)).toEqual(['m_n']);
  });

  it('a line with only string fields adds nothing and is not an error', () => {
    const r = parse('m s="a"\nm n=2');
    expect(r.errors).toEqual([]);
    expect(r.points).toBe(1);
    expect(r.stringFields).toBe(1);
  });

  it('accepts newlines and delimiters inside a string value', () => {
    const text = 'm s="line one\nline, two = x",n=1 5\nm n=2 6';
    expect(rows(text).map((r) => [r.value, r.time])).toEqual([
      [1, '5'],
      [2, '6'],
    ]);
  });

  it('counts lines after a multi-line string correctly in errors', () => {
    expect(errorsOf('m s="a\nb",n=1\nm n=')).toEqual(['line 3: expected a value for field "n" at column 5']);
  });

  it('a repeated field key within one line: the last value wins', () => {
    expect(rows('m f=1,f=2 7')).toEqual([{ name: 'm_f', attrs: {}, value: 2, int: false, time: '7' }]);
  });
});

describe('timestamps and precision', () => {
  const cases: [Precision, string, string][] = [
    ['ns', '1556813561098000001', '1556813561098000001'],
    ['ns', '0', '0'],
    ['ns', '9223372036854775806', '9223372036854775806'],
    ['us', '1556813561098001', '1556813561098001000'],
    ['ms', '1556813561098', '1556813561098000000'],
    ['s', '1556813561', '1556813561000000000'],
    ['m', '25946892', '1556813520000000000'],
    ['h', '432448', '1556812800000000000'],
    ['s', '0001556813561', '1556813561000000000'],
  ];
  it.each(cases)('precision %s: %s -> %s ns', (precision, ts, ns) => {
    expect(one(`m f=1 ${ts}`, precision).time).toBe(ns);
  });

  it('stamps lines without a timestamp with the receive time', () => {
    expect(one('m f=1').time).toBe(NOW_NS);
    expect(one('m f=1   ').time).toBe(NOW_NS);
  });

  it('applies one timestamp to every field of the line', () => {
    expect(rows('m a=1,b=2i,c=t 42').map((r) => r.time)).toEqual(['42', '42', '42']);
  });

  const bad: [Precision, string, string][] = [
    ['ns', '-1', 'expected a timestamp at or after 1970-01-01 (Tributary cannot represent earlier times) as the timestamp (got "-1")'],
    ['ns', '9223372036854775808', 'expected a timestamp within the int64 nanosecond range (before 2262-04-11) as the timestamp (got "9223372036854775808")'],
    ['s', '9223372037', 'expected a timestamp within the int64 nanosecond range (before 2262-04-11) as the timestamp (got "9223372037")'],
    ['ms', '12.5', 'expected an integer number of milliseconds as the timestamp (got "12.5")'],
    ['h', '1e3', 'expected an integer number of hours as the timestamp (got "1e3")'],
  ];
  it.each(bad)('precision %s: %s is refused', (precision, ts, message) => {
    expect(errorsOf(`m f=1 ${ts}`, precision)).toEqual([`line 1: ${message} at column 7`]);
  });
});

describe('lines', () => {
  it('skips comments and blank lines, reads CRLF line endings and leading spaces', () => {
    const text = '# a comment\r\n\r\n   \n  # indented comment\nm f=1 1\r\n  m f=2 2\r\n\n';
    const r = parse(text);
    expect(r.lines).toBe(2);
    expect(rows(text).map((x) => [x.value, x.time])).toEqual([
      [1, '1'],
      [2, '2'],
    ]);
  });

  it('an empty body holds no points', () => {
    expect(parse('')).toMatchObject({ points: 0, lines: 0, errors: [], metrics: [] });
  });

  it('groups points by metric in order of first appearance, tags interned', () => {
    const r = parse('cpu,cpu=0 user=1,sys=2 1\ncpu,cpu=1 user=3,sys=4 1\nmem used=5i 1\ncpu,cpu=0 sys=6,user=7 2');
    expect(r.metrics.map((m) => [m.name, Array.from(m.points.values)])).toEqual([
      ['cpu_user', [1, 3, 7]],
      ['cpu_sys', [2, 4, 6]],
      ['mem_used', [5]],
    ]);
    const user = r.metrics[0].points.attributes;
    expect(user[0]).toBe(user[2]);
    expect(user[0]).toBe(r.metrics[1].points.attributes[0]);
  });

  it('takes "__proto__" as an ordinary name', () => {
    const r = parse('__proto__,__proto__=x __proto__=1');
    expect(r.metrics.map((m) => m.name)).toEqual(['__proto_____proto__']);
    const a = r.metrics[0].points.attributes[0];
    expect([a.keys, a.values]).toEqual([['__proto__'], ['x']]);
  });

  it('keeps the same metric for the same field name under different escaping', () => {
    const r = parse('m\\ x f\\ y=1\nm\\ x f\\ y=2');
    expect(r.metrics.map((m) => m.name)).toEqual(['m x_f y']);
  });

  it('a parser is reusable: nothing leaks from one request into the next', () => {
    const p = new LineProtocolParser();
    p.parse('a f=1\nb g=2', 'ns', NOW_MS);
    const r = p.parse('b g=3', 'ns', NOW_MS);
    expect(r.metrics.map((m) => [m.name, Array.from(m.points.values)])).toEqual([['b_g', [3]]]);
    p.parse('bad', 'ns', NOW_MS);
    expect(p.parse('c h=4', 'ns', NOW_MS).metrics.map((m) => m.points.length)).toEqual([1]);
  });
});

describe('errors name the line, the column and what was expected', () => {
  const cases: [string, string][] = [
    ['cpu,host=a usage_user=1,usage 5', 'line 1: expected "=" after field key "usage" at column 30'],
    ['cpu', 'line 1: expected a field set after measurement "cpu" at column 4'],
    ['cpu ', 'line 1: expected a field set after measurement "cpu" at column 5'],
    [',host=a f=1', 'line 1: expected a measurement name at column 1'],
    ['cpu,host=a', 'line 1: expected a field set after the tag set at column 11'],
    ['cpu,host f=1', 'line 1: expected "=" after tag key "host" at column 9'],
    ['cpu,host= f=1', 'line 1: expected a value for tag key "host" (tag values cannot be empty) at column 10'],
    ['cpu,=a f=1', 'line 1: expected a tag key at column 5'],
    ['cpu,a=1, f=1', 'line 1: expected a tag key at column 9'],
    ['cpu f', 'line 1: expected "=" after field key "f" at column 6'],
    ['cpu =1', 'line 1: expected a field key at column 5'],
    ['cpu f=1,', 'line 1: expected a field key at column 9'],
    ['cpu f=1, 5', 'line 1: expected a field key at column 9'],
    ['cpu f=', 'line 1: expected a value for field "f" at column 7'],
    ['cpu f=abc', 'line 1: expected a number, a boolean or a double-quoted string as the value of field "f" (got "abc") at column 7'],
    ['cpu f=1.2.3', 'line 1: expected a number as the value of field "f" (got "1.2.3") at column 7'],
    ['cpu f=1e', 'line 1: expected a number as the value of field "f" (got "1e") at column 7'],
    ['cpu f=-', 'line 1: expected a number as the value of field "f" (got "-") at column 7'],
    ['cpu f=1e400', 'line 1: expected a float within the 64-bit range as the value of field "f" (got "1e400") at column 7'],
    ['cpu f=1.5i', 'line 1: expected an integer as the value of field "f" (got "1.5i") at column 7'],
    ['cpu f=9223372036854775808i', 'line 1: expected an integer within the int64 range as the value of field "f" (got "9223372036854775808i") at column 7'],
    ['cpu f=-9223372036854775809i', 'line 1: expected an integer within the int64 range as the value of field "f" (got "-9223372036854775809i") at column 7'],
    ['cpu f=-1u', 'line 1: expected an unsigned integer as the value of field "f" (got "-1u") at column 7'],
    ['cpu f=18446744073709551616u', 'line 1: expected an unsigned integer within the uint64 range as the value of field "f" (got "18446744073709551616u") at column 7'],
    ['cpu f=tru', 'line 1: expected a boolean (t, T, true, True, TRUE, f, F, false, False, FALSE) as the value of field "f" (got "tru") at column 7'],
    ['cpu f="open', 'line 1: expected a closing double quote for the string value that starts at column 7'],
    ['cpu f="a"x', 'line 1: expected "," or " " after the value of field "f" (got "x") at column 10'],
    ['cpu f=1 12 extra', 'line 1: unexpected text after the timestamp: "extra" at column 12'],
    ['cpu f=1 12a', 'line 1: expected an integer number of nanoseconds as the timestamp (got "12a") at column 9'],
    ['c\tpu f=1', 'line 1: unexpected control character U+0009 in the measurement at column 2'],
    ['cpu,a=\u0001 f=1', 'line 1: unexpected control character U+0001 in the tag set at column 7'],
  ];
  it.each(cases)('%j', (line, message) => {
    expect(errorsOf(line)).toEqual([message]);
  });

  it('numbers lines from 1, counting comments, blank lines and CRLF lines', () => {
    const text = '# header\r\n\r\ncpu,host=a usage=1 1\r\ncpu,host=a usage 2\r\n';
    expect(errorsOf(text)).toEqual(['line 4: expected "=" after field key "usage" at column 17']);
  });

  it('reports the first five bad lines, counts all of them, and keeps nothing', () => {
    const lines = ['ok f=1'];
    for (let i = 0; i < 7; i++) lines.push(`bad${i}`, 'ok f=2');
    const r = parse(lines.join('\n'));
    expect(r.badLines).toBe(7);
    expect(r.lines).toBe(15);
    expect(r.metrics).toEqual([]);
    expect(r.errors).toEqual([2, 4, 6, 8, 10].map((n, i) => `line ${n}: expected a field set after measurement "bad${i}" at column ${5}`));
  });

  it('cuts long text in messages', () => {
    const [msg] = errorsOf(`m f=${'x'.repeat(100)}`);
    expect(msg).toBe(`line 1: expected a number, a boolean or a double-quoted string as the value of field "f" (got "${'x'.repeat(64)}...") at column 5`);
  });
});

describe('round trip with the InfluxDB client library', () => {
  // Names as a client may send them: any printable text, delimiters included,
  // except a trailing backslash (ambiguous in line protocol itself), the
  // control characters the client rewrites as two-character sequences, and
  // "__proto__", which the client's own field and tag objects cannot hold.
  const name = fc
    .string({ minLength: 1, maxLength: 12, unit: fc.oneof(fc.constantFrom(',', '=', ' ', '\\', '"', '#', 'é', '🍭'), fc.string({ minLength: 1, maxLength: 1, unit: 'grapheme-ascii' })) })
    .filter((s) => !s.endsWith('\\') && !/[\u0000-\u001f\u007f]/.test(s) && !s.startsWith('#') && !s.startsWith(' ') && s !== '__proto__');
  const value = fc.oneof(
    fc.double({ noNaN: true, noDefaultInfinity: true }).map((v) => ({ kind: 'float' as const, v: Object.is(v, -0) ? 0 : v })),
    fc.integer({ min: -(2 ** 53) + 1, max: 2 ** 53 - 1 }).map((v) => ({ kind: 'int' as const, v })),
    fc.boolean().map((v) => ({ kind: 'bool' as const, v })),
  );
  const point = fc.record({
    measurement: name,
    tags: fc.dictionary(name, name, { maxKeys: 4 }),
    field: name,
    value,
    time: fc.bigInt({ min: 0n, max: 2n ** 63n - 2n }),
  });

  it('reads back exactly what the client wrote', () => {
    fc.assert(
      fc.property(fc.array(point, { minLength: 1, maxLength: 20 }), (points) => {
        const lines = points.map((p) => {
          const pt = new Point(p.measurement).timestamp(p.time.toString());
          for (const [k, v] of Object.entries(p.tags)) pt.tag(k, v);
          if (p.value.kind === 'float') pt.floatField(p.field, p.value.v);
          else if (p.value.kind === 'int') pt.intField(p.field, p.value.v);
          else pt.booleanField(p.field, p.value.v);
          return pt.toLineProtocol()!;
        });
        const r = parser.parse(lines.join('\n'), 'ns', NOW_MS);
        expect(r.errors).toEqual([]);
        const got = r.metrics.flatMap((m) =>
          Array.from({ length: m.points.length }, (_, i) => `${m.name}|${JSON.stringify(m.points.attributes[i].toObject())}|${m.points.values[i]}|${timeString(m.points.times, i)}`),
        );
        const want = points.map((p) => {
          const attrs = Object.fromEntries(Object.entries(p.tags).sort(([a], [b]) => (a < b ? -1 : 1)));
          const v = p.value.kind === 'bool' ? (p.value.v ? 1 : 0) : p.value.v;
          return `${p.measurement}_${p.field}|${JSON.stringify(attrs)}|${v}|${p.time}`;
        });
        expect(got.sort()).toEqual(want.sort());
      }),
      { numRuns: 300 },
    );
  });
});

describe('any input', () => {
  it('is either parsed or refused with line errors, never an exception', () => {
    const unit = fc.constantFrom('m', 'f', 'x', '=', ',', ' ', '\\', '"', '\n', '\r', '#', '1', '9', '.', '-', 'e', 'i', 'u', 't', 'F', '\t', 'é');
    fc.assert(
      fc.property(fc.string({ maxLength: 60, unit }), (text) => {
        const r = parser.parse(text, 'ns', NOW_MS);
        if (r.badLines > 0) {
          expect(r.metrics).toEqual([]);
          expect(r.errors.length).toBe(Math.min(r.badLines, 5));
          for (const e of r.errors) expect(e).toMatch(/^line \d+: .+ at column \d+$/s);
        } else expect(r.metrics.reduce((n, m) => n + m.points.length, 0)).toBe(r.points);
      }),
      { numRuns: 2000 },
    );
  });
});
