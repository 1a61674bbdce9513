import { renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { AuthRequest } from '../../component/auth.js';
import { formatIssues } from '../../config/schema.js';
import { TributaryError } from '../../errors/tributary-error.js';
import { lifecycleSuite } from '../../test-kit/lifecycle-suite.js';
import { capturingSettings, testHost } from '../../test-kit/settings.js';
import { BearerTokenAuth } from './bearertokenauth.js';
import { bearerTokenAuthSchema, validateBearerTokenAuth } from './config.js';
import { bearerTokenAuthFactory } from './factory.js';
import { defaultTokenName, parseTokenLines, parseTokensFile } from './token-set.js';
import { testTempDir } from '../../test-kit/temp-dirs.js';

const dir = testTempDir('bearertokenauth-');
const lifecycleFile = join(dir, 'lifecycle.yaml');
writeFileSync(lifecycleFile, '- {token: file-token, attributes: {tenant: a}}\n');

lifecycleSuite(bearerTokenAuthFactory, { token: 'inline-token' });
lifecycleSuite(bearerTokenAuthFactory, { tokens_file: lifecycleFile, schemes: ['Bearer', 'Token'] });

const running: BearerTokenAuth[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((a) => a.shutdown()));
});

async function start(raw: unknown, id = 'bearertokenauth') {
  const config = bearerTokenAuthSchema.parse(raw);
  expect(validateBearerTokenAuth(config)).toEqual([]);
  const { set, logs } = capturingSettings('extension', id);
  const auth = new BearerTokenAuth(set, config);
  running.push(auth);
  await auth.start(testHost());
  return { auth, logs };
}

const req = (headers: Record<string, string>, transport: 'http' | 'grpc' = 'http'): AuthRequest => ({ headers, transport, remoteAddress: '127.0.0.1' });

/** The outcome of authenticate as "200 subject {attributes}", or "401 message" / "403 message". */
async function outcome(auth: BearerTokenAuth, headers: Record<string, string>): Promise<string> {
  try {
    const info = await auth.authenticate(req(headers));
    return `200 ${info.subject} ${JSON.stringify(info.attributes)}`;
  } catch (err) {
    const e = err as TributaryError;
    return `${e.def.http} ${e.message}`;
  }
}

describe('config', () => {
  const bad: [string, unknown, RegExp][] = [
    ['no token at all', {}, /no tokens: set token, tokens, filename or tokens_file/],
    ['scheme and schemes', { token: 't', scheme: 'Bearer', schemes: ['Token'] }, /scheme and schemes: set one of them/],
    ['a scheme with a space', { token: 't', scheme: 'Bear er' }, /scheme: must be an HTTP auth scheme/],
    ['a token with a space', { token: 'a b' }, /token: must be printable ASCII without spaces/],
    ['an unknown key in a token entry', { tokens: [{ token: 't', tenant: 'a' }] }, /tokens::0: unknown key "tenant"; valid keys are: attributes, name, token/],
    ['a numeric attribute', { tokens: [{ token: 't', attributes: { account: 12 } }] }, /tokens::0: must be a token, or a map/],
    ['an empty allowed list', { token: 't', allowed: { tenant: [] } }, /allowed::tenant: must list at least one value/],
    ['an empty schemes list', { token: 't', schemes: [] }, /schemes: must list at least one scheme/],
  ];
  it.each(bad)('%s', (_name, raw, message) => {
    const r = bearerTokenAuthSchema.safeParse(raw);
    const errors = r.success ? validateBearerTokenAuth(r.data) : formatIssues(r.error.issues, [], raw);
    expect(errors.join('\n')).toMatch(message);
  });

  it('never echoes a token value in a config error', () => {
    const r = bearerTokenAuthSchema.safeParse({ token: 'sec ret-value' });
    expect(r.success).toBe(false);
    expect(formatIssues(r.success ? [] : r.error.issues, ['extensions', 'bearertokenauth'], { token: 'sec ret-value' }).join('\n')).not.toContain('ret-value');
  });

  it('reads plain strings and maps in one tokens list', () => {
    const c = bearerTokenAuthSchema.parse({ tokens: ['t1', { token: 't2', name: 'paris', attributes: { tenant: 'acme', site: 'paris' } }] });
    expect(c.tokens).toEqual([
      { token: 't1', name: undefined, attributes: {} },
      { token: 't2', name: 'paris', attributes: { tenant: 'acme', site: 'paris' } },
    ]);
  });
});

describe('token files', () => {
  it.each([
    ['one per line, blank lines and white space ignored', 'tok-1\n\n  tok-2  \r\n', ['tok-1', 'tok-2']],
    ['empty', '', []],
  ])('filename: %s', (_name, text, tokens) => {
    const r = parseTokenLines(text);
    expect(r.ok && r.value.map((e) => e.token)).toEqual(tokens);
  });

  it('filename: refuses a line with a space, naming the line only', () => {
    expect(parseTokenLines('good\nbad token\n')).toEqual({ ok: false, error: 'line 2: a token must be printable ASCII without spaces' });
  });

  it.each([
    ['a YAML list', '- {token: a, name: n, attributes: {tenant: x}}\n- b\n'],
    ['a YAML map with tokens', 'tokens:\n  - token: a\n    name: n\n    attributes: {tenant: x}\n  - b\n'],
    ['JSON', '[{"token": "a", "name": "n", "attributes": {"tenant": "x"}}, "b"]'],
  ])('tokens_file: %s', (_name, text) => {
    const r = parseTokensFile(text);
    expect(r).toEqual({
      ok: true,
      value: [
        { token: 'a', name: 'n', attributes: { tenant: 'x' } },
        { token: 'b', name: undefined, attributes: {} },
      ],
    });
  });

  it.each([
    ['broken YAML', '- {token: a', /not valid YAML or JSON \(.* at line 1/],
    ['a wrong shape', 'tokens: 3', /invalid: tokens: must be a list/],
    ['a token with a space', '- "secret value"', /invalid: tokens::0: must be a token/],
  ])('tokens_file: %s is refused without quoting values', (_name, text, message) => {
    const r = parseTokensFile(text);
    expect(r.ok).toBe(false);
    const error = r.ok ? '' : r.error;
    expect(error).toMatch(message);
    expect(error).not.toContain('secret');
  });
});

describe('authenticate', () => {
  const tokens = [
    { token: 'paris-secret', name: 'paris', attributes: { tenant: 'acme', site: 'paris' } },
    { token: 'lyon-secret', attributes: { tenant: 'acme', site: 'lyon' } },
    { token: 'other-secret', name: 'globex', attributes: { tenant: 'globex' } },
  ];
  const lyon = defaultTokenName('lyon-secret');

  const cases: [string, object, Record<string, string>, string | RegExp][] = [
    ['Bearer token', {}, { authorization: 'Bearer paris-secret' }, '200 paris {"tenant":"acme","site":"paris"}'],
    ['scheme in any case, extra spaces', {}, { authorization: '  bEaReR    paris-secret ' }, '200 paris {"tenant":"acme","site":"paris"}'],
    ['a token without name is named by a digest', {}, { authorization: 'Bearer lyon-secret' }, `200 ${lyon} {"tenant":"acme","site":"lyon"}`],
    ['no header', {}, {}, /^401 no credentials: send the header "Authorization: Bearer <token>"$/],
    ['empty header', {}, { authorization: '' }, /^401 no credentials/],
    ['unknown token', {}, { authorization: 'Bearer paris-secreT' }, /^401 the token is not valid/],
    ['scheme only', {}, { authorization: 'Bearer' }, /^401 the Authorization header must read "Bearer <token>"$/],
    ['bare token where a scheme is required', {}, { authorization: 'paris-secret' }, /^401 the Authorization header must read/],
    ['Token scheme not accepted by default', {}, { authorization: 'Token paris-secret' }, /^401 the Authorization header must read "Bearer <token>"/],
    ['schemes [Bearer, Token]: Token', { schemes: ['Bearer', 'Token'] }, { authorization: 'Token paris-secret' }, /^200 paris/],
    ['schemes [Bearer, Token]: Bearer', { schemes: ['Bearer', 'Token'] }, { authorization: 'Bearer paris-secret' }, /^200 paris/],
    ['schemes [Bearer, Token]: Basic', { schemes: ['Bearer', 'Token'] }, { authorization: 'Basic cGFyaXM=' }, /^401 the Authorization header must read "Bearer or Token <token>"/],
    ['scheme "" takes the bare value', { scheme: '' }, { authorization: 'paris-secret' }, /^200 paris/],
    ['another header', { header: 'X-Api-Key', scheme: '' }, { 'x-api-key': 'paris-secret' }, /^200 paris/],
    ['another header, Authorization ignored', { header: 'X-Api-Key', scheme: '' }, { authorization: 'paris-secret' }, /^401 no credentials: send the header "X-Api-Key: <token>"/],
    ['allowed: the tenant admitted', { allowed: { tenant: ['acme'] } }, { authorization: 'Bearer paris-secret' }, /^200 paris/],
    ['allowed: another tenant -> 403', { allowed: { tenant: ['acme'] } }, { authorization: 'Bearer other-secret' }, '403 token "globex": tenant "globex" is not allowed on this receiver'],
    ['allowed: an attribute the token lacks -> 403', { allowed: { site: ['paris'] } }, { authorization: 'Bearer other-secret' }, /^403 token "globex": the credential has no site attribute/],
    ['allowed: several attributes must all match', { allowed: { tenant: ['acme'], site: ['paris'] } }, { authorization: 'Bearer lyon-secret' }, /^403 .* site "lyon" is not allowed/],
  ];

  it.each(cases)('%s', async (_name, extra, headers, want) => {
    const { auth, logs } = await start({ tokens, ...extra });
    const got = await outcome(auth, headers);
    if (typeof want === 'string') expect(got).toBe(want);
    else expect(got).toMatch(want);
    for (const t of tokens) expect(logs()).not.toContain(t.token);
  });

  it('reads gRPC metadata values given as lists', async () => {
    const { auth } = await start({ tokens });
    const info = await auth.authenticate(req({ authorization: ['Bearer paris-secret'] } as never, 'grpc'));
    expect(info.subject).toBe('paris');
    expect(info.authenticator).toBe('bearertokenauth');
  });

  it('answers 401 with a WWW-Authenticate challenge for each accepted scheme', async () => {
    const { auth } = await start({ tokens, schemes: ['Bearer', 'Token'] });
    const err = await auth.authenticate(req({})).catch((e: TributaryError) => e);
    expect(err).toBeInstanceOf(TributaryError);
    expect((err as TributaryError).code).toBe('TRIB_ERR_AUTH_UNAUTHENTICATED');
    expect((err as TributaryError).challenge).toBe('Bearer realm="tributary", Token realm="tributary"');
  });

  it('a default name is a digest prefix, never the token', () => {
    const name = defaultTokenName('my-long-random-token');
    expect(name).toMatch(/^token-[0-9a-f]{8}$/);
    expect(name).not.toContain('my-long');
  });

  it('refuses two entries with one token, or one name, naming entries only', async () => {
    for (const [raw, message] of [
      [{ token: 'same', tokens: ['same'] }, /tokens\[0\] repeats the token of token\[0\]/],
      [{ tokens: [{ token: 'a', name: 'x' }, { token: 'b', name: 'x' }] }, /tokens\[1\] has the name "x" of tokens\[0\]/],
    ] as const) {
      const auth = new BearerTokenAuth(capturingSettings('extension', 'bearertokenauth').set, bearerTokenAuthSchema.parse(raw));
      const err = await auth.start(testHost()).catch((e: Error) => e);
      expect(String(err)).toMatch(message);
      expect(String(err)).not.toContain('same"');
    }
  });
});

describe('file reload', () => {
  let n = 0;
  const fresh = (content: string): string => {
    const p = join(dir, `tokens-${n++}.yaml`);
    writeFileSync(p, content);
    return p;
  };
  const waitFor = (check: () => Promise<void>) => vi.waitFor(check, { timeout: 10_000, interval: 20 });

  it('a tokens_file edit adds and revokes tokens without a restart', async () => {
    const file = fresh('- {token: first, name: first, attributes: {tenant: a}}\n');
    const { auth } = await start({ tokens_file: file, reload_interval: '20ms' });
    expect(await outcome(auth, { authorization: 'Bearer first' })).toMatch(/^200 first/);
    expect(await outcome(auth, { authorization: 'Bearer second' })).toMatch(/^401/);

    writeFileSync(file, '- {token: second, name: second, attributes: {tenant: b}}\n');
    await waitFor(async () => expect(await outcome(auth, { authorization: 'Bearer second' })).toBe('200 second {"tenant":"b"}'));
    expect(await outcome(auth, { authorization: 'Bearer first' })).toMatch(/^401/);
  });

  it('a file replaced by rename is read again', async () => {
    const file = fresh('- {token: old, name: old}\n');
    const { auth } = await start({ tokens_file: file, reload_interval: '20ms' });
    const next = join(dir, 'renamed.tmp');
    writeFileSync(next, '- {token: new, name: new}\n');
    renameSync(next, file);
    await waitFor(async () => expect(await outcome(auth, { authorization: 'Bearer new' })).toMatch(/^200 new/));
    expect(await outcome(auth, { authorization: 'Bearer old' })).toMatch(/^401/);
  });

  it('a broken edit keeps the tokens in use and logs an error without any token', async () => {
    const file = fresh('- {token: keep-me, name: kept}\n');
    const { auth, logs } = await start({ tokens_file: file, reload_interval: '20ms' });
    writeFileSync(file, '- {token: leaked-secret, name: [oops\n');
    await waitFor(async () => expect(logs()).toMatch(/tokens_file not reloaded, keeping the credentials in use/));
    expect(await outcome(auth, { authorization: 'Bearer keep-me' })).toMatch(/^200 kept/);
    expect(logs()).not.toContain('leaked-secret');
    expect(logs()).not.toContain('keep-me');
    const line = logs().split('\n').find((l) => l.includes('not reloaded'))!;
    expect(JSON.parse(line).level).toBe('error');
  });

  it('an edit that repeats an inline token is refused as a whole', async () => {
    const file = fresh('- {token: from-file, name: f}\n');
    const { auth, logs } = await start({ token: 'inline', tokens_file: file, reload_interval: '20ms' });
    writeFileSync(file, '- {token: from-file, name: f}\n- {token: inline, name: dup}\n- {token: added, name: a}\n');
    await waitFor(async () => expect(logs()).toMatch(/tokens_file\[1\] repeats the token of token\[0\]/));
    expect(await outcome(auth, { authorization: 'Bearer added' })).toMatch(/^401/);
    expect(await outcome(auth, { authorization: 'Bearer from-file' })).toMatch(/^200 f/);
  });

  it('the Collector-style filename (one token per line) is reloaded too', async () => {
    const file = join(dir, 'collector.token');
    writeFileSync(file, 'one\n');
    const { auth } = await start({ filename: file, reload_interval: '20ms' });
    expect(await outcome(auth, { authorization: 'Bearer one' })).toMatch(/^200 token-/);
    writeFileSync(file, 'two\nthree\n');
    await waitFor(async () => expect(await outcome(auth, { authorization: 'Bearer three' })).toMatch(/^200 token-/));
    expect(await outcome(auth, { authorization: 'Bearer one' })).toMatch(/^401/);
  });

  it('a missing or broken file at start is a startup error', async () => {
    for (const [path, message] of [
      [join(dir, 'absent.yaml'), /cannot read tokens_file .*absent\.yaml: ENOENT/],
      [fresh('tokens: [ {token: x'), /tokens_file .*: not valid YAML or JSON/],
    ] as const) {
      const auth = new BearerTokenAuth(capturingSettings('extension', 'b').set, bearerTokenAuthSchema.parse({ tokens_file: path }));
      await expect(auth.start(testHost())).rejects.toThrow(message);
    }
  });
});
