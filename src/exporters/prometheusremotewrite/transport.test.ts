import { createServer } from 'node:http';
import { Agent } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ClientAuthenticator } from '../../component/client-auth.js';
import { RemoteWriteTransport } from './transport.js';

/** A server that answers each POST with the next canned (status, body). */
let answers: [number, string][] = [];
const server = createServer((req, res) => {
  req.resume();
  req.on('end', () => {
    const [status, body] = answers.shift() ?? [204, ''];
    res.writeHead(status, { 'content-type': 'text/plain' }).end(body);
  });
});
let url: URL;
const dispatcher = new Agent();

beforeAll(async () => {
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  url = new URL(`http://127.0.0.1:${(server.address() as { port: number }).port}/api/v1/write`);
});
afterAll(async () => {
  server.close();
  await dispatcher.close();
});

function signer(): ClientAuthenticator & { expired: number } {
  const a = {
    isClientAuthenticator: true as const,
    expired: 0,
    start: async () => {},
    shutdown: async () => {},
    authorize: async () => ({ authorization: 'AWS4-HMAC-SHA256 test' }),
    credentialsExpired: () => {
      a.expired++;
    },
  };
  return a;
}

describe('remote-write transport: refused credentials', () => {
  it('retries a 403 that says the security token expired, after telling the authenticator to load new credentials', async () => {
    const auth = signer();
    const t = new RemoteWriteTransport({ url, headers: {}, timeoutMs: 5_000, dispatcher, auth: () => auth });
    answers = [[403, '{"message":"The security token included in the request is expired"}']];
    const r = await t.send(Buffer.from('x'));
    expect(r).toMatchObject({ kind: 'retry', reason: 'credentials_expired' });
    expect(auth.expired).toBe(1);
    answers = [[204, '']];
    expect(await t.send(Buffer.from('x'))).toMatchObject({ kind: 'ok' });
  });

  it('keeps a 403 for a wrong signature permanent: new credentials would be the same wrong ones', async () => {
    const auth = signer();
    const t = new RemoteWriteTransport({ url, headers: {}, timeoutMs: 5_000, dispatcher, auth: () => auth });
    answers = [[403, '{"message":"The request signature we calculated does not match the signature you provided."}']];
    expect(await t.send(Buffer.from('x'))).toMatchObject({ kind: 'permanent', status: 403 });
    expect(auth.expired).toBe(0);
  });

  it('keeps a 403 permanent when no authenticator signed the request', async () => {
    const t = new RemoteWriteTransport({ url, headers: {}, timeoutMs: 5_000, dispatcher, auth: () => undefined });
    answers = [[403, 'ExpiredTokenException']];
    expect(await t.send(Buffer.from('x'))).toMatchObject({ kind: 'permanent', status: 403 });
  });
});
