import { mkdtemp, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { formatIssues } from '../../config/schema.js';
import { createLogger } from '../../telemetry/logger.js';
import { putMetricDataReceiverSchema, validatePutMetricDataReceiver } from './config.js';
import { CredentialStore, readCredentialsFile } from './credentials.js';

/** Keys from config and from a file; reload on change; a broken edit keeps the keys and logs no secret. */

let dir: string;
let lines: string[];
const stores: CredentialStore[] = [];

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'pmd-creds-'));
  lines = [];
});
afterEach(async () => {
  for (const s of stores.splice(0)) s.stop();
  await rm(dir, { recursive: true, force: true });
});

function logger() {
  const dest = new Writable({ write: (c, _e, cb) => (lines.push(String(c)), cb()) });
  return createLogger({ level: 'info', destination: dest as never });
}

function store(file: string | undefined, inline = [] as { access_key_id: string; secret_access_key: string; attributes: Record<string, string> }[], reloadMs = 0): CredentialStore {
  const s = new CredentialStore(inline, file, reloadMs, logger());
  stores.push(s);
  return s;
}

const yaml = (id: string, secret: string, site: string) => `- access_key_id: ${id}\n  secret_access_key: "${secret}"\n  attributes: {site: ${site}, account: "012345678901"}\n`;

describe('credential store', () => {
  it('reads a YAML list, a JSON file and a {credentials: [...]} map', async () => {
    const a = join(dir, 'a.yaml');
    await writeFile(a, yaml('AKIDFILE1', 'file-secret-1', 'lyon'));
    expect(readCredentialsFile(a)).toEqual([{ access_key_id: 'AKIDFILE1', secret_access_key: 'file-secret-1', attributes: { site: 'lyon', account: '012345678901' } }]);
    const b = join(dir, 'b.json');
    await writeFile(b, JSON.stringify({ credentials: [{ access_key_id: 'AKIDJSON', secret_access_key: 'x', attributes: {} }] }));
    expect(readCredentialsFile(b)).toEqual([{ access_key_id: 'AKIDJSON', secret_access_key: 'x', attributes: {} }]);
  });

  it('combines config and file keys, and fails at start on a duplicate or a bad file', async () => {
    const f = join(dir, 'k.yaml');
    await writeFile(f, yaml('AKIDFILE1', 'file-secret-1', 'lyon'));
    const s = store(f, [{ access_key_id: 'AKIDINLINE', secret_access_key: 'inline-secret', attributes: { site: 'paris' } }]);
    s.mustLoad('receivers::putmetricdata');
    expect(s.size).toBe(2);
    expect(s.lookup('AKIDFILE1')?.attributes).toEqual({ site: 'lyon', account: '012345678901' });
    expect(s.lookup('AKIDINLINE')?.attributes).toEqual({ site: 'paris' });

    const dup = store(f, [{ access_key_id: 'AKIDFILE1', secret_access_key: 'other', attributes: {} }]);
    expect(() => dup.mustLoad('receivers::putmetricdata')).toThrow('receivers::putmetricdata: access_key_id "AKIDFILE1" appears more than once (in credentials and credentials_file together)');
    expect(() => store(join(dir, 'missing.yaml')).mustLoad('r')).toThrow(/cannot read credentials_file .*missing\.yaml: ENOENT/);
  });

  it('reloads when the file changes, also when it is replaced by rename', async () => {
    const f = join(dir, 'k.yaml');
    await writeFile(f, yaml('AKIDFILE1', 'file-secret-1', 'lyon'));
    const s = store(f, [], 50);
    s.mustLoad('r');
    s.watch();
    await writeFile(f, yaml('AKIDFILE1', 'file-secret-1', 'lyon') + yaml('AKIDFILE2', 'file-secret-2', 'nice'));
    await vi.waitFor(() => expect(s.lookup('AKIDFILE2')).toBeDefined(), { timeout: 5000, interval: 20 });
    const tmp = join(dir, 'k.yaml.tmp');
    await writeFile(tmp, yaml('AKIDFILE3', 'file-secret-3', 'brest'));
    await rename(tmp, f);
    await vi.waitFor(() => expect(s.lookup('AKIDFILE3')).toBeDefined(), { timeout: 5000, interval: 20 });
    expect(s.lookup('AKIDFILE1')).toBeUndefined();
    expect(s.lookup('AKIDFILE2')).toBeUndefined();
    expect(lines.some((l) => l.includes('"credentials file reloaded"') && l.includes('"added":1') && l.includes('"removed":2'))).toBe(true);
  });

  it('keeps the keys in use when an edit breaks the file, and names no secret in the log', async () => {
    const f = join(dir, 'k.yaml');
    await writeFile(f, yaml('AKIDFILE1', 'file-secret-1', 'lyon'));
    const s = store(f);
    s.mustLoad('r');
    const before = s.lookup('AKIDFILE1');

    const broken = [
      '- access_key_id: AKIDFILE1\n  secret_access_key: "super-secret-value\n  attributes: {site: lyon}\n', // unterminated quote
      '- access_key_id: AKIDFILE1\n  secret_access_key: {nested: super-secret-value}\n', // wrong type
      '- access_key_id: AKIDFILE1\n  secret_access_key: super-secret-value\n  attributes: {account: 12345}\n', // unquoted number
      '- access_key_id: AKID/BAD\n  secret_access_key: super-secret-value\n',
    ];
    for (const text of broken) {
      await writeFile(f, text);
      expect(s.reload()).toBe(false);
      expect(s.lookup('AKIDFILE1')).toBe(before);
    }
    await rm(f);
    expect(s.reload()).toBe(false);
    expect(s.lookup('AKIDFILE1')).toBe(before);

    const errors = lines.filter((l) => l.includes('"level":"error"'));
    expect(errors).toHaveLength(5);
    for (const l of errors) expect(l).not.toContain('super-secret-value');
    expect(errors[0]).toMatch(/not valid YAML or JSON \(MISSING_CHAR at line \d+, column \d+\)/);
    expect(errors[1]).toContain('is invalid: credentials::0::secret_access_key: must be a string"');
    expect(errors[2]).toContain('credentials::0::attributes::account: must be a string (quote numbers');
    expect(errors[3]).toMatch(/access_key_id: must be 1 to 128 letters/);
    expect(errors[4]).toMatch(/cannot read credentials_file .*: ENOENT/);
    expect(errors[0]).toContain('keeping the 1 keys in use');
  });

  it('validates the config: some credential is required, key ids are unique and well-formed', () => {
    const v = (raw: object) => validatePutMetricDataReceiver(putMetricDataReceiverSchema.parse(raw));
    expect(v({})).toEqual(['credentials: at least one credential is required (under credentials, or in a credentials_file)']);
    expect(v({ credentials_file: '/etc/keys.yaml' })).toEqual([]);
    const c = { access_key_id: 'A', secret_access_key: 'x' };
    expect(v({ credentials: [c, c] })).toEqual(['credentials: access_key_id "A" appears more than once']);
    expect(putMetricDataReceiverSchema.safeParse({ credentials: [{ access_key_id: 'A,B', secret_access_key: 'x' }] }).success).toBe(false);
    expect(putMetricDataReceiverSchema.parse({ credentials: [{ access_key_id: 'A', secret_access_key: 123456 }] }).credentials[0].secret_access_key).toBe('123456');
    // A malformed secret is named by its path, never shown.
    const bad = putMetricDataReceiverSchema.safeParse({ credentials: [{ access_key_id: 'A', secret_access_key: ['leaked-secret'] }] });
    expect(bad.success || formatIssues(bad.error.issues, ['receivers', 'putmetricdata'], { credentials: [{ access_key_id: 'A', secret_access_key: ['leaked-secret'] }] })).toEqual([
      'receivers::putmetricdata::credentials::0::secret_access_key: must be a string',
    ]);
    expect(putMetricDataReceiverSchema.parse({ credentials: [c] })).toMatchObject({ endpoint: 'localhost:4320', max_request_body_size: 1048576, include_metadata: false, credentials_reload_interval: 2000 });
  });
});
