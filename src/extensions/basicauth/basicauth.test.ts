import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { formatIssues } from '../../config/schema.js';
import type { TributaryError } from '../../errors/tributary-error.js';
import { lifecycleSuite } from '../../test-kit/lifecycle-suite.js';
import { capturingSettings, testHost } from '../../test-kit/settings.js';
import { BasicAuth } from './basicauth.js';
import { basicAuthSchema, validateBasicAuth } from './config.js';
import { basicAuthFactory } from './factory.js';
import { parseHtpasswd, verifyPassword } from './htpasswd.js';
import { testTempDir } from '../../test-kit/temp-dirs.js';

// SHA-1("password") in base64, as `htpasswd -nbs user password` writes it.
const SHA_PASSWORD = '{SHA}W6ph5Mm5Pz8GgiULbPgzG37mj9g=';
const dir = testTempDir('basicauth-');
const lifecycleFile = join(dir, 'lifecycle.htpasswd');
writeFileSync(lifecycleFile, `alice:${SHA_PASSWORD}\n`);

lifecycleSuite(basicAuthFactory, { htpasswd: { inline: 'alice:secret' } });
lifecycleSuite(basicAuthFactory, { htpasswd: { file: lifecycleFile } });

const basic = (user: string, password: string): string => `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;

describe('htpasswd formats', () => {
  const good: [string, string, string, boolean][] = [
    ['{SHA}, right password', `alice:${SHA_PASSWORD}`, 'password', true],
    ['{SHA}, wrong password', `alice:${SHA_PASSWORD}`, 'Password', false],
    ['plain, right password', 'alice:s3cret', 's3cret', true],
    ['plain, wrong password', 'alice:s3cret', 's3cre', false],
    ['plain, a password with colons', 'alice:a:b:c', 'a:b:c', true],
    ['plain, an empty password', 'alice:', '', true],
    ['plain, unicode', 'alice:pässwörd', 'pässwörd', true],
    ['CRLF line ends', `alice:${SHA_PASSWORD}\r\n`, 'password', true],
  ];
  it.each(good)('%s', (_name, text, password, want) => {
    const r = parseHtpasswd(text);
    expect(r.ok).toBe(true);
    if (r.ok) expect(verifyPassword(r.value.get('alice')!, password)).toBe(want);
  });

  const refused: [string, string, RegExp][] = [
    ['bcrypt ($2y$)', 'bob:$2y$05$abcdefghijklmnopqrstuu9mRXnHwN0U7rCN0mJ9ABr1GfHCW8r.K', /line 1 \(user "bob"\): bcrypt hashes are not supported; write the entry with "htpasswd -s"/],
    ['bcrypt ($2b$)', 'bob:$2b$10$abcdefghijklmnopqrstuu9mRXnHwN0U7rCN0mJ9ABr1GfHCW8r.K', /bcrypt hashes are not supported/],
    ['Apache MD5', 'bob:$apr1$salt1234$uGXXu/nWwFjhGsB8g0QGO/', /Apache MD5 hashes are not supported/],
    ['MD5-crypt', 'bob:$1$salt$qJH7.N4xYta3aEG/dfqo/0', /MD5-crypt hashes are not supported/],
    ['SHA-512-crypt', 'bob:$6$salt$IxDD3jeSOb5eB1CX5LBsqZFVkJdido3OUILO5Ifz5iwMuTS4XMS130MTSuDDl3aCI6WouIL9AjRbLCelDCy.g.', /SHA-512-crypt hashes are not supported/],
    ['{SSHA}', 'bob:{SSHA}abcdefghijklmnopqrstuvwxyz012345', /\{SSHA\} hashes are not supported/],
    ['a short {SHA}', 'bob:{SHA}abc=', /\{SHA\} must be followed by the base64 SHA-1 of the password/],
    ['a line without a colon', 'alice:x\nbob', /line 2: expected "user:password-hash"/],
    ['an empty user', ':x', /line 1: expected "user:password-hash"/],
    ['a repeated user', 'alice:x\nalice:y', /line 2: user "alice" appears more than once/],
  ];
  it.each(refused)('refuses %s (never reading it as plain text)', (_name, text, message) => {
    const r = parseHtpasswd(text);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error).toMatch(message);
  });

  it('skips blank and comment lines', () => {
    const r = parseHtpasswd('# site users\n\nalice:x\n');
    expect(r.ok && [...r.value.keys()]).toEqual(['alice']);
  });
});

describe('config', () => {
  it.each([
    ['no htpasswd', {}, /htpasswd: set file, inline or both/],
    ['a bad inline entry', { htpasswd: { inline: 'bob:$2y$05$x' } }, /htpasswd::inline: line 1 \(user "bob"\): bcrypt/],
    ['a numeric attribute', { htpasswd: { inline: 'a:b' }, user_attributes: { a: { account: 1 } } }, /user_attributes::a::account: must be a string/],
    ['client_auth', { client_auth: { username: 'u', password: 'p' } }, /unknown key "client_auth"/],
  ])('%s', (_name, raw, message) => {
    const r = basicAuthSchema.safeParse(raw);
    const errors = r.success ? validateBasicAuth(r.data) : formatIssues(r.error.issues, [], raw);
    expect(errors.join('\n')).toMatch(message);
  });
});

const running: BasicAuth[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((a) => a.shutdown()));
});

async function start(raw: unknown) {
  const config = basicAuthSchema.parse(raw);
  expect(validateBasicAuth(config)).toEqual([]);
  const { set, logs } = capturingSettings('extension', 'basicauth/sites');
  const auth = new BasicAuth(set, config);
  running.push(auth);
  await auth.start(testHost());
  return { auth, logs };
}

async function outcome(auth: BasicAuth, authorization: string | undefined): Promise<string> {
  try {
    const info = await auth.authenticate({ headers: authorization === undefined ? {} : { authorization }, transport: 'http' });
    return `200 ${info.authenticator} ${info.subject} ${JSON.stringify(info.attributes)}`;
  } catch (err) {
    return `${(err as TributaryError).def.http} ${(err as TributaryError).message}`;
  }
}

describe('authenticate', () => {
  const base = {
    htpasswd: { inline: `paris:${SHA_PASSWORD}\nlyon:lyon-pw\nglobex:g` },
    user_attributes: { paris: { tenant: 'acme', site: 'paris' }, lyon: { tenant: 'acme', site: 'lyon' }, globex: { tenant: 'globex' } },
  };
  const cases: [string, object, string | undefined, string | RegExp][] = [
    ['{SHA} user', {}, basic('paris', 'password'), '200 basicauth/sites paris {"username":"paris","tenant":"acme","site":"paris"}'],
    ['plain user', {}, basic('lyon', 'lyon-pw'), /^200 basicauth\/sites lyon .*"site":"lyon"/],
    ['scheme in lower case', {}, `basic ${Buffer.from('lyon:lyon-pw').toString('base64')}`, /^200 .* lyon/],
    ['wrong password', {}, basic('paris', 'passwordx'), /^401 unknown user or wrong password$/],
    ['unknown user', {}, basic('nobody', 'password'), /^401 unknown user or wrong password$/],
    ['no header', {}, undefined, /^401 no credentials: send "Authorization: Basic <base64 of user:password>"$/],
    ['Bearer scheme', {}, 'Bearer abc', /^401 the Authorization header must read "Basic/],
    ['not base64', {}, 'Basic ***', /^401 the Authorization header must read "Basic/],
    ['no colon inside', {}, `Basic ${Buffer.from('paris').toString('base64')}`, /^401 Basic credentials must be the base64 of "user:password"/],
    ['a user without attributes gets username only', { user_attributes: {} }, basic('lyon', 'lyon-pw'), '200 basicauth/sites lyon {"username":"lyon"}'],
    ['allowed: another tenant -> 403', { allowed: { tenant: ['acme'] } }, basic('globex', 'g'), '403 user "globex": tenant "globex" is not allowed on this receiver'],
    ['allowed: own tenant', { allowed: { tenant: ['acme'] } }, basic('paris', 'password'), /^200 .* paris/],
  ];
  it.each(cases)('%s', async (_name, extra, header, want) => {
    const { auth, logs } = await start({ ...base, ...extra });
    const got = await outcome(auth, header);
    if (typeof want === 'string') expect(got).toBe(want);
    else expect(got).toMatch(want);
    expect(logs()).not.toMatch(/password"|lyon-pw|W6ph5/);
  });

  it('401 carries the Basic challenge', async () => {
    const { auth } = await start(base);
    const err = (await auth.authenticate({ headers: {}, transport: 'http' }).catch((e: unknown) => e)) as TributaryError;
    expect(err.challenge).toBe('Basic realm="tributary", charset="UTF-8"');
  });

  it('InfluxDB 1.x u/p, presented by the influxdb receiver as Basic, authenticate', async () => {
    const { influxAuthHeaders } = await import('../../receivers/influxdb/http.js');
    const { auth } = await start(base);
    const info = await auth.authenticate({ headers: influxAuthHeaders({}, { u: 'paris', p: 'password' }), transport: 'http' });
    expect(info.attributes.site).toBe('paris');
  });
});

describe('htpasswd file', () => {
  it('is reloaded on change; inline users win; a broken edit keeps the users in use', async () => {
    const file = join(dir, 'reload.htpasswd');
    writeFileSync(file, 'alice:one\nbob:file-pw\n');
    const { auth, logs } = await start({ htpasswd: { file, inline: 'bob:inline-pw' }, reload_interval: '20ms' });
    expect(await outcome(auth, basic('alice', 'one'))).toMatch(/^200 .* alice/);
    expect(await outcome(auth, basic('bob', 'file-pw'))).toMatch(/^401/);
    expect(await outcome(auth, basic('bob', 'inline-pw'))).toMatch(/^200 .* bob/);

    writeFileSync(file, 'alice:two\ncarol:three\n');
    await vi.waitFor(async () => expect(await outcome(auth, basic('alice', 'two'))).toMatch(/^200/), { timeout: 10_000, interval: 20 });
    expect(await outcome(auth, basic('alice', 'one'))).toMatch(/^401/);
    expect(await outcome(auth, basic('carol', 'three'))).toMatch(/^200/);

    writeFileSync(file, 'alice:$2y$05$abcdefghijklmnopqrstuu9mRXnHwN0U7rCN0mJ9ABr1GfHCW8r.K\n');
    await vi.waitFor(() => expect(logs()).toMatch(/htpasswd file not reloaded, keeping the credentials in use: .*bcrypt/), { timeout: 10_000, interval: 20 });
    expect(await outcome(auth, basic('alice', 'two'))).toMatch(/^200/);
    expect(logs()).not.toMatch(/two|three|9mRXn/);
  });

  it('a missing file is a startup error', async () => {
    const auth = new BasicAuth(capturingSettings('extension', 'basicauth').set, basicAuthSchema.parse({ htpasswd: { file: join(dir, 'absent') } }));
    await expect(auth.start(testHost())).rejects.toThrow(/cannot read htpasswd file .*absent: ENOENT/);
  });
});
