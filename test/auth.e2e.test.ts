import { readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeStatus, encodeRequest, gaugeRequest, grpcExport } from '../src/test-kit/otlp-client.js';
import { type GatewayProcess, startGateway, tempDir } from './kit/gateway.js';
import { freePorts, waitUntil } from './kit/ports.js';
import { parsePromText, sampleValue } from './kit/prom-text.js';
import { sdkClient } from './kit/sdk-client.js';

/**
 * On-prem sites push with their own revocable tokens: the built gateway
 * with bearertokenauth in front of the otlp receiver, the OpenTelemetry JS
 * SDK's exporter (with its `headers` option) and raw gRPC calls as clients,
 * the file exporter as the sink. Refused requests leave nothing in the file;
 * an edit to the tokens file takes effect without a restart; a tenant over
 * its rate limit gets 429 while another tenant is served.
 *
 * The token's attributes reaching the pipeline (ctx.client.auth) are checked
 * in process (src/receivers/otlp/auth.test.ts): no processor turns them
 * into labels yet. Here they show in the rate limiter, keyed by auth.tenant.
 */

let gw: GatewayProcess;
let dir: string;
let acmeHttp: string;
let acmeGrpc: string;
let limitedHttp: string;
let telemetry: string;

const TOKENS = `
- {token: acme-paris-token, name: acme-paris, attributes: {tenant: acme, site: paris}}
- {token: globex-token, name: globex-nyc, attributes: {tenant: globex, site: nyc}}
`;

beforeAll(async () => {
  dir = await tempDir('tributary-auth-');
  await writeFile(join(dir, 'tokens.yaml'), TOKENS);
  const [h, g, l, hc, tel] = await freePorts(5);
  acmeHttp = `127.0.0.1:${h}`;
  acmeGrpc = `127.0.0.1:${g}`;
  limitedHttp = `127.0.0.1:${l}`;
  telemetry = `http://127.0.0.1:${tel}/metrics`;
  gw = await startGateway(
    `
extensions:
  health_check: {endpoint: "127.0.0.1:${hc}"}
  # Both instances read one tokens file; "acme" admits tenant acme only.
  bearertokenauth/acme:
    tokens_file: ./tokens.yaml
    reload_interval: 100ms
    allowed: {tenant: [acme]}
  bearertokenauth/all:
    tokens_file: ./tokens.yaml
    reload_interval: 100ms
receivers:
  otlp/acme:
    protocols:
      http: {endpoint: "${acmeHttp}", include_metadata: true, auth: {authenticator: bearertokenauth/acme}}
      grpc: {endpoint: "${acmeGrpc}", include_metadata: true, auth: {authenticator: bearertokenauth/acme}}
  otlp/limited:
    protocols:
      http:
        endpoint: "${limitedHttp}"
        auth: {authenticator: bearertokenauth/all}
        rate_limit: {key: auth.tenant, requests_per_second: 0.02, burst: 3}
exporters:
  file: {path: ./out.jsonl}
service:
  extensions: [health_check, bearertokenauth/acme, bearertokenauth/all]
  telemetry: {metrics: {address: "127.0.0.1:${tel}"}}
  pipelines:
    metrics: {receivers: [otlp/acme, otlp/limited], exporters: [file]}
`,
    { readyUrl: `http://127.0.0.1:${hc}/`, dir },
  );
});

afterAll(async () => {
  expect(await gw?.stop()).toBe(0);
});

async function fileText(): Promise<string> {
  return readFile(join(dir, 'out.jsonl'), 'utf8').catch(() => '');
}

/** Whether the file exporter wrote data of this run (resource attribute run.id) or this metric name. */
async function arrived(marker: string): Promise<boolean> {
  return (await fileText()).includes(`"${marker}"`);
}

/** Exports once with the SDK's OTLP/HTTP exporter; returns whether the SDK saw success, and its error. */
async function sdkExport(runId: string, headers?: Record<string, string>): Promise<{ ok: boolean; error: string }> {
  const client = sdkClient({ protocol: 'http/protobuf', endpoint: acmeHttp, temporality: 'cumulative', runId, headers });
  client.provider.getMeter('auth-e2e').createCounter('site_requests').add(1);
  await client.flush().catch(() => undefined);
  await client.shutdown().catch(() => undefined);
  const r = client.tee.exported[0];
  expect(r, 'the SDK exported once').toBeDefined();
  return { ok: r.ok, error: String(r.error?.message ?? '') };
}

const rawBody = (name: string) => encodeRequest(gaugeRequest(name, 1));
const post = (endpoint: string, name: string, authorization?: string) =>
  fetch(`http://${endpoint}/v1/metrics`, {
    method: 'POST',
    body: rawBody(name),
    headers: { 'content-type': 'application/x-protobuf', ...(authorization === undefined ? {} : { authorization }) },
  });

describe('bearertokenauth with the OpenTelemetry SDK exporter', () => {
  it('a valid token of the admitted tenant: exported and written', async () => {
    const r = await sdkExport('sdk-acme', { Authorization: 'Bearer acme-paris-token' });
    expect(r).toEqual({ ok: true, error: '' });
    await waitUntil(() => arrived('sdk-acme'), 'the acme export at the file exporter');
  });

  it.each([
    ['no token', undefined, /401|Unauthorized/i],
    ['an unknown token', { Authorization: 'Bearer guessed-token' }, /401|Unauthorized/i],
    ["another tenant's valid token", { Authorization: 'Bearer globex-token' }, /403|Forbidden/i],
  ])('%s: refused, and nothing written', async (name, headers, status) => {
    const runId = `sdk-${name.replace(/\W+/g, '-')}`;
    const r = await sdkExport(runId, headers);
    expect(r.ok).toBe(false);
    expect(r.error).toMatch(status);
    // The accepted export above is written; a refused one never is (it was refused before the pipeline).
    await waitUntil(() => arrived('sdk-acme'), 'the file exporter to have written');
    expect(await arrived(runId)).toBe(false);
  });

  it('HTTP statuses and the WWW-Authenticate challenge, raw', async () => {
    const none = await post(acmeHttp, 'raw_none');
    expect(none.status).toBe(401);
    expect(none.headers.get('www-authenticate')).toBe('Bearer realm="tributary"');
    expect((await post(acmeHttp, 'raw_globex', 'Bearer globex-token')).status).toBe(403);
    expect((await post(acmeHttp, 'raw_acme', 'Bearer acme-paris-token')).status).toBe(200);
    await waitUntil(() => arrived('raw_acme'), 'raw_acme at the file exporter');
    expect(await arrived('raw_none')).toBe(false);
    expect(await arrived('raw_globex')).toBe(false);
  });
});

describe('bearertokenauth over gRPC', () => {
  it('UNAUTHENTICATED without or with a wrong token, PERMISSION_DENIED for another tenant, OK for acme', async () => {
    const call = (name: string, authorization?: string) =>
      grpcExport(acmeGrpc, rawBody(name), { metadata: authorization === undefined ? {} : { authorization } });
    expect((await call('grpc_none')).code).toBe(16);
    expect((await call('grpc_wrong', 'Bearer wrong')).code).toBe(16);
    expect((await call('grpc_globex', 'Bearer globex-token')).code).toBe(7);
    expect((await call('grpc_acme', 'Bearer acme-paris-token')).code).toBe(0);
    await waitUntil(() => arrived('grpc_acme'), 'grpc_acme at the file exporter');
    for (const refused of ['grpc_none', 'grpc_wrong', 'grpc_globex']) expect(await arrived(refused)).toBe(false);
  });
});

describe('the tokens file', () => {
  it('an edit adds a site and revokes another without a restart', async () => {
    expect((await post(acmeHttp, 'before_edit', 'Bearer acme-lyon-token')).status).toBe(401);
    const next = join(dir, 'tokens.yaml.new');
    await writeFile(next, `- {token: acme-lyon-token, name: acme-lyon, attributes: {tenant: acme, site: lyon}}\n- {token: globex-token, name: globex-nyc, attributes: {tenant: globex}}\n`);
    await rename(next, join(dir, 'tokens.yaml'));
    await waitUntil(async () => (await post(acmeHttp, 'after_edit', 'Bearer acme-lyon-token')).status === 200, 'the new token to be accepted');
    expect((await post(acmeHttp, 'revoked', 'Bearer acme-paris-token')).status).toBe(401);
    await waitUntil(() => arrived('after_edit'), 'after_edit at the file exporter');
    expect(await arrived('before_edit')).toBe(false);
    expect(await arrived('revoked')).toBe(false);
    expect(gw.logs()).toContain('tokens_file reloaded');
    expect(gw.logs()).not.toMatch(/acme-lyon-token|acme-paris-token|globex-token/);
  });
});

describe('rate_limit keyed by the token\'s tenant', () => {
  it('a tenant over its limit gets 429 with Retry-After; another tenant is unaffected', async () => {
    // The tokens file now holds acme-lyon (acme) and globex (see the previous test); burst 3, then 1 per 50s.
    const statuses: number[] = [];
    let refused: Response | undefined;
    for (let i = 0; i < 6 && refused === undefined; i++) {
      const res = await post(limitedHttp, `limited_acme_${i}`, 'Bearer acme-lyon-token');
      statuses.push(res.status);
      if (res.status === 429) refused = res;
    }
    expect(statuses).toEqual([200, 200, 200, 429]);
    expect(Number(refused!.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    // The key in the message is the tenant attribute of the token: the identity reached the receiver.
    expect(decodeStatus(Buffer.from(await refused!.arrayBuffer())).message).toMatch(/^TRIB_ERR_LIMIT_RATE: auth.tenant "acme" is over its limit/);
    expect((await post(limitedHttp, 'limited_globex', 'Bearer globex-token')).status).toBe(200);
    await waitUntil(() => arrived('limited_globex'), 'limited_globex at the file exporter');
    expect(await arrived('limited_acme_3')).toBe(false);

    const page = parsePromText(await (await fetch(telemetry)).text());
    expect(sampleValue(page, 'tributary_receiver_rate_limited_requests_total', { receiver: 'otlp/limited', key: 'acme', limit: 'requests' })).toBe(1);
    expect(sampleValue(page, 'tributary_receiver_requests_total', { receiver: 'otlp/limited', transport: 'http', status: '429' })).toBe(1);
  });
});
