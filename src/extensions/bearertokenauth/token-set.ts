import { createHash } from 'node:crypto';
import { SecretSet, digestOf } from '../helper/secrets.js';
import { type Parsed, parseYamlWith } from '../helper/watched-file.js';
import { type TokenEntry, tokensFileSchema } from './config.js';

/** Who a token stands for: its name (the auth subject) and its attributes. */
export interface TokenIdentity {
  readonly name: string;
  readonly attributes: Readonly<Record<string, string>>;
}

/** A token's default name: a short digest, never the token. Set `name` for tokens that are not long random strings. */
export function defaultTokenName(token: string): string {
  return `token-${createHash('sha256').update(token).digest('hex').slice(0, 8)}`;
}

export interface TokenSource {
  /** Where the entries come from, for messages: "tokens", "tokens_file". */
  readonly from: string;
  readonly entries: readonly TokenEntry[];
}

/** Builds the matcher from every source; refuses two entries with one token or one name (messages name entries, never tokens). */
export function buildTokenSet(sources: readonly TokenSource[]): Parsed<SecretSet<TokenIdentity>> {
  const seenToken = new Map<string, string>();
  const seenName = new Map<string, string>();
  const entries: [string, TokenIdentity][] = [];
  for (const { from, entries: list } of sources) {
    for (let i = 0; i < list.length; i++) {
      const e = list[i];
      const where = `${from}[${i}]`;
      const d = digestOf(e.token).toString('hex');
      const name = e.name ?? defaultTokenName(e.token);
      const dupToken = seenToken.get(d);
      if (dupToken !== undefined) return { ok: false, error: `${where} repeats the token of ${dupToken}` };
      const dupName = seenName.get(name);
      if (dupName !== undefined) return { ok: false, error: `${where} has the name "${name}" of ${dupName}; token names must be unique` };
      seenToken.set(d, where);
      seenName.set(name, where);
      entries.push([e.token, Object.freeze({ name, attributes: Object.freeze({ ...e.attributes }) })]);
    }
  }
  return { ok: true, value: new SecretSet(entries) };
}

/** The Collector's token file (`filename`): one token per line; blank lines and surrounding white space are ignored. */
export function parseTokenLines(text: string): Parsed<TokenEntry[]> {
  const out: TokenEntry[] = [];
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const t = lines[i].trim();
    if (t === '') continue;
    if (!/^[\x21-\x7e]+$/.test(t)) return { ok: false, error: `line ${i + 1}: a token must be printable ASCII without spaces` };
    out.push({ token: t, name: undefined, attributes: {} });
  }
  return { ok: true, value: out };
}

/** `tokens_file`: YAML or JSON, a list of tokens or {token, name, attributes} maps, or {tokens: [...]}. */
export function parseTokensFile(text: string): Parsed<TokenEntry[]> {
  const r = parseYamlWith(tokensFileSchema, text);
  return r.ok ? { ok: true, value: r.value.tokens } : r;
}
