import { describe, expect, it } from 'vitest';
import type { ClientInfo } from '../../component/component.js';
import type { AnyValue } from '../../model/any-value.js';
import { Attributes } from '../../model/attributes.js';
import { type ActionConfig, AttrActions, actionsSchema, checkActions } from './attr-actions.js';

const client: ClientInfo = {
  address: '10.1.2.3',
  metadata: new Map([
    ['x-tenant', ['acme']],
    ['x-multi', ['a', 'b']],
  ]),
  auth: { authenticator: 'bearertokenauth', subject: 'token-1', attributes: { site: 'paris', account: '1234' } },
};

function run(actions: object[], input: Record<string, AnyValue>, c: ClientInfo = client): Record<string, AnyValue> {
  const a = new AttrActions(actionsSchema.parse(actions));
  return a.forBatch(c)(Attributes.fromObject(input)).toObject();
}

const SHA_ABC = 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad';
const SHA_INT_42 = 'ed049108bc18f2c64369e8d0ea42850bdd1a7d1dd340cfde716315579702a76c';
const SHA_DOUBLE_1_5 = 'e163f8cb0f7067a7fc78ca859a77f849aea3214f38fb75b884e4a16be725c905';
const SHA_TRUE = '4bf5122f344554c53bde2ebb8cd2b7e3d1600ad631c385a5d7cce23c7785459a';

describe('attribute actions', () => {
  it.each<[string, object[], Record<string, AnyValue>, Record<string, AnyValue>]>([
    ['insert adds a missing key', [{ key: 'env', value: 'prod', action: 'insert' }], { a: '1' }, { a: '1', env: 'prod' }],
    ['insert leaves an existing key', [{ key: 'env', value: 'prod', action: 'insert' }], { env: 'dev' }, { env: 'dev' }],
    ['update changes an existing key', [{ key: 'env', value: 'prod', action: 'update' }], { env: 'dev' }, { env: 'prod' }],
    ['update ignores a missing key', [{ key: 'env', value: 'prod', action: 'update' }], { a: '1' }, { a: '1' }],
    ['upsert inserts', [{ key: 'env', value: 'prod', action: 'upsert' }], {}, { env: 'prod' }],
    ['upsert updates', [{ key: 'env', value: 'prod', action: 'upsert' }], { env: 'dev' }, { env: 'prod' }],
    ['action names are case-insensitive', [{ key: 'env', value: 'prod', action: 'UPSERT' }], {}, { env: 'prod' }],
    ['a whole number value is an int', [{ key: 'n', value: 7, action: 'insert' }], {}, { n: 7n }],
    ['a fractional value is a double', [{ key: 'n', value: 0.5, action: 'insert' }], {}, { n: 0.5 }],
    ['a bool value', [{ key: 'b', value: true, action: 'insert' }], {}, { b: true }],
    ['from_attribute copies', [{ key: 'host', from_attribute: 'host.name', action: 'insert' }], { 'host.name': 'h1' }, { host: 'h1', 'host.name': 'h1' }],
    ['from_attribute keeps the type', [{ key: 'c', from_attribute: 'n', action: 'upsert' }], { n: 3n }, { c: 3n, n: 3n }],
    ['from_attribute missing does nothing', [{ key: 'host', from_attribute: 'nope', action: 'upsert' }], { a: '1' }, { a: '1' }],
    ['from_context metadata.<header>', [{ key: 'tenant', from_context: 'metadata.x-tenant', action: 'insert' }], {}, { tenant: 'acme' }],
    ['from_context bare header name, any case', [{ key: 'tenant', from_context: 'X-Tenant', action: 'insert' }], {}, { tenant: 'acme' }],
    ['from_context joins repeated headers with ;', [{ key: 'm', from_context: 'metadata.x-multi', action: 'insert' }], {}, { m: 'a;b' }],
    ['from_context auth.<name>', [{ key: 'site', from_context: 'auth.site', action: 'insert' }], {}, { site: 'paris' }],
    ['from_context auth.subject', [{ key: 'who', from_context: 'auth.subject', action: 'insert' }], {}, { who: 'token-1' }],
    ['from_context client.address', [{ key: 'ip', from_context: 'client.address', action: 'insert' }], {}, { ip: '10.1.2.3' }],
    ['from_context missing does nothing', [{ key: 'x', from_context: 'metadata.absent', action: 'upsert' }], { x: 'keep' }, { x: 'keep' }],
    ['delete by key', [{ key: 'secret', action: 'delete' }], { secret: 's', a: '1' }, { a: '1' }],
    ['delete by pattern', [{ pattern: '^tmp\\.', action: 'delete' }], { 'tmp.a': '1', 'tmp.b': '2', keep: '3' }, { keep: '3' }],
    ['delete by key and pattern', [{ key: 'x', pattern: '^y', action: 'delete' }], { x: '1', y1: '2', z: '3' }, { z: '3' }],
    ['delete of a missing key does nothing', [{ key: 'nope', action: 'delete' }], { a: '1' }, { a: '1' }],
    ['hash a string (SHA-256, hex)', [{ key: 'user', action: 'hash' }], { user: 'abc' }, { user: SHA_ABC }],
    ['hash an int (8 bytes little-endian)', [{ key: 'n', action: 'hash' }], { n: 42n }, { n: SHA_INT_42 }],
    ['hash a double (IEEE bytes little-endian)', [{ key: 'd', action: 'hash' }], { d: 1.5 }, { d: SHA_DOUBLE_1_5 }],
    ['hash a bool (one byte)', [{ key: 'b', action: 'hash' }], { b: true }, { b: SHA_TRUE }],
    ['hash by pattern', [{ pattern: '^user', action: 'hash' }], { user_id: 'abc', other: 'abc' }, { user_id: SHA_ABC, other: 'abc' }],
    [
      'extract named groups (Go syntax)',
      [{ key: 'url', pattern: '^/api/(?P<version>v\\d+)/(?P<resource>[a-z]+)', action: 'extract' }],
      { url: '/api/v2/users/7' },
      { url: '/api/v2/users/7', version: 'v2', resource: 'users' },
    ],
    ['extract overwrites targets', [{ key: 'k', pattern: '(?P<t>\\d+)', action: 'extract' }], { k: 'a9', t: 'old' }, { k: 'a9', t: '9' }],
    ['extract with no match does nothing', [{ key: 'k', pattern: '(?P<t>\\d+)', action: 'extract' }], { k: 'abc' }, { k: 'abc' }],
    ['extract from a non-string does nothing', [{ key: 'k', pattern: '(?P<t>\\d+)', action: 'extract' }], { k: 12n }, { k: 12n }],
    ['extract: a group that did not take part gives ""', [{ key: 'k', pattern: '(?P<a>x)?(?P<b>y)', action: 'extract' }], { k: 'y' }, { k: 'y', a: '', b: 'y' }],
    ['convert string -> int', [{ key: 'n', converted_type: 'int', action: 'convert' }], { n: '-12' }, { n: -12n }],
    ['convert double -> int truncates', [{ key: 'n', converted_type: 'int', action: 'convert' }], { n: 2.9 }, { n: 2n }],
    ['convert bool -> int', [{ key: 'n', converted_type: 'int', action: 'convert' }], { n: true }, { n: 1n }],
    ['convert bad string -> int keeps it', [{ key: 'n', converted_type: 'int', action: 'convert' }], { n: '1.5' }, { n: '1.5' }],
    ['convert string -> double', [{ key: 'n', converted_type: 'double', action: 'convert' }], { n: '1.5e2' }, { n: 150 }],
    ['convert int -> double', [{ key: 'n', converted_type: 'double', action: 'convert' }], { n: 3n }, { n: 3 }],
    ['convert bad string -> double keeps it', [{ key: 'n', converted_type: 'double', action: 'convert' }], { n: 'x' }, { n: 'x' }],
    ['convert int -> string', [{ key: 'n', converted_type: 'string', action: 'convert' }], { n: 42n }, { n: '42' }],
    ['convert bool -> string', [{ key: 'n', converted_type: 'string', action: 'convert' }], { n: false }, { n: 'false' }],
    ['convert a missing key does nothing', [{ key: 'n', converted_type: 'int', action: 'convert' }], { a: '1' }, { a: '1' }],
    [
      'actions run in order, each seeing the last',
      [
        { key: 'a', value: 'x', action: 'insert' },
        { key: 'b', from_attribute: 'a', action: 'insert' },
        { key: 'a', action: 'delete' },
      ],
      {},
      { b: 'x' },
    ],
  ])('%s', (_name, actions, input, want) => {
    expect(run(actions, input)).toEqual(want);
  });

  it('from_context finds nothing without include_metadata or auth', () => {
    expect(run([{ key: 't', from_context: 'x-tenant', action: 'insert' }, { key: 's', from_context: 'auth.site', action: 'insert' }], {}, {})).toEqual({});
  });

  it('computes once per distinct set and returns the same interned set', () => {
    const a = new AttrActions(actionsSchema.parse([{ key: 'env', value: 'prod', action: 'insert' }]));
    const f = a.forBatch({});
    const x = Attributes.fromObject({ host: 'h1' });
    const out = f(x);
    expect(f(x)).toBe(out);
    expect(out).toBe(Attributes.fromObject({ env: 'prod', host: 'h1' }));
  });

  it('remembers results across batches, separately for each request context', () => {
    const a = new AttrActions(actionsSchema.parse([{ key: 'tenant', from_context: 'x-tenant', action: 'upsert' }]));
    const ctx = (t?: string): ClientInfo => ({ metadata: new Map(t === undefined ? [] : [['x-tenant', [t]]]) });
    const x = Attributes.fromObject({ host: 'h1' });
    const first = a.forBatch(ctx('a'))(x);
    expect(a.forBatch(ctx('a'))(x)).toBe(first);
    expect(a.forBatch(ctx('b'))(x).toObject()).toEqual({ host: 'h1', tenant: 'b' });
    expect(a.forBatch(ctx())(x)).toBe(x);
    expect(a.forBatch(ctx('a'))(x).toObject()).toEqual({ host: 'h1', tenant: 'a' });
  });

  it('stays right when one batch holds more distinct sets than the result cache keeps (generations turn over mid-batch)', () => {
    const a = new AttrActions(actionsSchema.parse([{ key: 'tenant', from_context: 'x-tenant', action: 'upsert' }]));
    const ctx = (t: string): ClientInfo => ({ metadata: new Map([['x-tenant', [t]]]) });
    const sets = Array.from({ length: 40_000 }, (_, i) => Attributes.fromObject({ host: `h${i}` }));
    for (const t of ['a', 'b', 'a']) {
      const f = a.forBatch(ctx(t));
      // Twice through, so later lookups hit entries made before a turnover.
      for (const k of [0, 1]) {
        for (let i = k; i < sets.length; i += 7) expect(f(sets[i]).toObject()).toEqual({ host: `h${i}`, tenant: t });
      }
    }
  });

  it('returns the input set itself when nothing changes', () => {
    const a = new AttrActions(actionsSchema.parse([{ key: 'env', value: 'prod', action: 'update' }]));
    const x = Attributes.fromObject({ host: 'h1' });
    expect(a.forBatch({})(x)).toBe(x);
  });

  it.each<[string, object, string]>([
    ['insert without a value source', { key: 'a', action: 'insert' }, 'actions::0: action insert needs one of value, from_attribute or from_context'],
    ['two value sources', { key: 'a', value: 1, from_attribute: 'b', action: 'upsert' }, 'actions::0: action upsert takes only one of value, from_attribute or from_context'],
    ['insert without key', { value: 1, action: 'insert' }, 'actions::0::key: required for action insert'],
    ['pattern on insert', { key: 'a', value: 1, pattern: 'x', action: 'insert' }, 'actions::0::pattern: action insert does not use pattern'],
    ['delete with neither key nor pattern', { action: 'delete' }, 'actions::0: action delete needs key, pattern or both'],
    ['hash with a value', { key: 'a', value: 'x', action: 'hash' }, 'actions::0: action hash does not use value, from_attribute or from_context'],
    ['a bad delete pattern', { pattern: '(', action: 'delete' }, 'actions::0::pattern: invalid regular expression "(":'],
    ['extract without pattern', { key: 'a', action: 'extract' }, 'actions::0::pattern: required for action extract'],
    ['extract with no named group', { key: 'a', pattern: '(\\d+)', action: 'extract' }, 'actions::0::pattern: has no named groups'],
    ['extract with an unnamed group', { key: 'a', pattern: '(?P<n>\\d+)(x)', action: 'extract' }, 'actions::0::pattern: every group must be named'],
    ['convert without type', { key: 'a', action: 'convert' }, 'actions::0::converted_type: required for action convert'],
    ['convert to a bad type', { key: 'a', converted_type: 'float', action: 'convert' }, 'actions::0::converted_type: must be one of: int, double, string (got "float")'],
  ])('rejects %s', (_name, action, message) => {
    const problems = checkActions(actionsSchema.parse([action]) as ActionConfig[]);
    expect(problems.join('\n')).toContain(message);
  });

  it('rejects an unknown action at schema time, naming the valid ones', () => {
    const r = actionsSchema.safeParse([{ key: 'a', action: 'rename' }]);
    expect(r.success).toBe(false);
    expect(r.error?.issues[0].message).toBe('must be one of: insert, update, upsert, delete, hash, extract, convert');
  });
});
