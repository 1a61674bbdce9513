import { describe, expect, it } from 'vitest';
import { checkGoRegexp, compileGoRegexp, expandTemplate } from './go-regexp.js';

describe('Go regular expressions', () => {
  it.each<[string, string, boolean]>([
    ['(?P<v>v\\d+)', 'api_v2', true],
    ['^cpu', 'node_cpu', false],
    ['cpu', 'node_cpu_seconds', true],
    ['(?i)^CPU', 'cpu_usage', true],
    ['\\Acpu\\z', 'cpu', true],
    ['\\Acpu\\z', 'cpu\n', false],
    ['^[[:alpha:]]+$', 'abc', true],
    ['^[[:alpha:]]+$', 'ab1', false],
    ['^[^[:digit:]]+$', 'ab', true],
  ])('%s against %s -> %s', (pattern, input, want) => {
    expect(compileGoRegexp(pattern).test(input)).toBe(want);
  });

  it.each<[string, string]>([
    ['(', 'invalid regular expression "("'],
    ['(?U)a', 'flag "U" in "(?U)" is not supported'],
    ['a(?i)b', 'inline flag groups are only supported at the start'],
    ['[[:nope:]]', 'unknown POSIX class [:nope:]'],
  ])('rejects %s', (pattern, message) => {
    expect(checkGoRegexp(pattern)).toContain(message);
  });

  it.each<[string, string, string, string]>([
    ['^(\\w+)_total$', 'http_total', 'new_$1', 'new_http'],
    ['^(\\w+)_total$', 'http_total', '${1}x', 'httpx'],
    ['^(?P<base>\\w+)_total$', 'http_total', '$base.count', 'http.count'],
    ['^(\\w+)$', 'x', '$$1', '$1'],
    ['^(\\w+)$', 'x', '$2', ''],
    ['^(\\w+)$', 'x', '$1x', ''],
  ])('expands %s on %s with %s', (pattern, input, template, want) => {
    const m = compileGoRegexp(pattern).exec(input)!;
    expect(expandTemplate(template, m)).toBe(want);
  });
});
