import type { ClientInfo } from '../../component/component.js';
import { type AnyValue, anyValueEqual, anyValueToString } from '../../model/any-value.js';
import type { Attributes } from '../../model/attributes.js';
import { type Metric, MetricType, type Points, type Resource, type Scope, temporalityOf } from '../../model/metric.js';
import { contextValues, parseContextKey } from './context-value.js';
import { compileGoRegexp } from './go-regexp.js';

/**
 * A small, documented subset of the OpenTelemetry Transformation Language
 * (OTTL) conditions, enough for filtering and routing metrics:
 *
 * - logic: `and`, `or`, `not`, parentheses, `true`, `false`
 * - comparisons: `==`, `!=`, `<`, `<=`, `>`, `>=` between paths and literals
 *   (strings, ints, floats, `nil`, `true`/`false`, enums such as
 *   `METRIC_DATA_TYPE_SUM` or `AGGREGATION_TEMPORALITY_DELTA`)
 * - functions: `IsMatch(target, "regexp")`; in the metric context also
 *   `HasAttrKeyOnDatapoint("k")` and `HasAttrOnDatapoint("k", "v")`
 * - paths, by context (the context's own prefix, e.g. `metric.`, is optional):
 *   resource: `attributes["k"]`, `resource.attributes["k"]`
 *   metric: `name`, `description`, `unit`, `type`, `aggregation_temporality`,
 *     `is_monotonic`, `resource.attributes["k"]`, `instrumentation_scope.name`,
 *     `instrumentation_scope.version`, `instrumentation_scope.attributes["k"]`
 *   datapoint: `attributes["k"]`, `metric.<any metric path>`, `value_double`,
 *     `value_int`, `count`, `sum`, `flags`, plus the resource and scope paths
 *   every context: `request["k"]`, the request context as the routing
 *     connector reads it (a header with include_metadata, or `auth.<name>`,
 *     `client.address`; the first value, or nil)
 *
 * Anything else is rejected when the config loads, with an error naming the
 * unsupported construct. A missing attribute reads as `nil`; comparing values
 * of different types is false for `==` and ordering, true for `!=`.
 */

export type OttlContext = 'resource' | 'metric' | 'datapoint';

/** What a condition is evaluated against; `index` is the point (datapoint context only). */
export interface OttlTarget {
  resource: Resource;
  /** The request context, for `request["k"]`. */
  client?: ClientInfo;
  scope?: Scope;
  metric?: Metric;
  index?: number;
}

export interface Condition {
  readonly eval: (t: OttlTarget) => boolean;
  /** Datapoint context: true when the result depends on more than the point's attributes (its value...), so it cannot be memoised per attribute set. */
  readonly readsPointValues: boolean;
  readonly source: string;
}

export class OttlError extends Error {}

type Value = AnyValue | undefined;
type Getter = (t: OttlTarget) => Value;

const ENUMS: Record<string, bigint> = {
  METRIC_DATA_TYPE_NONE: 0n,
  METRIC_DATA_TYPE_GAUGE: BigInt(MetricType.Gauge),
  METRIC_DATA_TYPE_SUM: BigInt(MetricType.Sum),
  METRIC_DATA_TYPE_HISTOGRAM: BigInt(MetricType.Histogram),
  METRIC_DATA_TYPE_EXPONENTIAL_HISTOGRAM: BigInt(MetricType.ExponentialHistogram),
  METRIC_DATA_TYPE_SUMMARY: BigInt(MetricType.Summary),
  AGGREGATION_TEMPORALITY_UNSPECIFIED: 0n,
  AGGREGATION_TEMPORALITY_DELTA: 1n,
  AGGREGATION_TEMPORALITY_CUMULATIVE: 2n,
  FLAG_NONE: 0n,
  FLAG_NO_RECORDED_VALUE: 1n,
};

const FUNCTIONS: Record<OttlContext, readonly string[]> = {
  resource: ['IsMatch'],
  metric: ['IsMatch', 'HasAttrKeyOnDatapoint', 'HasAttrOnDatapoint'],
  datapoint: ['IsMatch'],
};

// ---- lexer ----

type Tok = { k: 'str'; v: string; at: number } | { k: 'num'; v: string; at: number } | { k: 'id'; v: string; at: number } | { k: 'p'; v: string; at: number } | { k: 'end'; at: number };

function lex(src: string): Tok[] {
  const out: Tok[] = [];
  let i = 0;
  while (i < src.length) {
    const c = src[i];
    if (/\s/.test(c)) {
      i++;
    } else if (c === '"') {
      let s = '';
      const at = i++;
      while (i < src.length && src[i] !== '"') {
        if (src[i] === '\\' && i + 1 < src.length) {
          const e = src[i + 1];
          s += e === 'n' ? '\n' : e === 't' ? '\t' : e;
          i += 2;
        } else s += src[i++];
      }
      if (i >= src.length) throw new OttlError(`unterminated string starting at column ${at + 1}`);
      i++;
      out.push({ k: 'str', v: s, at });
    } else if (/[0-9]/.test(c) || (c === '-' && /[0-9]/.test(src[i + 1] ?? ''))) {
      const m = /^-?\d+(\.\d+)?([eE][+-]?\d+)?/.exec(src.slice(i))!;
      out.push({ k: 'num', v: m[0], at: i });
      i += m[0].length;
    } else if (/[A-Za-z_]/.test(c)) {
      const m = /^[A-Za-z_][A-Za-z0-9_]*/.exec(src.slice(i))!;
      out.push({ k: 'id', v: m[0], at: i });
      i += m[0].length;
    } else {
      const two = src.slice(i, i + 2);
      if (['==', '!=', '<=', '>='].includes(two)) {
        out.push({ k: 'p', v: two, at: i });
        i += 2;
      } else if ('()[],.<>'.includes(c)) {
        out.push({ k: 'p', v: c, at: i++ });
      } else throw new OttlError(`unexpected character "${c}" at column ${i + 1}`);
    }
  }
  out.push({ k: 'end', at: src.length });
  return out;
}

// ---- parser: builds closures directly ----

class Parser {
  private pos = 0;
  readsPointValues = false;

  constructor(
    private readonly toks: Tok[],
    private readonly ctx: OttlContext,
  ) {}

  private peek(): Tok {
    return this.toks[this.pos];
  }

  private next(): Tok {
    return this.toks[this.pos++];
  }

  private isP(v: string): boolean {
    const t = this.peek();
    return t.k === 'p' && t.v === v;
  }

  private isWord(v: string): boolean {
    const t = this.peek();
    return t.k === 'id' && t.v === v;
  }

  private expectP(v: string): void {
    const t = this.next();
    if (t.k !== 'p' || t.v !== v) throw new OttlError(`expected "${v}" at column ${t.at + 1}${describeTok(t)}`);
  }

  parseCondition(): (t: OttlTarget) => boolean {
    const f = this.or();
    const t = this.peek();
    if (t.k !== 'end') throw new OttlError(`unexpected ${tokText(t)} at column ${t.at + 1}; conditions combine with and, or, not`);
    return f;
  }

  private or(): (t: OttlTarget) => boolean {
    let f = this.and();
    while (this.isWord('or')) {
      this.next();
      const a = f;
      const b = this.and();
      f = (t) => a(t) || b(t);
    }
    return f;
  }

  private and(): (t: OttlTarget) => boolean {
    let f = this.not();
    while (this.isWord('and')) {
      this.next();
      const a = f;
      const b = this.not();
      f = (t) => a(t) && b(t);
    }
    return f;
  }

  private not(): (t: OttlTarget) => boolean {
    if (this.isWord('not')) {
      this.next();
      const f = this.not();
      return (t) => !f(t);
    }
    return this.term();
  }

  private term(): (t: OttlTarget) => boolean {
    if (this.isP('(')) {
      this.next();
      const f = this.or();
      this.expectP(')');
      return f;
    }
    const left = this.value();
    const op = this.peek();
    if (op.k === 'p' && ['==', '!=', '<', '<=', '>', '>='].includes(op.v)) {
      this.next();
      const right = this.value();
      return comparison(op.v, left, right);
    }
    return (t) => left(t) === true;
  }

  private value(): Getter {
    const t = this.next();
    switch (t.k) {
      case 'str': {
        const v = t.v;
        return () => v;
      }
      case 'num': {
        const v: AnyValue = /[.eE]/.test(t.v) ? Number(t.v) : BigInt(t.v);
        return () => v;
      }
      case 'id': {
        if (t.v === 'nil') return () => null;
        if (t.v === 'true') return () => true;
        if (t.v === 'false') return () => false;
        if (t.v in ENUMS) {
          const v = ENUMS[t.v];
          return () => v;
        }
        if (this.isP('(')) return this.call(t.v, t.at);
        if (/^[A-Z][A-Z0-9_]*$/.test(t.v)) throw new OttlError(`unknown enum ${t.v}; supported: ${Object.keys(ENUMS).join(', ')}`);
        return this.path(t.v, t.at);
      }
      default:
        throw new OttlError(`expected a value at column ${t.at + 1}${describeTok(t)}`);
    }
  }

  private path(first: string, at: number): Getter {
    const parts = [first];
    while (this.isP('.')) {
      this.next();
      const t = this.next();
      if (t.k !== 'id') throw new OttlError(`expected a path segment after "." at column ${t.at + 1}`);
      parts.push(t.v);
    }
    let key: string | undefined;
    if (this.isP('[')) {
      this.next();
      const t = this.next();
      if (t.k !== 'str') throw new OttlError(`expected a quoted key in [...] at column ${t.at + 1}`);
      key = t.v;
      this.expectP(']');
      if (this.isP('[')) throw new OttlError(`nested keys (${parts.join('.')}["${key}"][...]) are not supported`);
    }
    const name = parts.join('.');
    const g = resolvePath(this.ctx, name, key);
    if (g === undefined) {
      const shown = key === undefined ? name : `${name}["${key}"]`;
      throw new OttlError(`path "${shown}" (column ${at + 1}) is not supported in the ${this.ctx} context; supported: ${SUPPORTED_PATHS[this.ctx]}`);
    }
    if (g.readsPointValues) this.readsPointValues = true;
    return g.get;
  }

  private call(fn: string, at: number): Getter {
    this.expectP('(');
    const args: Getter[] = [];
    const literals: (string | undefined)[] = [];
    while (!this.isP(')')) {
      const t = this.peek();
      literals.push(t.k === 'str' ? t.v : undefined);
      args.push(this.value());
      if (!this.isP(')')) this.expectP(',');
    }
    this.next();
    if (!FUNCTIONS[this.ctx].includes(fn)) {
      throw new OttlError(`function ${fn} (column ${at + 1}) is not supported in the ${this.ctx} context; supported: ${FUNCTIONS[this.ctx].join(', ')}`);
    }
    const arity = fn === 'HasAttrKeyOnDatapoint' ? 1 : 2;
    if (args.length !== arity) throw new OttlError(`${fn} takes ${arity} argument${arity > 1 ? 's' : ''} (got ${args.length})`);
    if (fn === 'IsMatch') {
      if (literals[1] === undefined) throw new OttlError('IsMatch: the pattern must be a string literal');
      let re: RegExp;
      try {
        re = compileGoRegexp(literals[1]);
      } catch (err) {
        throw new OttlError(`IsMatch: ${(err as Error).message}`);
      }
      const target = args[0];
      return (t) => {
        const v = target(t);
        return v !== undefined && v !== null && isScalar(v) && re.test(anyValueToString(v));
      };
    }
    if (literals.some((l) => l === undefined)) throw new OttlError(`${fn}: arguments must be string literals`);
    const [key, want] = literals as string[];
    return (t) => {
      const m = t.metric;
      if (m === undefined) return false;
      const attrs = m.points.attributes;
      for (const a of attrs) {
        const v = a.get(key);
        if (v !== undefined && (want === undefined || v === want)) return true;
      }
      return false;
    };
  }
}

function tokText(t: Tok): string {
  return t.k === 'end' ? 'the end' : t.k === 'str' ? JSON.stringify(t.v) : `"${t.v}"`;
}

function describeTok(t: Tok): string {
  return ` (found ${tokText(t)})`;
}

function isScalar(v: AnyValue): boolean {
  return typeof v === 'string' || typeof v === 'number' || typeof v === 'bigint' || typeof v === 'boolean';
}

function comparison(op: string, left: Getter, right: Getter): (t: OttlTarget) => boolean {
  switch (op) {
    case '==':
      return (t) => same(left(t), right(t));
    case '!=':
      return (t) => !same(left(t), right(t));
    default: {
      const test = op === '<' ? (c: number) => c < 0 : op === '<=' ? (c: number) => c <= 0 : op === '>' ? (c: number) => c > 0 : (c: number) => c >= 0;
      return (t) => {
        const c = order(left(t), right(t));
        return c !== undefined && test(c);
      };
    }
  }
}

function norm(v: Value): AnyValue {
  return v === undefined ? null : v;
}

function same(a: Value, b: Value): boolean {
  const x = norm(a);
  const y = norm(b);
  if ((typeof x === 'number' || typeof x === 'bigint') && (typeof y === 'number' || typeof y === 'bigint')) return Number(x) === Number(y);
  return anyValueEqual(x, y);
}

function order(a: Value, b: Value): number | undefined {
  if ((typeof a === 'number' || typeof a === 'bigint') && (typeof b === 'number' || typeof b === 'bigint')) {
    const x = Number(a);
    const y = Number(b);
    return x < y ? -1 : x > y ? 1 : 0;
  }
  if (typeof a === 'string' && typeof b === 'string') return a < b ? -1 : a > b ? 1 : 0;
  return undefined;
}

// ---- paths ----

interface PathGetter {
  readonly get: Getter;
  readonly readsPointValues: boolean;
}

const SUPPORTED_PATHS: Record<OttlContext, string> = {
  resource: 'attributes["k"], resource.attributes["k"], request["k"]',
  metric:
    'name, description, unit, type, aggregation_temporality, is_monotonic, resource.attributes["k"], instrumentation_scope.name, instrumentation_scope.version, instrumentation_scope.attributes["k"], request["k"]',
  datapoint:
    'attributes["k"], value_double, value_int, count, sum, flags, metric.name, metric.description, metric.unit, metric.type, metric.aggregation_temporality, metric.is_monotonic, resource.attributes["k"], instrumentation_scope.name, instrumentation_scope.version, instrumentation_scope.attributes["k"], request["k"]',
};

function attr(of: (t: OttlTarget) => Attributes | undefined, key: string): Getter {
  return (t) => of(t)?.get(key) ?? null;
}

function resolvePath(ctx: OttlContext, name: string, key: string | undefined): PathGetter | undefined {
  const plain = (get: Getter): PathGetter => ({ get, readsPointValues: false });
  const own = name.startsWith(`${ctx}.`) ? name.slice(ctx.length + 1) : name;
  // Paths every context shares.
  if (name === 'request' && key !== undefined) {
    const ck = parseContextKey(key);
    return plain((t) => (t.client === undefined ? null : (contextValues(t.client, ck)[0] ?? null)));
  }
  if (key !== undefined && (name === 'resource.attributes' || (ctx === 'resource' && own === 'attributes'))) return plain(attr((t) => t.resource.attributes, key));
  if (ctx === 'resource') return undefined;
  if (key !== undefined && name === 'instrumentation_scope.attributes') return plain(attr((t) => t.scope?.attributes, key));
  if (key === undefined && name === 'instrumentation_scope.name') return plain((t) => t.scope?.name ?? null);
  if (key === undefined && name === 'instrumentation_scope.version') return plain((t) => t.scope?.version ?? null);
  const metricField = ctx === 'metric' ? own : name.startsWith('metric.') ? name.slice(7) : undefined;
  if (metricField !== undefined && key === undefined) {
    const g = metricPath(metricField);
    if (g !== undefined) return plain(g);
  }
  if (ctx !== 'datapoint') return undefined;
  if (own === 'attributes' && key !== undefined) return plain((t) => t.metric?.points.attributes[t.index!].get(key) ?? null);
  if (key !== undefined) return undefined;
  const g = pointPath(own);
  return g === undefined ? undefined : { get: g, readsPointValues: true };
}

function metricPath(field: string): Getter | undefined {
  switch (field) {
    case 'name':
      return (t) => t.metric?.name ?? null;
    case 'description':
      return (t) => t.metric?.description ?? null;
    case 'unit':
      return (t) => t.metric?.unit ?? null;
    case 'type':
      return (t) => (t.metric === undefined ? null : BigInt(t.metric.type));
    case 'aggregation_temporality':
      return (t) => (t.metric === undefined ? null : BigInt(temporalityOf(t.metric)));
    case 'is_monotonic':
      return (t) => (t.metric?.type === MetricType.Sum ? t.metric.monotonic : false);
    default:
      return undefined;
  }
}

function pointPath(field: string): Getter | undefined {
  const pts = (t: OttlTarget): Points | undefined => t.metric?.points;
  switch (field) {
    case 'value_double':
      return (t) => {
        const p = pts(t);
        return p?.kind === 'number' && p.isInt[t.index!] === 0 ? p.values[t.index!] : 0;
      };
    case 'value_int':
      return (t) => {
        const p = pts(t);
        return p?.kind === 'number' && p.isInt[t.index!] === 1 ? BigInt(Math.trunc(p.values[t.index!])) : 0n;
      };
    case 'count':
      return (t) => {
        const p = pts(t);
        return p === undefined || p.kind === 'number' ? null : BigInt(p.counts[t.index!]);
      };
    case 'sum':
      return (t) => {
        const p = pts(t);
        return p === undefined || p.kind === 'number' ? null : p.sums[t.index!];
      };
    case 'flags':
      return (t) => {
        const p = pts(t);
        return p === undefined ? null : BigInt(p.flags[t.index!]);
      };
    default:
      return undefined;
  }
}

/** Parses one condition; throws OttlError naming what is unsupported or malformed. */
export function parseCondition(source: string, ctx: OttlContext): Condition {
  const p = new Parser(lex(source), ctx);
  const f = p.parseCondition();
  return { eval: f, readsPointValues: p.readsPointValues, source };
}

/** The message for a condition that does not parse, or undefined. */
export function checkCondition(source: string, ctx: OttlContext): string | undefined {
  try {
    parseCondition(source, ctx);
    return undefined;
  } catch (err) {
    if (err instanceof OttlError) return err.message;
    throw err;
  }
}

/** `route() where <condition>`, the routing statement form; returns the condition text. */
export function routeStatementCondition(statement: string): string | undefined {
  const m = /^\s*route\(\s*\)\s+where\s+([\s\S]+)$/.exec(statement);
  return m?.[1];
}
