import { Attributes } from '../../model/attributes.js';
import { type GaugeMetric, MetricType } from '../../model/metric.js';
import { NumberBuilder } from '../../model/points-builder.js';
import { setTimeMs } from '../../model/time.js';
import { BOOLEAN, LpValue, PRECISION_UNITS, type Precision, readBool, readNumber, readTimestamp } from './lp-values.js';
import { TagSetCache } from './tag-sets.js';

/**
 * Influx line protocol straight into the columnar model: no object per
 * line or per point. Each numeric or boolean field of a line appends one
 * point to the NumberBuilder of the metric `<measurement>_<field>`. Where
 * the time goes, and what avoids it (bench/influx.ts measures it):
 * - tag sets: parsed and interned once per distinct raw text, then found by
 *   that text across requests (TagSetCache), as agents repeat their series;
 * - names: a line's measurement is compared in place with the previous
 *   line's, and its field keys with those of the last line of that
 *   measurement, before anything is scanned or looked up;
 * - values: each reader stops at the end of its own grammar, so a value's
 *   characters are visited once; timestamps are exact uint64 without BigInt.
 * A parser is reused across requests (its builders keep their capacity) and
 * is not re-entrant: parse() runs synchronously.
 *
 * Grammar and escaping follow the InfluxDB v2 line protocol reference and
 * its reference decoder (influxdata/line-protocol v2):
 * - measurement: `\,` and `\ ` are escapes; tag keys, tag values and field
 *   keys: `\,`, `\=` and `\ `. A backslash before any other character
 *   (including another backslash) is kept as is, so a delimiter is escaped
 *   exactly when a backslash stands right before it.
 * - string field values: double-quoted, `\"` and `\\` are escapes, raw
 *   newlines allowed inside the quotes.
 * - `#` comments and blank lines (also after leading spaces); LF or CRLF.
 * - a field key repeated within one line: the last value wins (as InfluxDB).
 */

export interface ParseResult {
  /** One gauge per `<measurement>_<field>`, in order of first appearance; empty when errors is not. */
  readonly metrics: GaugeMetric[];
  readonly points: number;
  /** Lines that held a point (not blank, not comments), good or bad. */
  readonly lines: number;
  /** String field values seen (the model has no string points, so they are dropped). */
  readonly stringFields: number;
  readonly badLines: number;
  /** The first MAX_REPORTED problems, each `line N: what was expected at column C`. */
  readonly errors: readonly string[];
}

/** How many bad lines are described in a rejection (all are counted). */
export const MAX_REPORTED = 5;

/** A builder holding more points than this after a request is dropped rather than kept for reuse. */
const KEEP_BUILDER_POINTS = 1 << 16;
const KEEP_BUILDERS = 1024;

interface Slot {
  readonly name: string;
  readonly builder: NumberBuilder;
  /** Serial of the line that last wrote a point here, and that point's index. */
  line: number;
  index: number;
}

interface Measurement {
  readonly name: string;
  readonly slots: Map<string, Slot>;
  /** Raw field keys of the latest line by position, and their slots: most lines repeat the previous line's keys. */
  readonly keys: string[];
  readonly keySlots: Slot[];
}

class LineProblem {
  constructor(
    readonly what: string,
    readonly at: number,
  ) {}
}

const COMMA = 44;
const SPACE = 32;
const EQUALS = 61;
const BACKSLASH = 92;
const QUOTE = 34;
const NEWLINE = 10;
const CR = 13;
const HASH = 35;

/**
 * Character classes for the scanner, as bits: which characters end an
 * element and which a backslash escapes differ by element (see scan()).
 */
const C_SPACE = 1;
const C_COMMA = 2;
const C_EQUALS = 4;
const C_BACKSLASH = 8;
const C_CONTROL = 16;
const CLASS = new Uint8Array(128);
for (let c = 0; c < 32; c++) CLASS[c] = C_CONTROL;
CLASS[127] = C_CONTROL;
CLASS[SPACE] = C_SPACE;
CLASS[COMMA] = C_COMMA;
CLASS[EQUALS] = C_EQUALS;
CLASS[BACKSLASH] = C_BACKSLASH;

/** Escapable in a measurement, and in tag keys, tag values and field keys. */
const MEASUREMENT_ESCAPES = C_COMMA | C_SPACE;
const KEY_ESCAPES = C_COMMA | C_EQUALS | C_SPACE;

export class LineProtocolParser {
  private s = '';
  private lineStart = 0;
  /** End of the current line's content (before CR/LF), and where the next line starts. */
  private end = 0;
  private next = 0;
  /** Newlines crossed inside string values of the current line. */
  private extraLines = 0;
  private serial = 0;
  private readonly v = new LpValue();
  private readonly now = new Uint32Array(2);
  private readonly pool: NumberBuilder[] = [];
  private slots: Slot[] = [];
  private readonly measurements = new Map<string, Measurement>();
  private readonly tagSets = new TagSetCache();
  private lastRaw = '';
  private last: Measurement | undefined;
  private readonly touched: Slot[] = [];
  private nTouched = 0;
  private stringFields = 0;
  /** Whether the last scan() saw a backslash. */
  private escaped = false;
  /** Index of the next space at or after the last search position (see spaceAfter). */
  private nextSpace = -1;

  /** Parses a whole request body; `nowMs` stamps lines that carry no timestamp. */
  parse(text: string, precision: Precision, nowMs: number): ParseResult {
    this.s = text;
    this.nextSpace = -1;
    this.slots = [];
    this.stringFields = 0;
    setTimeMs(this.now, 0, nowMs);
    const errors: string[] = [];
    let badLines = 0;
    let lines = 0;
    let points = 0;
    let lineNo = 0;
    let pos = 0;
    const len = text.length;
    try {
      while (pos < len) {
        lineNo++;
        let nl = text.indexOf('\n', pos);
        if (nl < 0) nl = len;
        let e = nl;
        if (e > pos && text.charCodeAt(e - 1) === CR) e--;
        let p = pos;
        while (p < e && text.charCodeAt(p) === SPACE) p++;
        if (p === e || text.charCodeAt(p) === HASH) {
          pos = nl + 1;
          continue;
        }
        lines++;
        this.lineStart = pos;
        this.end = e;
        this.next = nl + 1;
        this.extraLines = 0;
        try {
          points += this.parseLine(p, precision);
        } catch (err) {
          if (!(err instanceof LineProblem)) throw err;
          badLines++;
          if (errors.length < MAX_REPORTED) errors.push(`line ${lineNo}: ${err.what} at column ${err.at - this.lineStart + 1}`);
        }
        lineNo += this.extraLines;
        pos = this.next;
      }
      return { points, lines, stringFields: this.stringFields, badLines, errors, metrics: badLines > 0 ? [] : this.finish() };
    } finally {
      this.release();
    }
  }

  /** Parses one line starting at p (its first non-space); returns the points it added. */
  private parseLine(p: number, precision: Precision): number {
    const s = this.s;
    const serial = ++this.serial;
    this.nTouched = 0;
    let e = this.end;

    // Measurement: up to the first unescaped comma or space; usually the previous line's.
    const m0 = p;
    let m = this.last;
    if (m !== undefined && this.lastFits(p, this.lastRaw, C_COMMA | C_SPACE)) p += this.lastRaw.length;
    else {
      p = this.scan(p, e, C_COMMA | C_SPACE, MEASUREMENT_ESCAPES, 'the measurement');
      if (p === m0) throw new LineProblem('expected a measurement name', p);
      if (p === e) throw new LineProblem(`expected a field set after measurement ${quote(s, m0, p)}`, p);
      m = this.measurement(m0, p, this.escaped);
    }
    const m1 = p;

    // Tag set: up to the first unescaped space, parsed once per distinct raw text.
    let attrs = Attributes.EMPTY;
    if (s.charCodeAt(p) === COMMA) {
      const t0 = ++p;
      p = this.spaceAfter(p);
      while (p < e && s.charCodeAt(p - 1) === BACKSLASH) p = this.spaceAfter(p + 1);
      if (p >= e) {
        this.scan(t0, e, 0, 0, 'the tag set');
        throw new LineProblem('expected a field set after the tag set', e);
      }
      const raw = s.substring(t0, p);
      attrs = this.tagSets.get(raw) ?? this.parseTags(t0, p, raw);
    }
    while (p < e && s.charCodeAt(p) === SPACE) p++;
    if (p === e) throw new LineProblem(`expected a field set after measurement ${quote(s, m0, m1)}`, p);

    // Field set.
    const v = this.v;
    for (let field = 0; ; field++) {
      const k0 = p;
      let slot: Slot | undefined;
      const known = m.keys[field];
      if (known !== undefined && this.lastFits(p, known, C_EQUALS)) {
        slot = m.keySlots[field];
        p += known.length;
      } else {
        p = this.scan(p, e, C_EQUALS | C_COMMA | C_SPACE, KEY_ESCAPES, 'a field key');
        if (p === k0) throw new LineProblem('expected a field key', p);
        if (p === e || s.charCodeAt(p) !== EQUALS) throw new LineProblem(`expected "=" after field key ${quote(s, k0, p)}`, p);
      }
      const k1 = p;
      const v0 = ++p;
      if (p === e) throw new LineProblem(`expected a value for field ${quote(s, k0, k1)}`, p);
      const c0 = s.charCodeAt(p);
      if (c0 === QUOTE) {
        p = this.skipString(p);
        e = this.end;
        this.stringFields++;
      } else {
        const bool = c0 === 116 || c0 === 84 || c0 === 102 || c0 === 70;
        if (bool) p = readBool(s, p, e, v);
        else if ((c0 >= 48 && c0 <= 57) || c0 === 45 || c0 === 46) p = readNumber(s, p, e, v);
        else throw new LineProblem(`expected a number, a boolean or a double-quoted string as the value of field ${quote(s, k0, k1)} (got ${quote(s, v0, this.tokenEnd(v0))})`, v0);
        if (v.problem !== undefined || (p < e && !this.isDelimiter(p))) {
          const what = v.problem ?? (bool ? BOOLEAN : 'a number');
          throw new LineProblem(`expected ${what} as the value of field ${quote(s, k0, k1)} (got ${quote(s, v0, this.tokenEnd(v0))})`, v0);
        }
        this.addPoint(slot ?? this.slot(m, field, k0, k1), serial, attrs);
      }
      if (p === e) break;
      const c = s.charCodeAt(p);
      if (c === SPACE) break;
      if (c !== COMMA) throw new LineProblem(`expected "," or " " after the value of field ${quote(s, k0, k1)} (got ${quote(s, p, p + 1)})`, p);
      p++;
    }

    // Timestamp, optional.
    while (p < e && s.charCodeAt(p) === SPACE) p++;
    let lo = this.now[0];
    let hi = this.now[1];
    if (p < e) {
      const t0 = p;
      p = readTimestamp(s, p, e, precision, v);
      if (v.problem !== undefined || (p < e && s.charCodeAt(p) !== SPACE)) {
        const what = v.problem ?? `an integer number of ${PRECISION_UNITS[precision]}`;
        throw new LineProblem(`expected ${what} as the timestamp (got ${quote(s, t0, this.tokenEnd(t0))})`, t0);
      }
      lo = v.lo;
      hi = v.hi;
      while (p < e && s.charCodeAt(p) === SPACE) p++;
      if (p < e) throw new LineProblem(`unexpected text after the timestamp: ${quote(s, p, e)}`, p);
    }
    for (let k = 0; k < this.nTouched; k++) {
      const slot = this.touched[k];
      const times = slot.builder.times;
      times[2 * slot.index] = lo;
      times[2 * slot.index + 1] = hi;
    }
    return this.nTouched;
  }

  /**
   * Whether the text at p is `raw` (a name seen before) followed by a
   * character of class `then`, which then is a real delimiter: raw ends in
   * no backslash that could escape it.
   */
  private lastFits(p: number, raw: string, then: number): boolean {
    const s = this.s;
    const n = raw.length;
    if (n === 0 || p + n >= this.end || raw.charCodeAt(n - 1) === BACKSLASH) return false;
    const d = s.charCodeAt(p + n);
    if (d >= 128 || (CLASS[d] & then) === 0) return false;
    for (let i = 0; i < n; i++) if (s.charCodeAt(p + i) !== raw.charCodeAt(i)) return false;
    return true;
  }

  /**
   * The first space at or after p, or the text's length. indexOf is native
   * and fast; the answer is remembered so that lines without the character
   * do not each search the rest of the body (parsing only moves forward).
   */
  private spaceAfter(p: number): number {
    if (p <= this.nextSpace) return this.nextSpace;
    const i = this.s.indexOf(' ', p);
    this.nextSpace = i < 0 ? this.s.length : i;
    return this.nextSpace;
  }

  private isDelimiter(p: number): boolean {
    const c = this.s.charCodeAt(p);
    return c === COMMA || c === SPACE;
  }

  /** End of the token starting at p (up to a comma, a space or the line end), for error messages. */
  private tokenEnd(p: number): number {
    const s = this.s;
    while (p < this.end && !this.isDelimiter(p)) p++;
    return p;
  }

  /**
   * Returns the index of the first character in [p, e) of a class in `stops`
   * that no backslash escapes, or e. A backslash escapes the next character
   * only if its class is in `escapes`; otherwise it is an ordinary character.
   * Sets `escaped` when a backslash was seen; control characters are errors.
   */
  private scan(p: number, e: number, stops: number, escapes: number, where: string): number {
    const s = this.s;
    let esc = false;
    for (; p < e; p++) {
      const c = s.charCodeAt(p);
      const k = c < 128 ? CLASS[c] : 0;
      if (k === 0) continue;
      if ((k & stops) !== 0) break;
      if (k === C_BACKSLASH) {
        esc = true;
        const d = s.charCodeAt(p + 1);
        if (p + 1 < e && d < 128 && (CLASS[d] & escapes) !== 0) p++;
      } else if (k === C_CONTROL) {
        throw new LineProblem(`unexpected control character U+${c.toString(16).toUpperCase().padStart(4, '0')} in ${where}`, p);
      }
    }
    this.escaped = esc;
    return p;
  }

  private measurement(m0: number, m1: number, esc: boolean): Measurement {
    const s = this.s;
    const raw = s.substring(m0, m1);
    const name = esc ? unescape(s, m0, m1, false) : raw;
    let m = this.measurements.get(name);
    if (m === undefined) {
      m = { name, slots: new Map(), keys: [], keySlots: [] };
      this.measurements.set(name, m);
    }
    this.lastRaw = raw;
    this.last = m;
    return m;
  }

  /** The metric of field key s[k0, k1) of measurement m; remembers it as the key at this position. */
  private slot(m: Measurement, field: number, k0: number, k1: number): Slot {
    const s = this.s;
    const raw = s.substring(k0, k1);
    const key = raw.includes('\\') ? unescape(s, k0, k1, true) : raw;
    let slot = m.slots.get(key);
    if (slot === undefined) {
      let builder = this.pool[this.slots.length];
      if (builder === undefined) this.pool.push((builder = new NumberBuilder()));
      slot = { name: `${m.name}_${key}`, builder, line: 0, index: 0 };
      m.slots.set(key, slot);
      this.slots.push(slot);
    }
    m.keys[field] = raw;
    m.keySlots[field] = slot;
    return slot;
  }

  private addPoint(slot: Slot, serial: number, attrs: Attributes): void {
    const v = this.v;
    const b = slot.builder;
    if (slot.line === serial) {
      // The same field twice in one line: the last value wins, as in InfluxDB.
      b.values[slot.index] = v.value;
      b.isInt[slot.index] = v.isInt;
      return;
    }
    const i = b.begin();
    b.values[i] = v.value;
    b.isInt[i] = v.isInt;
    b.commit(attrs);
    slot.line = serial;
    slot.index = i;
    this.touched[this.nTouched++] = slot;
  }

  /** Parses the tag set s[a, b) (known to hold no unescaped space). */
  private parseTags(a: number, b: number, raw: string): Attributes {
    const s = this.s;
    const keys: string[] = [];
    const values: string[] = [];
    let p = a;
    for (;;) {
      const k0 = p;
      p = this.scan(p, b, C_EQUALS | C_COMMA, KEY_ESCAPES, 'the tag set');
      if (p === k0) throw new LineProblem('expected a tag key', p);
      if (p === b || s.charCodeAt(p) !== EQUALS) throw new LineProblem(`expected "=" after tag key ${quote(s, k0, p)}`, p);
      keys.push(this.escaped ? unescape(s, k0, p, true) : s.substring(k0, p));
      const k1 = p;
      const v0 = ++p;
      // An unescaped "=" inside a tag value is taken literally (InfluxDB 1.x does; nothing is ambiguous).
      p = this.scan(p, b, C_COMMA, KEY_ESCAPES, 'the tag set');
      if (p === v0) throw new LineProblem(`expected a value for tag key ${quote(s, k0, k1)} (tag values cannot be empty)`, p);
      values.push(this.escaped ? unescape(s, v0, p, true) : s.substring(v0, p));
      if (p === b) break;
      p++;
    }
    const attrs = Attributes.of(keys, values);
    this.tagSets.set(raw, attrs);
    return attrs;
  }

  /**
   * Skips the string value whose opening quote is at p; returns the index
   * after the closing quote. A string may hold raw newlines: the current
   * line then ends at the first newline after the closing quote.
   */
  private skipString(p: number): number {
    const s = this.s;
    const len = s.length;
    let newlines = 0;
    let i = p + 1;
    for (; i < len; i++) {
      const c = s.charCodeAt(i);
      if (c === QUOTE) break;
      if (c === BACKSLASH) {
        const d = s.charCodeAt(i + 1);
        if (d === QUOTE || d === BACKSLASH) i++;
      } else if (c === NEWLINE) newlines++;
    }
    if (i >= len) throw new LineProblem('expected a closing double quote for the string value that starts', p);
    if (newlines > 0) {
      this.extraLines = newlines;
      let nl = s.indexOf('\n', i);
      if (nl < 0) nl = len;
      this.next = nl + 1;
      this.end = nl > i && s.charCodeAt(nl - 1) === CR ? nl - 1 : nl;
    }
    return i + 1;
  }

  private finish(): GaugeMetric[] {
    return this.slots.map((slot) => ({
      type: MetricType.Gauge,
      name: slot.name,
      description: '',
      unit: '',
      metadata: Attributes.EMPTY,
      points: slot.builder.finish(),
    }));
  }

  /** Drops the request's state; keeps a bounded set of builders for the next request. */
  private release(): void {
    for (const slot of this.slots) slot.builder.reset();
    this.slots = [];
    if (this.pool.length > KEEP_BUILDERS) this.pool.length = KEEP_BUILDERS;
    for (let i = 0; i < this.pool.length; i++) {
      if (this.pool[i].values.length > KEEP_BUILDER_POINTS) this.pool[i] = new NumberBuilder();
    }
    this.measurements.clear();
    this.touched.length = 0;
    this.last = undefined;
    this.lastRaw = '';
    this.s = '';
  }
}

/** Removes the backslash of each escape: `\,` and `\ ` (and `\=` when `equals`); other backslashes stay. */
function unescape(s: string, a: number, b: number, equals: boolean): string {
  let out = '';
  let from = a;
  for (let i = a; i < b - 1; i++) {
    if (s.charCodeAt(i) !== BACKSLASH) continue;
    const d = s.charCodeAt(i + 1);
    if (d === COMMA || d === SPACE || (equals && d === EQUALS)) {
      out += s.substring(from, i);
      from = i + 1;
      i++;
    }
  }
  return out + s.substring(from, b);
}

/** Text of the request for an error message, quoted and cut short. */
function quote(s: string, a: number, b: number): string {
  const t = s.substring(a, Math.min(b, a + 64));
  return JSON.stringify(b - a > 64 ? `${t}...` : t);
}

