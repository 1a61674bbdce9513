import { createHash } from 'node:crypto';
import type { ClientInfo } from '../../component/component.js';
import { section, str, z } from '../../config/schema.js';
import { type AnyValue, anyValueToString } from '../../model/any-value.js';
import { Attributes } from '../../model/attributes.js';
import { type ContextKey, contextValue, parseContextKey } from './context-value.js';
import { checkGoRegexp, compileGoRegexp } from './go-regexp.js';
import { configValue } from './match.js';

/**
 * The actions of the Collector's attributes and resource processors, applied
 * to interned attribute sets: insert, update, upsert, delete, hash (SHA-256),
 * extract (named regexp groups) and convert. Actions run in order, each
 * seeing the result of the one before.
 *
 * Performance contract: the result depends only on the input set and the
 * request context, so callers compute it once per distinct input set in a
 * batch (see `forBatch`), never once per point.
 */

const ACTIONS = ['insert', 'update', 'upsert', 'delete', 'hash', 'extract', 'convert'] as const;
type ActionName = (typeof ACTIONS)[number];

export const actionSchema = section({
  key: str(),
  /** Any YAML value: string, number (whole numbers are ints), bool, list or map. */
  value: z.unknown().optional(),
  pattern: str(),
  from_attribute: str(),
  from_context: str(),
  converted_type: str(),
  /** Upper or lower case, as the Collector accepts. */
  action: z.preprocess((v) => (typeof v === 'string' ? v.toLowerCase() : v), z.enum(ACTIONS, { error: `must be one of: ${ACTIONS.join(', ')}` })),
});
export type ActionConfig = z.infer<typeof actionSchema>;

export const actionsSchema = z.array(actionSchema, { error: 'must be a list of actions' });

/** The Collector's rules for which fields each action takes; messages are relative to the processor's config. */
export function checkActions(actions: readonly ActionConfig[], opts: { requireOne: boolean } = { requireOne: true }): string[] {
  const out: string[] = [];
  if (opts.requireOne && actions.length === 0) out.push('actions: at least one action is required, e.g. [{key: env, value: prod, action: insert}]');
  actions.forEach((a, i) => {
    const at = (k?: string) => `actions::${i}${k === undefined ? '' : `::${k}`}`;
    const sources = [a.value !== undefined, a.from_attribute !== undefined, a.from_context !== undefined].filter(Boolean).length;
    const noKey = a.key === undefined || a.key === '';
    switch (a.action) {
      case 'insert':
      case 'update':
      case 'upsert':
        if (noKey) out.push(`${at('key')}: required for action ${a.action}`);
        if (sources === 0) out.push(`${at()}: action ${a.action} needs one of value, from_attribute or from_context`);
        if (sources > 1) out.push(`${at()}: action ${a.action} takes only one of value, from_attribute or from_context`);
        if (a.pattern !== undefined) out.push(`${at('pattern')}: action ${a.action} does not use pattern`);
        if (a.converted_type !== undefined) out.push(`${at('converted_type')}: action ${a.action} does not use converted_type`);
        break;
      case 'delete':
      case 'hash':
        if (noKey && a.pattern === undefined) out.push(`${at()}: action ${a.action} needs key, pattern or both`);
        if (a.value !== undefined || a.from_attribute !== undefined || a.from_context !== undefined) out.push(`${at()}: action ${a.action} does not use value, from_attribute or from_context`);
        if (a.converted_type !== undefined) out.push(`${at('converted_type')}: action ${a.action} does not use converted_type`);
        if (a.pattern !== undefined) pushRegexpProblem(out, at('pattern'), a.pattern);
        break;
      case 'extract': {
        if (noKey) out.push(`${at('key')}: required for action extract (the attribute to extract from)`);
        if (sources > 0) out.push(`${at()}: action extract does not use value, from_attribute or from_context`);
        if (a.converted_type !== undefined) out.push(`${at('converted_type')}: action extract does not use converted_type`);
        if (a.pattern === undefined) {
          out.push(`${at('pattern')}: required for action extract, a regexp with named groups such as "^(?P<region>[a-z]+)-(?P<zone>\\d)$"`);
          break;
        }
        if (pushRegexpProblem(out, at('pattern'), a.pattern)) break;
        const groups = groupNames(compileGoRegexp(a.pattern));
        if (groups.named === 0) out.push(`${at('pattern')}: has no named groups; name each group, e.g. (?P<name>...)`);
        else if (groups.unnamed > 0) out.push(`${at('pattern')}: every group must be named, e.g. (?P<name>...); use (?:...) for grouping only`);
        break;
      }
      case 'convert':
        if (noKey) out.push(`${at('key')}: required for action convert`);
        if (sources > 0 || a.pattern !== undefined) out.push(`${at()}: action convert does not use value, from_attribute, from_context or pattern`);
        if (a.converted_type === undefined) out.push(`${at('converted_type')}: required for action convert; one of int, double, string`);
        else if (!['int', 'double', 'string'].includes(a.converted_type)) out.push(`${at('converted_type')}: must be one of: int, double, string (got ${JSON.stringify(a.converted_type)})`);
        break;
    }
  });
  return out;
}

function pushRegexpProblem(out: string[], path: string, pattern: string): boolean {
  const e = checkGoRegexp(pattern);
  if (e !== undefined) out.push(`${path}: ${e}`);
  return e !== undefined;
}

/** Counts named and unnamed capturing groups by probing with an empty-matching alternative. */
function groupNames(re: RegExp): { named: number; unnamed: number } {
  const total = new RegExp(`${re.source}|`, re.flags).exec('')!.length - 1;
  const named = Object.keys(new RegExp(`${re.source}|`, re.flags).exec('')!.groups ?? {}).length;
  return { named, unnamed: total - named };
}

type Source = { readonly value: AnyValue } | { readonly attr: string } | { readonly ctx: ContextKey };

type Compiled =
  | { readonly op: 'insert' | 'update' | 'upsert'; readonly key: string; readonly source: Source }
  | { readonly op: 'delete' | 'hash'; readonly key: string | undefined; readonly pattern: RegExp | undefined }
  | { readonly op: 'extract'; readonly key: string; readonly re: RegExp }
  | { readonly op: 'convert'; readonly key: string; readonly to: 'int' | 'double' | 'string' };

function compile(a: ActionConfig): Compiled {
  const op: ActionName = a.action;
  switch (op) {
    case 'insert':
    case 'update':
    case 'upsert': {
      const source: Source =
        a.from_context !== undefined ? { ctx: parseContextKey(a.from_context) } : a.from_attribute !== undefined ? { attr: a.from_attribute } : { value: configValue(a.value) };
      return { op, key: a.key!, source };
    }
    case 'delete':
    case 'hash':
      return { op, key: a.key === '' ? undefined : a.key, pattern: a.pattern === undefined ? undefined : compileGoRegexp(a.pattern) };
    case 'extract':
      return { op, key: a.key!, re: compileGoRegexp(a.pattern!) };
    case 'convert':
      return { op, key: a.key!, to: a.converted_type as 'int' | 'double' | 'string' };
  }
}

/**
 * A working copy of an attribute set: parallel arrays kept sorted by key (as
 * interned sets are), so that turning it back into an interned set at the end
 * needs no sort.
 */
class Working {
  readonly keys: string[];
  readonly values: AnyValue[];
  changed = false;

  constructor(a: Attributes) {
    this.keys = a.keys.slice();
    this.values = a.values.slice();
  }

  indexOf(k: string): number {
    return this.keys.indexOf(k);
  }

  set(k: string, v: AnyValue): void {
    const keys = this.keys;
    let i = 0;
    while (i < keys.length && keys[i] < k) i++;
    if (keys[i] === k) this.values[i] = v;
    else {
      keys.splice(i, 0, k);
      this.values.splice(i, 0, v);
    }
    this.changed = true;
  }

  removeAt(i: number): void {
    this.keys.splice(i, 1);
    this.values.splice(i, 1);
    this.changed = true;
  }
}

export class AttrActions {
  private readonly actions: readonly Compiled[];
  /** Whether any action reads the request context (then results differ per request). */
  readonly usesContext: boolean;

  constructor(configs: readonly ActionConfig[]) {
    this.actions = configs.map(compile);
    this.usesContext = this.actions.some((a) => 'source' in a && 'ctx' in a.source);
  }

  private readonly results = new ResultCache();

  /**
   * Returns a function for one batch (one request context) that maps an
   * input set to its output, remembering each distinct input it has seen,
   * in this batch and (bounded) across batches: the same series come back
   * with every export, so in steady state the actions hardly ever run.
   */
  forBatch(client: ClientInfo): (a: Attributes) => Attributes {
    const ctxValues = this.actions.map((a) => ('source' in a && 'ctx' in a.source ? contextValue(client, a.source.ctx) : undefined));
    const signature = this.usesContext ? ctxValues.map((v) => (v === undefined ? '\u0001' : v)).join('\u0000') : '';
    // The table of this signature, fetched once per batch: in steady state a
    // point costs one map lookup (no per-batch memo to fill).
    let table = this.results.table(signature);
    return (a) => {
      let out = table.get(a);
      if (out === undefined) {
        out = this.results.get(signature, a);
        if (out === undefined) {
          out = this.apply(a, ctxValues);
          this.results.set(signature, a, out);
        }
        // get and set may have started a new generation.
        table = this.results.table(signature);
      }
      return out;
    };
  }

  /** Applies every action once; `ctxValues[i]` is the context value of action i, resolved per batch. */
  apply(a: Attributes, ctxValues: readonly (string | undefined)[]): Attributes {
    const w = new Working(a);
    this.actions.forEach((act, n) => {
      switch (act.op) {
        case 'insert':
        case 'update':
        case 'upsert': {
          const v = sourceValue(act.source, w, ctxValues[n]);
          if (v === undefined) return;
          const exists = w.indexOf(act.key) >= 0;
          if ((act.op === 'insert' && exists) || (act.op === 'update' && !exists)) return;
          w.set(act.key, v);
          return;
        }
        case 'delete':
          for (let i = w.keys.length - 1; i >= 0; i--) if (keyMatches(act, w.keys[i])) w.removeAt(i);
          return;
        case 'hash':
          for (let i = 0; i < w.keys.length; i++) if (keyMatches(act, w.keys[i])) w.set(w.keys[i], sha256Hex(w.values[i]));
          return;
        case 'extract': {
          const i = w.indexOf(act.key);
          if (i < 0 || typeof w.values[i] !== 'string') return;
          const m = act.re.exec(w.values[i] as string);
          if (m === null || m.groups === undefined) return;
          for (const [name, v] of Object.entries(m.groups)) w.set(name, v ?? '');
          return;
        }
        case 'convert': {
          const i = w.indexOf(act.key);
          if (i < 0) return;
          const v = convert(w.values[i], act.to);
          if (v !== w.values[i]) w.set(act.key, v);
          return;
        }
      }
    });
    return w.changed ? Attributes.of(w.keys, w.values) : a;
  }
}

/**
 * Results by request-context signature and input set, across batches, in two
 * generations as the intern table keeps its sets: when the current one is
 * full the previous one is dropped, and what is still in use moves forward.
 * Entries refer to interned sets only, so the cost is the map entries.
 */
class ResultCache {
  private current = new Map<string, Map<Attributes, Attributes>>();
  private previous = new Map<string, Map<Attributes, Attributes>>();
  private size = 0;

  constructor(private readonly capacity = 16_384) {}

  /** The current generation's entries for `signature` (created empty if none). */
  table(signature: string): Map<Attributes, Attributes> {
    let m = this.current.get(signature);
    if (m === undefined) this.current.set(signature, (m = new Map()));
    return m;
  }

  get(signature: string, a: Attributes): Attributes | undefined {
    const hit = this.current.get(signature)?.get(a);
    if (hit !== undefined) return hit;
    const old = this.previous.get(signature)?.get(a);
    if (old !== undefined) this.set(signature, a, old);
    return old;
  }

  set(signature: string, a: Attributes, out: Attributes): void {
    if (this.size >= this.capacity) {
      this.previous = this.current;
      this.current = new Map();
      this.size = 0;
    }
    this.table(signature).set(a, out);
    this.size++;
  }
}

function keyMatches(act: { key: string | undefined; pattern: RegExp | undefined }, k: string): boolean {
  return k === act.key || (act.pattern !== undefined && act.pattern.test(k));
}

function sourceValue(s: Source, w: Working, ctx: string | undefined): AnyValue | undefined {
  if ('value' in s) return s.value;
  if ('ctx' in s) return ctx;
  const i = w.indexOf(s.attr);
  return i < 0 ? undefined : w.values[i];
}

/**
 * SHA-256 of the value's bytes, hex: strings as UTF-8, bools as one byte,
 * ints as 8 bytes little-endian two's complement, doubles as their 8 IEEE
 * bytes little-endian (as the Collector hashes them); byte arrays as they
 * are; lists and maps by their JSON form.
 */
export function sha256Hex(v: AnyValue): string {
  let bytes: Uint8Array;
  if (typeof v === 'string') bytes = Buffer.from(v, 'utf8');
  else if (typeof v === 'boolean') bytes = Uint8Array.of(v ? 1 : 0);
  else if (typeof v === 'bigint') {
    const b = Buffer.alloc(8);
    b.writeBigInt64LE(BigInt.asIntN(64, v));
    bytes = b;
  } else if (typeof v === 'number') {
    const b = Buffer.alloc(8);
    b.writeDoubleLE(v);
    bytes = b;
  } else if (v instanceof Uint8Array) bytes = v;
  else if (v === null) return '';
  else bytes = Buffer.from(anyValueToString(v), 'utf8');
  return createHash('sha256').update(bytes).digest('hex');
}

/** The Collector's conversions; a value that cannot be converted is left as it is. */
export function convert(v: AnyValue, to: 'int' | 'double' | 'string'): AnyValue {
  switch (to) {
    case 'string':
      return typeof v === 'string' ? v : anyValueToString(v);
    case 'int':
      if (typeof v === 'number') return Number.isFinite(v) ? BigInt(Math.trunc(v)) : v;
      if (typeof v === 'boolean') return v ? 1n : 0n;
      if (typeof v === 'string' && /^[+-]?\d+$/.test(v)) {
        const n = BigInt(v);
        return n === BigInt.asIntN(64, n) ? n : v;
      }
      return v;
    case 'double':
      if (typeof v === 'bigint') return Number(v);
      if (typeof v === 'boolean') return v ? 1 : 0;
      if (typeof v === 'string') return parseGoFloat(v) ?? v;
      return v;
  }
}

/** strconv.ParseFloat's accepted forms that configs meet: decimal, exponent, inf, nan. */
function parseGoFloat(s: string): number | undefined {
  if (/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(s)) return Number(s);
  const l = s.toLowerCase();
  if (/^[+]?(inf|infinity)$/.test(l)) return Infinity;
  if (/^-(inf|infinity)$/.test(l)) return -Infinity;
  if (l === 'nan') return NaN;
  return undefined;
}
