import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AwsPeers, startAwsPeers } from './kit/aws-peers.js';
import { type GatewayProcess, startGateway } from './kit/gateway.js';
import { freePort, freePorts, waitUntil } from './kit/ports.js';
import { type PrometheusPeer, startPrometheus } from './kit/prometheus.js';

/**
 * The prometheus_query_proxy against a real Prometheus standing in for AMP,
 * behind the botocore SigV4-verifying proxy (test/kit/sigv4-verifier.py),
 * which checks every signature independently of our signer before
 * forwarding. Answers through the proxy must equal Prometheus' own.
 */

const KEY = { accessKeyId: 'AKIDQUERYPROXYTEST', secretAccessKey: 'query-proxy-secret' };
const TOKEN = 'grafana-token-1';

const gatewayYaml = (proxyPort: number, upstream: string): string => `
receivers: {otlp: {protocols: {http: {endpoint: "127.0.0.1:0"}}}}
exporters: {debug: }
extensions:
  sigv4auth: {region: us-east-1, service: aps}
  bearertokenauth: {token: ${TOKEN}}
  prometheus_query_proxy:
    endpoint: 127.0.0.1:${proxyPort}
    upstream: ${upstream}
    auth: {authenticator: sigv4auth}
    inbound_auth: {authenticator: bearertokenauth}
    timeout: 30s
service:
  extensions: [sigv4auth, bearertokenauth, prometheus_query_proxy]
  telemetry: {metrics: {level: none}}
  pipelines: {metrics: {receivers: [otlp], exporters: [debug]}}
`;

const awsEnv = (secret: string): Record<string, string> => ({
  AWS_ACCESS_KEY_ID: KEY.accessKeyId,
  AWS_SECRET_ACCESS_KEY: secret,
  AWS_REGION: 'us-east-1',
  AWS_SESSION_TOKEN: '',
  AWS_PROFILE: '',
});

describe('prometheus_query_proxy in front of a SigV4-checked Prometheus', () => {
  let prom: PrometheusPeer;
  let aws: AwsPeers;
  let gw: GatewayProcess;
  let proxy: string;
  /** A moment with a few seconds of scraped data before it, fixed so both sides answer the same. */
  let t: number;

  beforeAll(async () => {
    const promPort = await freePort();
    prom = await startPrometheus({
      port: promPort,
      config: `global: {scrape_interval: 1s}\nscrape_configs:\n  - job_name: prometheus\n    static_configs: [{targets: ["127.0.0.1:${promPort}"]}]\n`,
    });
    await waitUntil(async () => {
      const r = await prom.query('count_over_time(up[1m])');
      return r.length === 1 && Number(r[0].value![1]) >= 4;
    }, 'Prometheus to have scraped itself a few times', 60_000, 500);
    t = Math.floor(Date.now() / 1000) - 1;
    aws = await startAwsPeers({ upstream: prom.url, staticKeys: [KEY] });
    const [proxyPort] = await freePorts(1);
    gw = await startGateway(gatewayYaml(proxyPort, aws.verifierUrl), { env: awsEnv(KEY.secretAccessKey) });
    proxy = `http://127.0.0.1:${proxyPort}`;
  }, 300_000);
  afterAll(async () => {
    await gw?.stop();
    await aws?.stop();
    await prom?.stop();
  });

  const bearer = { authorization: `Bearer ${TOKEN}` };
  const form = { 'content-type': 'application/x-www-form-urlencoded' };

  it('the verifier refuses unsigned requests, so what passes it was signed', async () => {
    const res = await fetch(`${aws.verifierUrl}/api/v1/query?query=up`);
    expect(res.status).toBe(403);
  });

  it('answers every read endpoint as Prometheus does (GET), each request signed for aps', async () => {
    await aws.resetStats();
    const q = (params: Record<string, string | string[]>): string => {
      const u = new URLSearchParams();
      for (const [k, v] of Object.entries(params)) for (const one of [v].flat()) u.append(k, one);
      return u.toString();
    };
    const range = { start: String(t - 10), end: String(t) };
    const paths = [
      `/api/v1/query?${q({ query: 'up', time: String(t) })}`,
      `/api/v1/query?${q({ query: 'sum by (job) (rate(prometheus_http_requests_total{code=~"2.."}[30s]))', time: String(t) })}`,
      `/api/v1/query_range?${q({ query: 'up * 2', ...range, step: '1' })}`,
      `/api/v1/series?${q({ 'match[]': ['up', 'prometheus_build_info'], ...range })}`,
      `/api/v1/labels?${q({ 'match[]': 'up', ...range })}`,
      `/api/v1/label/job/values?${q(range)}`,
      `/api/v1/metadata?${q({ metric: 'prometheus_tsdb_head_series' })}`,
      `/api/v1/status/buildinfo`,
    ];
    for (const path of paths) {
      const direct = await fetch(`${prom.url}${path}`);
      const via = await fetch(`${proxy}${path}`, { headers: bearer });
      expect(via.status, path).toBe(direct.status);
      expect(via.headers.get('content-type'), path).toBe(direct.headers.get('content-type'));
      const want = (await direct.json()) as { status: string; data: unknown };
      expect(want.status, path).toBe('success');
      expect(await via.json(), path).toEqual(want);
    }
    // The data is not empty: the comparisons compared something.
    const up = (await (await fetch(`${proxy}/api/v1/query?query=up&time=${t}`, { headers: bearer })).json()) as { data: { result: unknown[] } };
    expect(up.data.result).toHaveLength(1);

    const stats = await aws.stats();
    expect(stats.rejected).toBe(0);
    expect(stats.verified).toBe(paths.length + 1);
    for (const o of stats.recent) {
      expect(o).toMatchObject({ outcome: 'verified', service: 'aps', region: 'us-east-1', accessKeyId: KEY.accessKeyId, payloadHash: 'header' });
    }
  });

  it('answers POST form queries as Prometheus does, with the body signed', async () => {
    await aws.resetStats();
    const bodies: [string, string][] = [
      ['/api/v1/query', new URLSearchParams({ query: 'up + 1', time: String(t) }).toString()],
      ['/api/v1/query_range', new URLSearchParams({ query: 'rate(prometheus_http_requests_total[5s])', start: String(t - 10), end: String(t), step: '2' }).toString()],
      ['/api/v1/series', `match[]=up&start=${t - 10}&end=${t}`],
      ['/api/v1/labels', `match[]=up&start=${t - 10}&end=${t}`],
    ];
    for (const [path, body] of bodies) {
      const direct = await fetch(`${prom.url}${path}`, { method: 'POST', headers: form, body });
      const via = await fetch(`${proxy}${path}`, { method: 'POST', headers: { ...form, ...bearer }, body });
      expect(via.status, path).toBe(200);
      expect(await via.json(), path).toEqual(await direct.json());
    }
    const stats = await aws.stats();
    expect(stats.verified).toBe(bodies.length);
    expect(stats.recent.every((o) => o.method === 'POST' && o.outcome === 'verified' && o.service === 'aps')).toBe(true);
  });

  it('passes Prometheus errors through with their status', async () => {
    const path = '/api/v1/query?query=sum(';
    const direct = await fetch(`${prom.url}${path}`);
    const via = await fetch(`${proxy}${path}`, { headers: bearer });
    expect(via.status).toBe(direct.status);
    expect(via.status).toBe(400);
    expect(await via.json()).toEqual(await direct.json());
  });

  it('needs the inbound token: 401 without or with a wrong one, 200 with', async () => {
    const none = await fetch(`${proxy}/api/v1/query?query=up`);
    expect(none.status).toBe(401);
    expect(await none.json()).toMatchObject({ status: 'error', errorType: 'unauthorized' });
    expect((await fetch(`${proxy}/api/v1/query?query=up`, { headers: { authorization: 'Bearer nope' } })).status).toBe(401);
    expect((await fetch(`${proxy}/api/v1/query?query=up`, { headers: bearer })).status).toBe(200);
  });

  it('refuses paths outside the read API with 404, without reaching the upstream', async () => {
    await aws.resetStats();
    const res = await fetch(`${proxy}/api/v1/admin/tsdb/delete_series?match[]=up`, { method: 'POST', headers: bearer });
    expect(res.status).toBe(404);
    expect(await res.json()).toMatchObject({ status: 'error', errorType: 'not_found' });
    expect((await aws.stats()).verified + (await aws.stats()).rejected).toBe(0);
  });

  it('passes the upstream 403 on when the secret is wrong', async () => {
    const [port] = await freePorts(1);
    const wrong = await startGateway(gatewayYaml(port, aws.verifierUrl), { env: awsEnv('not-the-secret') });
    try {
      await aws.resetStats();
      const res = await fetch(`http://127.0.0.1:${port}/api/v1/query?query=up`, { headers: bearer });
      expect(res.status).toBe(403);
      const body = (await res.json()) as { status: string; errorType: string; error: string };
      expect(body).toMatchObject({ status: 'error', errorType: 'forbidden' });
      expect(body.error).toContain('SignatureDoesNotMatch');
      expect((await aws.stats()).lastRejection).toMatchObject({ code: 'SignatureDoesNotMatch', accessKeyId: KEY.accessKeyId });
    } finally {
      await wrong.stop();
    }
  }, 120_000);
});
