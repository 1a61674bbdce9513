import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Errors } from './catalogue.js';

/** docs/errors.md is the catalogue as a table; this test keeps them equal (UPDATE_DOCS=1 rewrites it). */
function render(): string {
  const rows = Object.values(Errors).map((e) => `| \`${e.code}\` | ${e.http === 0 ? '-' : e.http} | ${e.grpc} | ${e.retryable ? 'yes' : 'no'} | ${e.doc} |`);
  return [
    '# Error codes',
    '',
    'Every error Tributary reports carries one of these stable codes (generated from `src/errors/catalogue.ts`).',
    'Receivers answer with the HTTP status and gRPC code shown; retryable errors also carry',
    '`Retry-After` (HTTP) or `RetryInfo` (gRPC).',
    '',
    '| code | HTTP | gRPC | retryable | meaning and what to do |',
    '| --- | --- | --- | --- | --- |',
    ...rows,
    '',
  ].join('\n');
}

describe('error catalogue', () => {
  it('has unique, well-formed codes', () => {
    const codes = Object.values(Errors).map((e) => e.code);
    expect(new Set(codes).size).toBe(codes.length);
    for (const c of codes) expect(c).toMatch(/^TRIB_ERR_[A-Z]+(_[A-Z0-9]+)+$/);
  });

  it('is documented in docs/errors.md', () => {
    const path = join(import.meta.dirname, '..', '..', 'docs', 'errors.md');
    if (process.env.UPDATE_DOCS === '1') writeFileSync(path, render());
    expect(readFileSync(path, 'utf8'), 'docs/errors.md is stale: run UPDATE_DOCS=1 npx vitest run src/errors').toBe(render());
  });
});
