import { z } from 'zod';
import { isSecretKey } from './redact.js';

/**
 * Building blocks for component config schemas. Every schema built from them
 * produces errors that `formatIssues` turns into one line per problem, of the
 * form `path::to::key: what was expected (got value)`.
 */

export { z };

/** A config section: unknown keys are errors that list the valid keys. */
export function section<S extends z.ZodRawShape>(shape: S) {
  const valid = Object.keys(shape).sort();
  return z.strictObject(shape, {
    error: (iss) => {
      if (iss.code === 'unrecognized_keys') {
        const keys = iss.keys.map((k) => `"${k}"`).join(', ');
        return `unknown key${iss.keys.length > 1 ? 's' : ''} ${keys}; valid keys are: ${valid.join(', ')}`;
      }
      if (iss.code === 'invalid_type') return 'must be a map of settings';
      return undefined;
    },
  });
}

/**
 * An optional sub-section that is switched on by being present, as in the
 * Collector: `grpc:` with no value means "on, with defaults".
 */
export function presence<T extends z.ZodTypeAny>(schema: T) {
  return z.preprocess((v) => (v === null ? {} : v), schema.optional());
}

const UNITS: Record<string, number> = { ns: 1e-6, us: 1e-3, µs: 1e-3, ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/**
 * Parses a Go-style duration ("30s", "1m30s", "250ms", "1.5h") into milliseconds.
 * A bare number is nanoseconds, as the Collector reads a YAML integer for a duration.
 */
export function parseDuration(v: unknown): number | undefined {
  if (typeof v === 'number' && Number.isFinite(v) && v >= 0) return v / 1e6;
  if (typeof v !== 'string') return undefined;
  const s = v.trim();
  if (s === '0') return 0;
  const re = /(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)/gy;
  let total = 0;
  let matched = 0;
  let m: RegExpExecArray | null;
  while ((m = re.exec(s)) !== null) {
    total += Number(m[1]) * UNITS[m[2]];
    matched = re.lastIndex;
  }
  return matched === s.length && matched > 0 ? total : undefined;
}

/** A duration, in milliseconds once parsed. */
export function duration(defaultValue?: string) {
  const d = z.unknown().transform((v, ctx) => {
    const ms = parseDuration(v);
    if (ms === undefined) {
      ctx.issues.push({ code: 'custom', message: 'must be a duration like "30s", "500ms" or "1m30s"', input: v });
      return z.NEVER;
    }
    return ms;
  });
  return defaultValue === undefined ? d : z.preprocess((v) => (v === undefined ? defaultValue : v), d);
}

/** host:port, as the Collector writes endpoints; host may be empty (all interfaces) or [v6]. */
export function endpoint(defaultValue: string) {
  return z
    .string({ error: 'must be an endpoint like "localhost:4317"' })
    .default(defaultValue)
    .refine((v) => parseEndpoint(v) !== undefined, { message: 'must be an endpoint like "localhost:4317" (host:port, port 0-65535)' });
}

export function parseEndpoint(v: string): { host: string; port: number } | undefined {
  const m = /^(\[[^\]]*\]|[^:]*):(\d{1,5})$/.exec(v);
  if (m === null) return undefined;
  const port = Number(m[2]);
  if (port > 65535) return undefined;
  let host = m[1];
  if (host.startsWith('[')) host = host.slice(1, -1);
  return { host: host === '' ? '0.0.0.0' : host, port };
}

export function str(): z.ZodOptional<z.ZodString>;
export function str(defaultValue: string): z.ZodDefault<z.ZodString>;
export function str(defaultValue?: string) {
  const s = z.string({ error: 'must be a string' });
  return defaultValue === undefined ? s.optional() : s.default(defaultValue);
}

export function bool(defaultValue: boolean) {
  return z.boolean({ error: 'must be true or false' }).default(defaultValue);
}

export function int(defaultValue: undefined, min?: number, max?: number): z.ZodOptional<z.ZodNumber>;
export function int(defaultValue: number, min?: number, max?: number): z.ZodDefault<z.ZodNumber>;
export function int(defaultValue: number | undefined, min = 0, max = Number.MAX_SAFE_INTEGER) {
  const i = z
    .number({ error: 'must be a whole number' })
    .int({ message: 'must be a whole number' })
    .min(min, { message: `must be at least ${min}` })
    .max(max, { message: `must be at most ${max}` });
  return defaultValue === undefined ? i.optional() : i.default(defaultValue);
}

export function num(defaultValue: undefined, min?: number, max?: number): z.ZodOptional<z.ZodNumber>;
export function num(defaultValue: number, min?: number, max?: number): z.ZodDefault<z.ZodNumber>;
export function num(defaultValue: number | undefined, min = -Infinity, max = Infinity) {
  const n = z.number({ error: 'must be a number' }).min(min, { message: `must be at least ${min}` }).max(max, { message: `must be at most ${max}` });
  return defaultValue === undefined ? n.optional() : n.default(defaultValue);
}

export function oneOf<const T extends readonly [string, ...string[]]>(values: T): z.ZodOptional<z.ZodType<T[number]>>;
export function oneOf<const T extends readonly [string, ...string[]]>(values: T, defaultValue: T[number]): z.ZodDefault<z.ZodType<T[number]>>;
export function oneOf<const T extends readonly [string, ...string[]]>(values: T, defaultValue?: T[number]) {
  const e = z.enum(values, { error: `must be one of: ${values.join(', ')}` }) as unknown as z.ZodType<T[number]>;
  return defaultValue === undefined ? e.optional() : e.default(defaultValue as never);
}

export function stringMap() {
  return z.record(z.string(), z.string({ error: 'must be a string' }), { error: 'must be a map of strings' }).default({});
}

export function stringList() {
  return z.array(z.string({ error: 'must be a string' }), { error: 'must be a list of strings' }).default([]);
}

/** Renders zod issues as `a::b::c: message (got value)` lines, looking values up in `input`; values under secret keys (redact.ts) are never echoed. */
export function formatIssues(issues: readonly z.core.$ZodIssue[], prefix: readonly (string | number)[], input: unknown): string[] {
  return issues.map((iss) => {
    const path = [...prefix, ...iss.path.map((p) => (typeof p === 'symbol' ? String(p) : p))];
    let message = iss.message;
    if (iss.code === 'invalid_type' && message.startsWith('Invalid input')) message = `must be a ${iss.expected}`;
    if (iss.code === 'invalid_union') message = message.startsWith('Invalid input') ? 'is not one of the accepted forms' : message;
    const at = lookup(input, iss.path);
    const hidden = iss.code === 'unrecognized_keys' || at === undefined || iss.path.some((p) => typeof p === 'string' && isSecretKey(p));
    const got = hidden ? '' : ` (got ${describe(at)})`;
    return `${path.join('::')}: ${message}${got}`;
  });
}

function lookup(v: unknown, path: readonly PropertyKey[]): unknown {
  let cur = v;
  for (const p of path) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<PropertyKey, unknown>)[p];
  }
  return cur;
}

export function describe(v: unknown): string {
  if (v === null) return 'nothing';
  const s = typeof v === 'string' ? JSON.stringify(v) : typeof v === 'object' ? JSON.stringify(v) : String(v);
  return s.length > 60 ? `${s.slice(0, 57)}...` : s;
}
