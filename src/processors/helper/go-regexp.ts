/**
 * Collector configs carry Go (RE2) regular expressions. Most of RE2's syntax
 * means the same in JavaScript; this translates the parts that differ and
 * that configs actually use: `(?P<name>...)` named groups, leading flag groups
 * such as `(?i)`, `\A` / `\z`, and POSIX classes like `[[:alpha:]]`. Matching
 * is unanchored, as Go's MatchString is.
 */

const POSIX: Record<string, string> = {
  alnum: 'A-Za-z0-9',
  alpha: 'A-Za-z',
  ascii: '\\x00-\\x7F',
  blank: ' \\t',
  cntrl: '\\x00-\\x1F\\x7F',
  digit: '0-9',
  graph: '!-~',
  lower: 'a-z',
  print: ' -~',
  punct: '!-\\/:-@\\[-`{-~',
  space: ' \\t\\n\\v\\f\\r',
  upper: 'A-Z',
  word: 'A-Za-z0-9_',
  xdigit: '0-9A-Fa-f',
};

/** Compiles a Go regular expression; throws an Error whose message says what is wrong. */
export function compileGoRegexp(pattern: string): RegExp {
  let src = pattern;
  let flags = '';
  const lead = /^\(\?([a-zA-Z]+)\)/.exec(src);
  if (lead !== null) {
    for (const f of lead[1]) {
      if (f === 'i' || f === 's' || f === 'm') flags += flags.includes(f) ? '' : f;
      else throw new Error(`flag "${f}" in "(?${lead[1]})" is not supported; use i, s or m`);
    }
    src = src.slice(lead[0].length);
  }
  if (/\(\?[a-zA-Z-]+[:)]/.test(src)) throw new Error('inline flag groups are only supported at the start of the pattern, e.g. "(?i)abc"');
  src = src
    .replace(/\(\?P</g, '(?<')
    .replace(/\\A/g, '^')
    .replace(/\\z/g, '$(?![\\s\\S])')
    .replace(/\[:(\^?)([a-z]+):\]/g, (whole, neg: string, name: string) => {
      const cls = POSIX[name];
      if (cls === undefined) throw new Error(`unknown POSIX class [:${name}:]`);
      if (neg !== '') throw new Error(`negated POSIX class [:^${name}:] is not supported`);
      return cls;
    });
  try {
    return new RegExp(src, flags);
  } catch (err) {
    throw new Error(`invalid regular expression ${JSON.stringify(pattern)}: ${(err as Error).message.replace(/^Invalid regular expression: /, '')}`);
  }
}

/** Like compileGoRegexp, but returns the error message instead of throwing (for config validation). */
export function checkGoRegexp(pattern: string): string | undefined {
  try {
    compileGoRegexp(pattern);
    return undefined;
  } catch (err) {
    return (err as Error).message;
  }
}

/**
 * Go's Regexp.Expand template syntax: `$1`, `${1}`, `$name`, `${name}`, and
 * `$$` for a literal dollar. In `$name` the name is the longest run of
 * letters, digits and underscores, as in Go; an unknown group expands to "".
 */
export function expandTemplate(template: string, m: RegExpExecArray, transform: (s: string) => string = (s) => s): string {
  return template.replace(/\$(?:\$|\{([A-Za-z0-9_]+)\}|([A-Za-z0-9_]+))/g, (whole, braced: string | undefined, bare: string | undefined) => {
    if (whole === '$$') return '$';
    const name = braced ?? bare!;
    const v = /^\d+$/.test(name) ? m[Number(name)] : m.groups?.[name];
    return v === undefined ? '' : transform(v);
  });
}
