import { type IncomingMessage, type ServerResponse, createServer } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ClientAuthenticator, OutgoingRequest } from '../../component/client-auth.js';
import { RecordingAuthenticator } from '../../test-kit/authenticator.js';
import { lifecycleSuite } from '../../test-kit/lifecycle-suite.js';
import { listenLocal, readBody } from '../../test-kit/local-server.js';
import { testHost, testSettings } from '../../test-kit/settings.js';
import { queryProxySchema, validateQueryProxy } from './config.js';
import { queryProxyFactory } from './factory.js';
import { QueryProxy } from './proxy.js';
import { canonicalQuery, upstreamUrl } from './upstream.js';

interface Seen {
  readonly method: string;
  readonly url: string;
  readonly headers: IncomingMessage['headers'];
  readonly body: string;
}

/** A client authenticator that records what it was asked to sign and adds one header. */
class RecordingSigner implements ClientAuthenticator {
  readonly isClientAuthenticator = true as const;
  readonly asked: OutgoingRequest[] = [];
  fail: Error | undefined;
  async start(): Promise<void> {}
  async shutdown(): Promise<void> {}
  async authorize(req: OutgoingRequest): Promise<Record<string, string>> {
    if (this.fail !== undefined) throw this.fail;
    this.asked.push(req);
    return { authorization: `signed ${req.method} ${req.url.pathname}${req.url.search}` };
  }
}

describe('canonical query strings', () => {
  it.each([
    ['query=up%7Bjob%3D%22a+b%22%7D&time=1', 'query=up%7Bjob%3D%22a%20b%22%7D&time=1'],
    ['match[]=up&match[]=x*', 'match%5B%5D=up&match%5B%5D=x%2A'],
    ["q=~!'()", 'q=~%21%27%28%29'],
    ['', ''],
  ])('%s -> %s', (raw, want) => expect(canonicalQuery(raw)).toBe(want));

  it('appends the API path to the base path', () => {
    expect(upstreamUrl(new URL('https://aps-workspaces.eu-west-1.amazonaws.com/workspaces/ws-1/'), '/api/v1/query', 'query=up').href).toBe(
      'https://aps-workspaces.eu-west-1.amazonaws.com/workspaces/ws-1/api/v1/query?query=up',
    );
  });
});

describe('config', () => {
  it('defaults to localhost:19090 and a 2m timeout', () => {
    const c = queryProxySchema.parse({ upstream: 'http://prom:9090' });
    expect(c.endpoint).toBe('localhost:19090');
    expect(c.timeout).toBe(120_000);
  });
  it('refuses an upstream that already ends in /api/v1, or is not a URL', () => {
    expect(validateQueryProxy(queryProxySchema.parse({ upstream: 'http://prom:9090/api/v1' }))).toEqual([expect.stringMatching(/^upstream: give the base URL without \/api\/v1/)]);
    expect(queryProxySchema.safeParse({ upstream: 'prom:9090' }).success).toBe(false);
  });
});

lifecycleSuite(queryProxyFactory, { endpoint: '127.0.0.1:0', upstream: 'http://127.0.0.1:1' });

describe('the proxy', () => {
  const seen: Seen[] = [];
  let upstream: { url: string; close: () => Promise<void> };
  const signer = new RecordingSigner();
  const inbound = new RecordingAuthenticator({ 'Bearer good': { authenticator: 'bearertokenauth', subject: 'grafana', attributes: {} } });
  let proxy: QueryProxy;
  let base: string;
  const handle = (req: IncomingMessage, res: ServerResponse, body: Buffer): void => {
    seen.push({ method: req.method!, url: req.url!, headers: req.headers, body: body.toString() });
    const path = req.url!.split('?')[0];
    if (path.endsWith('/api/v1/query') && req.url!.includes('bad')) {
      res.writeHead(400, { 'content-type': 'application/json' }).end('{"status":"error","errorType":"bad_data","error":"parse error"}');
    } else if (path.endsWith('/api/v1/labels') && req.url!.includes('deny')) {
      res.writeHead(403, { 'content-type': 'application/json' }).end('{"message":"The request signature we calculated does not match"}');
    } else if (path.endsWith('/api/v1/metadata') && req.url!.includes('slow')) {
      // never answers
    } else {
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"status":"success","data":[]}');
    }
  };

  beforeAll(async () => {
    upstream = await listenLocal(createServer((req, res) => readBody(req, (b) => handle(req, res, b))));
    const config = queryProxySchema.parse({ endpoint: '127.0.0.1:0', upstream: `${upstream.url}/workspaces/ws-1`, auth: { authenticator: 'sigv4auth' }, inbound_auth: { authenticator: 'bearertokenauth' }, timeout: '500ms' });
    proxy = new QueryProxy(testSettings('extension', 'prometheus_query_proxy'), config);
    await proxy.start(testHost({ sigv4auth: signer, bearertokenauth: inbound }));
    base = proxy.endpoints()[0];
  });
  afterAll(async () => {
    await proxy?.shutdown();
    await upstream?.close();
  });
  const auth = { authorization: 'Bearer good' };

  it('forwards GET with the query in canonical form, signed, without the caller\'s credentials', async () => {
    const res = await fetch(`${base}/api/v1/query?query=up%7Bjob%3D%22a+b%22%7D&time=1`, { headers: { ...auth, cookie: 'x=1' } });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/application\/json/);
    expect(await res.json()).toEqual({ status: 'success', data: [] });
    const s = seen.at(-1)!;
    expect(s.method).toBe('GET');
    expect(s.url).toBe('/workspaces/ws-1/api/v1/query?query=up%7Bjob%3D%22a%20b%22%7D&time=1');
    expect(s.headers.authorization).toBe(`signed GET ${s.url}`);
    expect(s.headers.cookie).toBeUndefined();
  });

  it('forwards POST form bodies, and the signer is given the body', async () => {
    const body = 'query=sum(rate(x[5m]))&start=1&end=2&step=15';
    const res = await fetch(`${base}/api/v1/query_range`, { method: 'POST', headers: { ...auth, 'content-type': 'application/x-www-form-urlencoded' }, body });
    expect(res.status).toBe(200);
    const s = seen.at(-1)!;
    expect(s.method).toBe('POST');
    expect(s.body).toBe(body);
    expect(s.headers['content-type']).toBe('application/x-www-form-urlencoded');
    expect(Buffer.from(signer.asked.at(-1)!.body).toString()).toBe(body);
  });

  it('serves label values by name', async () => {
    expect((await fetch(`${base}/api/v1/label/job/values`, { headers: auth })).status).toBe(200);
    expect(seen.at(-1)!.url).toBe('/workspaces/ws-1/api/v1/label/job/values');
  });

  it('refuses other paths with 404 and wrong methods with 405, as Prometheus JSON, without calling upstream', async () => {
    const before = seen.length;
    const r404 = await fetch(`${base}/api/v1/write`, { method: 'POST', headers: auth, body: 'x' });
    expect(r404.status).toBe(404);
    expect(await r404.json()).toMatchObject({ status: 'error', errorType: 'not_found' });
    const r405 = await fetch(`${base}/api/v1/label/job/values`, { method: 'POST', headers: auth, body: '' });
    expect(r405.status).toBe(405);
    expect(await r405.json()).toMatchObject({ status: 'error', errorType: 'method_not_allowed' });
    expect(seen.length).toBe(before);
  });

  it('needs inbound credentials: 401 without, in Prometheus JSON', async () => {
    const before = seen.length;
    const res = await fetch(`${base}/api/v1/query?query=up`);
    expect(res.status).toBe(401);
    expect(await res.json()).toMatchObject({ status: 'error', errorType: 'unauthorized' });
    expect(seen.length).toBe(before);
  });

  it('passes Prometheus errors through unchanged and wraps other upstream errors with their status', async () => {
    const bad = await fetch(`${base}/api/v1/query?query=bad`, { headers: auth });
    expect(bad.status).toBe(400);
    expect(await bad.json()).toEqual({ status: 'error', errorType: 'bad_data', error: 'parse error' });
    const denied = await fetch(`${base}/api/v1/labels?x=deny`, { headers: auth });
    expect(denied.status).toBe(403);
    expect(await denied.json()).toEqual({ status: 'error', errorType: 'forbidden', error: 'upstream answered HTTP 403: {"message":"The request signature we calculated does not match"}' });
  });

  it('answers 504 when the upstream does not answer within timeout', async () => {
    const res = await fetch(`${base}/api/v1/metadata?slow=1`, { headers: auth });
    expect(res.status).toBe(504);
    expect(await res.json()).toMatchObject({ status: 'error', errorType: 'timeout' });
  });

  it('answers 502 when the request cannot be signed', async () => {
    signer.fail = new Error('no AWS credentials');
    try {
      const res = await fetch(`${base}/api/v1/query?query=up`, { headers: auth });
      expect(res.status).toBe(502);
      expect(await res.json()).toMatchObject({ status: 'error', errorType: 'unavailable', error: expect.stringContaining('no AWS credentials') });
    } finally {
      signer.fail = undefined;
    }
  });
});

describe('an unreachable upstream', () => {
  it('is 502 in Prometheus JSON', async () => {
    const dead = await listenLocal(createServer());
    const url = dead.url;
    await dead.close();
    const proxy = new QueryProxy(testSettings('extension', 'prometheus_query_proxy'), queryProxySchema.parse({ endpoint: '127.0.0.1:0', upstream: url }));
    await proxy.start(testHost());
    try {
      const res = await fetch(`${proxy.endpoints()[0]}/api/v1/query?query=up`);
      expect(res.status).toBe(502);
      expect(await res.json()).toMatchObject({ status: 'error', errorType: 'unavailable', error: expect.stringMatching(/unreachable \(ECONNREFUSED/) });
    } finally {
      await proxy.shutdown();
    }
  });
});
