import { parse as parseYamlScalar } from 'yaml';

/**
 * Environment expansion in string values, as the Collector's confmap does:
 * `${env:VAR}`, `${VAR}`, `${env:VAR:-default}`; `$$` is a literal `$`.
 * When a value is exactly one reference, the result is read as a YAML
 * scalar, so `port: ${env:PORT}` becomes a number. Unset variables expand to
 * the empty string (the Collector's behaviour) and are reported to `onUnset`.
 */

const REF = /\$\$|\$\{(?:env:)?([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}/g;
const WHOLE = /^\$\{(?:env:)?([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}$/;

export interface ExpandOptions {
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly onUnset?: (name: string, path: string) => void;
}

export function expandEnv(value: unknown, opts: ExpandOptions, path: string[] = []): unknown {
  if (typeof value === 'string') return expandString(value, opts, path.join('::'));
  if (Array.isArray(value)) return value.map((v, i) => expandEnv(v, opts, [...path, String(i)]));
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = expandEnv(v, opts, [...path, k]);
    return out;
  }
  return value;
}

function lookup(name: string, def: string | undefined, opts: ExpandOptions, path: string): string {
  const v = opts.env[name];
  if (v !== undefined && v !== '') return v;
  if (def !== undefined) return def;
  if (v === undefined) opts.onUnset?.(name, path);
  return '';
}

function expandString(s: string, opts: ExpandOptions, path: string): unknown {
  if (!s.includes('$')) return s;
  const whole = WHOLE.exec(s);
  if (whole !== null) {
    const v = lookup(whole[1], whole[2], opts, path);
    if (v === '') return v;
    try {
      const parsed: unknown = parseYamlScalar(v);
      // Only scalars change type; a variable holding YAML structure stays a string.
      return parsed === null || typeof parsed === 'object' ? v : parsed;
    } catch {
      return v;
    }
  }
  return s.replace(REF, (m, name: string | undefined, def: string | undefined) => (m === '$$' ? '$' : lookup(name!, def, opts, path)));
}
