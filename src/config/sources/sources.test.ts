import { describe, expect, it } from 'vitest';
import { ConfigSourceError } from '../config-error.js';
import { isLoopback } from './https.js';
import { builtinSources } from './index.js';
import { DEFAULT_SOURCE_TIMEOUT_MS, sourceTimeoutMs } from './source.js';

const sources = builtinSources({});
const which = (uri: string): number => sources.findIndex((s) => s.handles(uri));

describe('which source reads a --config value', () => {
  it.each([
    ['gateway.yaml', 5],
    ['/etc/tributary/gateway.yaml', 5],
    ['file:gateway.yaml', 5],
    ['yaml:{}', 0],
    ['env:CONFIG', 1],
    ['ssm:/tributary/config', 2],
    ['ssm:arn:aws:ssm:eu-west-1:123456789012:parameter/tributary', 2],
    ['s3://bucket/key.yaml', 3],
    ['https://config.example.com/gateway.yaml', 4],
    ['http://127.0.0.1:8080/gateway.yaml', 4],
    ['ftp://host/x', -1],
  ])('%s -> source %i', (uri, index) => expect(which(uri)).toBe(index));
});

describe('malformed values fail before any network call', () => {
  it.each([
    ['ssm:', /expected ssm:<parameter-name>/],
    ['s3://bucket-only', /expected s3:\/\/<bucket>\/<key>/],
    ['s3://bucket/', /expected s3:\/\/<bucket>\/<key>/],
    ['http://10.0.0.1/gateway.yaml', /plain http:\/\/ is accepted only for loopback hosts/],
    ['http://config.internal/gateway.yaml', /plain http:\/\/ is accepted only for loopback hosts/],
  ])('%s', async (uri, message) => {
    const s = sources[which(uri)];
    const err = await s.read(uri).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(ConfigSourceError);
    expect((err as Error).message).toMatch(new RegExp(`^--config ${uri.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}: `));
    expect((err as Error).message).toMatch(message);
  });
});

describe('loopback hosts', () => {
  it.each([
    ['localhost', true],
    ['127.0.0.1', true],
    ['127.1.2.3', true],
    ['[::1]', true],
    ['10.0.0.1', false],
    ['localhost.example.com', false],
    ['128.0.0.1', false],
  ])('%s -> %s', (host, want) => expect(isLoopback(host)).toBe(want));
});

describe('TRIBUTARY_CONFIG_SOURCE_TIMEOUT', () => {
  it('is a duration, with a default for unset or unreadable values', () => {
    expect(sourceTimeoutMs({ TRIBUTARY_CONFIG_SOURCE_TIMEOUT: '5s' })).toBe(5000);
    expect(sourceTimeoutMs({})).toBe(DEFAULT_SOURCE_TIMEOUT_MS);
    expect(sourceTimeoutMs({ TRIBUTARY_CONFIG_SOURCE_TIMEOUT: 'soon' })).toBe(DEFAULT_SOURCE_TIMEOUT_MS);
  });
});
