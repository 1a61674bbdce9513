import { createHash } from 'node:crypto';
import { secretEquals } from '../helper/secrets.js';
import type { Parsed } from '../helper/watched-file.js';

/**
 * htpasswd entries, `user:hash` per line (Apache's format). Supported:
 * `{SHA}` + base64 SHA-1 of the password (htpasswd -s), and plain text.
 * Entries in the other formats htpasswd writes (bcrypt `$2y$`, MD5
 * `$apr1$`, SHA-crypt `$5$`/`$6$`) are refused: reading them as plain text
 * would let the hash itself serve as the password. DES crypt (htpasswd -d,
 * 13 characters, no marker) cannot be told from plain text and is read as
 * plain text; do not use it.
 */
export type PasswordHash = { readonly kind: 'sha1'; readonly digest: Buffer } | { readonly kind: 'plain'; readonly password: string };

const CRYPT = /^\$(2[abxy]?|apr1|1|5|6|md5|y|gy|7|sha1)\$/;
const BRACED = /^\{([A-Za-z0-9-]+)\}(.*)$/;

const NEEDS_LIBRARY: Readonly<Record<string, string>> = {
  '2': 'bcrypt',
  '2a': 'bcrypt',
  '2b': 'bcrypt',
  '2x': 'bcrypt',
  '2y': 'bcrypt',
  apr1: 'Apache MD5',
  '1': 'MD5-crypt',
  '5': 'SHA-256-crypt',
  '6': 'SHA-512-crypt',
};

export function parseHtpasswd(text: string): Parsed<Map<string, PasswordHash>> {
  const users = new Map<string, PasswordHash>();
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i];
    if (line.trim() === '' || line.trimStart().startsWith('#')) continue;
    const colon = line.indexOf(':');
    const at = `line ${i + 1}`;
    if (colon <= 0) return { ok: false, error: `${at}: expected "user:password-hash"` };
    const user = line.slice(0, colon);
    const hash = line.slice(colon + 1);
    if (users.has(user)) return { ok: false, error: `${at}: user "${user}" appears more than once` };
    const crypt = CRYPT.exec(hash);
    if (crypt !== null) {
      const what = NEEDS_LIBRARY[crypt[1]] ?? `"$${crypt[1]}$"`;
      return { ok: false, error: `${at} (user "${user}"): ${what} hashes are not supported; write the entry with "htpasswd -s" ({SHA}) or in plain text` };
    }
    const braced = BRACED.exec(hash);
    if (braced !== null) {
      if (braced[1] !== 'SHA') return { ok: false, error: `${at} (user "${user}"): {${braced[1]}} hashes are not supported; use {SHA} ("htpasswd -s") or plain text` };
      const digest = Buffer.from(braced[2], 'base64');
      if (digest.length !== 20 || !/^[A-Za-z0-9+/]{27}=$/.test(braced[2])) return { ok: false, error: `${at} (user "${user}"): {SHA} must be followed by the base64 SHA-1 of the password (28 characters)` };
      users.set(user, { kind: 'sha1', digest });
      continue;
    }
    users.set(user, { kind: 'plain', password: hash });
  }
  return { ok: true, value: users };
}

/** Whether `password` matches, in time independent of where a wrong guess differs. */
export function verifyPassword(hash: PasswordHash, password: string): boolean {
  if (hash.kind === 'sha1') return secretEquals(createHash('sha1').update(password, 'utf8').digest(), hash.digest);
  return secretEquals(password, hash.password);
}
