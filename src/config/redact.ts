/**
 * Which config values are secrets, decided by key name, for every place
 * that shows configuration to people: config errors never echo them and
 * the status page shows them as `<redacted>`.
 *
 * The config has no secret type: a token is a string like any other once
 * parsed. So the rule is by name, and errs on the side of hiding:
 *
 * - a key is secret if its name (lower case, `-` and camelCase read as `_`)
 *   contains secret, password, passwd, passphrase, token, credential,
 *   authorization, cookie, or names key material: private_key, secret_key,
 *   api_key, access_key (but not access_key_id), signing_key, key_pem...;
 * - but a key that only refers to a secret is not: names ending in `_file`,
 *   `_path`, `_dir`, `_id`, `_ids`, `_interval`, `_timeout`, `_name`, `_header`,
 *   `_scheme(s)`, and `file`, `name`, `header`, `attributes`, `allowed`;
 *   they hold paths, identifiers and settings (tokens_file,
 *   web_identity_token_file, access_key_id, credentials_reload_interval);
 * - `key` alone is not secret (rate_limit's key selects a tenant attribute),
 *   nor is `key_file` (a path), nor `metadata_keys`.
 *
 * Under a secret key every value is hidden, except under a non-secret key
 * inside it: `tokens: [{token, name}]` shows the name, `credentials:
 * [{access_key_id, secret_access_key}]` shows the key id. Whatever the key,
 * a URL's password and a string that is an HTTP credential ("Bearer ...",
 * "Basic ...") are hidden too.
 */

export const REDACTED = '<redacted>';

const SECRET_NAME =
  /secret|passw(or)?d|passphrase|token|credential|authorization|cookie|private_?key|(^|_)(api|access|signing|encryption|master|shared|client)_?key($|_)|apikey|(^|_)key_pem$/;
const REFERENCE_NAME = /_(file|path|dir|id|ids|interval|timeout|name|header|schemes?)$|^(file|name|header|attributes|allowed|key|scheme|schemes)$/;

/** Lower case, with `-`, `.`, spaces and camelCase humps read as `_`. */
function normalise(key: string): string {
  return key
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .toLowerCase()
    .replace(/[-.\s]+/g, '_');
}

/** Whether the value of a config key with this name is a secret. */
export function isSecretKey(key: string): boolean {
  const k = normalise(key);
  return SECRET_NAME.test(k) && !REFERENCE_NAME.test(k);
}

/** Whether a key only refers to a secret (a path, an id, a name), so that its value is shown even under a secret key. */
function isReferenceKey(key: string): boolean {
  return REFERENCE_NAME.test(normalise(key));
}

const CREDENTIAL_VALUE = /^\s*(bearer|basic|token|digest|aws4-hmac-sha256|negotiate)\s+\S/i;
const URL_PASSWORD = /(\b[a-z][a-z0-9+.-]*:\/\/)([^\s/:@]*):([^\s/@]*)@/gi;

/** Hides the password of every URL in a text (`https://user:pass@host` -> `https://user:<redacted>@host`). */
export function redactUrls(text: string): string {
  return text.replace(URL_PASSWORD, (_m, scheme: string, user: string) => `${scheme}${user}:${REDACTED}@`);
}

function redactString(s: string): string {
  return CREDENTIAL_VALUE.test(s) ? REDACTED : redactUrls(s);
}

export interface RedactOptions {
  /** Deeper levels are shown as "…" (default 12). */
  readonly maxDepth?: number;
  /** Longer lists are cut, with a note of how many were left out (default 100). */
  readonly maxItems?: number;
}

/**
 * A plain, JSON-safe copy of a parsed config with secrets replaced by
 * `<redacted>`. Maps become objects, sets and iterables lists, functions
 * are left out, bytes are shown by their length, cycles and deep nesting
 * are cut.
 */
export function redactConfig(value: unknown, opts: RedactOptions = {}): unknown {
  const maxDepth = opts.maxDepth ?? 12;
  const maxItems = opts.maxItems ?? 100;
  const seen = new WeakSet<object>();

  const walk = (v: unknown, secret: boolean, depth: number): unknown => {
    if (v === null || v === undefined) return v ?? null;
    if (typeof v === 'string') return secret ? REDACTED : redactString(v);
    if (typeof v === 'number' || typeof v === 'boolean') return secret ? REDACTED : v;
    if (typeof v === 'bigint') return secret ? REDACTED : v.toString();
    if (typeof v === 'function' || typeof v === 'symbol') return undefined;
    if (secret && (v instanceof Uint8Array || v instanceof RegExp || v instanceof Date)) return REDACTED;
    if (v instanceof Uint8Array) return `<${v.byteLength} bytes>`;
    if (v instanceof RegExp) return v.toString();
    if (v instanceof Date) return Number.isNaN(v.getTime()) ? null : v.toISOString();
    if (typeof v !== 'object') return undefined;
    if (seen.has(v)) return '…';
    if (depth >= maxDepth) return '…';
    seen.add(v);
    try {
      if (v instanceof Map) return entries([...v].map(([k, x]) => [String(k), x]), secret, depth);
      if (Array.isArray(v) || v instanceof Set) return list([...v], secret, depth);
      if (Symbol.iterator in v) return list([...(v as Iterable<unknown>)], secret, depth);
      return entries(Object.entries(v), secret, depth);
    } finally {
      seen.delete(v);
    }
  };

  const list = (items: readonly unknown[], secret: boolean, depth: number): unknown[] => {
    const out = items.slice(0, maxItems).map((x) => walk(x, secret, depth + 1) ?? null);
    if (items.length > maxItems) out.push(`… ${items.length - maxItems} more`);
    return out;
  };

  const entries = (kv: readonly (readonly [string, unknown])[], secret: boolean, depth: number): Record<string, unknown> => {
    const out: Record<string, unknown> = {};
    for (const [k, x] of kv) {
      const childSecret = isSecretKey(k) || (secret && !isReferenceKey(k));
      const w = walk(x, childSecret, depth + 1);
      if (w !== undefined) out[k] = w;
    }
    return out;
  };

  return walk(value, false, 0);
}
