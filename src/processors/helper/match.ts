import { section, z } from '../../config/schema.js';
import { type AnyValue, KvList, anyValueEqual, anyValueToString } from '../../model/any-value.js';
import type { Attributes } from '../../model/attributes.js';
import { checkGoRegexp, compileGoRegexp } from './go-regexp.js';

/**
 * The Collector's legacy matching (filterset, filtermatcher): a list of
 * strings matched `strict` (equal) or `regexp` (RE2, unanchored), and a list
 * of attributes that must all match, each by key alone (no value) or by value.
 */

export type MatchType = 'strict' | 'regexp';

/** YAML scalars and lists as OTLP values: whole numbers become ints, as the Collector reads a YAML integer. */
export function configValue(v: unknown): AnyValue {
  if (typeof v === 'number') return Number.isInteger(v) ? BigInt(v) : v;
  if (typeof v === 'string' || typeof v === 'boolean' || v === null || v === undefined) return v ?? null;
  if (Array.isArray(v)) return v.map(configValue);
  if (typeof v === 'object') {
    const keys = Object.keys(v);
    return new KvList(keys, keys.map((k) => configValue((v as Record<string, unknown>)[k])));
  }
  return String(v);
}

export const attributeMatchSchema = section({
  key: z.string({ error: 'must be an attribute key' }).min(1, { message: 'must not be empty' }),
  /** Absent: the key must exist, with any value. */
  value: z.unknown().optional(),
});
export type AttributeMatchConfig = z.infer<typeof attributeMatchSchema>;

/** The Collector's `regexp:` cache settings; accepted and ignored (patterns are compiled once). */
export const regexpCacheSchema = section({
  cacheenabled: z.boolean().optional(),
  cachemaxnumentries: z.number().optional(),
}).optional();

export const matchTypeSchema = z.enum(['strict', 'regexp'], { error: 'must be one of: strict, regexp' });

/** Problems with patterns (for validate), each prefixed with where it is. */
export function checkPatterns(matchType: string | undefined, names: readonly string[], attrs: readonly AttributeMatchConfig[], namesKey: string, attrsKey: string): string[] {
  if (matchType !== 'regexp') return [];
  const out: string[] = [];
  names.forEach((n, i) => {
    const e = checkGoRegexp(n);
    if (e !== undefined) out.push(`${namesKey}::${i}: ${e}`);
  });
  attrs.forEach((a, i) => {
    if (a.value === undefined) return;
    if (typeof a.value !== 'string') out.push(`${attrsKey}::${i}::value: with match_type regexp the value must be a string pattern (got ${JSON.stringify(a.value)})`);
    else {
      const e = checkGoRegexp(a.value);
      if (e !== undefined) out.push(`${attrsKey}::${i}::value: ${e}`);
    }
  });
  return out;
}

export class StringMatcher {
  private readonly exact: ReadonlySet<string>;
  private readonly patterns: readonly RegExp[];

  constructor(matchType: MatchType, items: readonly string[]) {
    this.exact = new Set(matchType === 'strict' ? items : []);
    this.patterns = matchType === 'regexp' ? items.map(compileGoRegexp) : [];
  }

  matches(s: string): boolean {
    if (this.exact.has(s)) return true;
    for (const re of this.patterns) if (re.test(s)) return true;
    return false;
  }
}

interface AttrCheck {
  readonly key: string;
  readonly equal?: AnyValue;
  readonly pattern?: RegExp;
}

/** All listed attributes must match. */
export class AttributesMatcher {
  private readonly checks: readonly AttrCheck[];

  constructor(matchType: MatchType, attrs: readonly AttributeMatchConfig[]) {
    this.checks = attrs.map((a) => {
      if (a.value === undefined) return { key: a.key };
      if (matchType === 'regexp') return { key: a.key, pattern: compileGoRegexp(String(a.value)) };
      return { key: a.key, equal: configValue(a.value) };
    });
  }

  matches(attrs: Attributes): boolean {
    for (const c of this.checks) {
      const v = attrs.get(c.key);
      if (v === undefined) return false;
      if (c.equal !== undefined && !anyValueEqual(c.equal, v)) return false;
      if (c.pattern !== undefined && (!isScalar(v) || !c.pattern.test(anyValueToString(v)))) return false;
    }
    return true;
  }
}

function isScalar(v: AnyValue): boolean {
  return typeof v === 'string' || typeof v === 'number' || typeof v === 'bigint' || typeof v === 'boolean';
}
