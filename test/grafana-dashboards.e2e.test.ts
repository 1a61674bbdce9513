import { readFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import { join } from 'node:path';
import { CloudWatchClient, type MetricDatum, PutMetricDataCommand, type StandardUnit } from '@aws-sdk/client-cloudwatch';
import { AwsQueryProtocol } from '@aws-sdk/core/protocols';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { listenLocal, readBody } from '../src/test-kit/local-server.js';
import { type GatewayProcess, ROOT, startGateway } from './kit/gateway.js';
import { type DashboardFile, allPanels, labelValuesQueries, panelQueries, readDashboards } from './kit/grafana.js';
import { gaugeRequestOf, postOtlp } from './kit/otlp-send.js';
import { freePorts, waitUntil } from './kit/ports.js';
import { type PrometheusPeer, startPrometheus } from './kit/prometheus.js';
import { type ScrapeTarget, startScrapeTarget } from './kit/scrape-target.js';
import { sendStandardOnce } from './kit/sdk-client.js';
import { startVmagent } from './kit/victoria.js';

/**
 * The dashboards in deploy/grafana/dashboards, checked against what the
 * gateway really writes. The gateway's own metrics reach Prometheus only
 * through its own pipeline (the periodic OTLP reader pointed at its own
 * OTLP receiver, then the prometheusremotewrite exporter), as they reach
 * AMP in production; nobody scrapes it. On-prem data arrives as it would:
 * CloudWatch Agent measurements over PutMetricData (AWS Query, as the agent
 * sends) and node_exporter-style metrics scraped by vmagent and remote-written
 * to the gateway. A fault pipeline makes the refusal, retry, rate-limit and
 * memory-limit counters move. Two Prometheus servers receive the same data,
 * one from an exporter with `add_metric_suffixes` on (the default) and one
 * with it off, and every panel query and variable query read from the JSON
 * files must parse and return series in both, for the self-pushed metrics
 * (job "tributary"). The first server also scrapes the gateway's /metrics
 * page (job "tributary-scraped"), and the queries must find that too.
 */

const DASHBOARDS = join(ROOT, 'deploy', 'grafana', 'dashboards');
const PROVISIONING = join(ROOT, 'deploy', 'grafana', 'provisioning');
const PARIS = { id: 'AKIDPARIS0001', secret: 'paris-secret-1', site: 'paris' };
const NICE = { id: 'AKIDNICE0001', secret: 'nice-secret-1', site: 'nice' };

let dashboards: DashboardFile[];

beforeAll(async () => {
  dashboards = await readDashboards(DASHBOARDS);
});

describe('dashboard files', () => {
  it('are Grafana dashboards whose panels have unique ids and query through the $datasource variable', () => {
    expect(dashboards.map((d) => d.file)).toEqual(['gateway-health.json', 'onprem-hosts.json']);
    const uids = new Set<string>();
    for (const { file, dashboard: d } of dashboards) {
      expect(d.schemaVersion, file).toBeGreaterThanOrEqual(36);
      expect(d.uid, file).toMatch(/^[a-z0-9-]{1,40}$/);
      expect(uids.has(d.uid!), `${file}: uid ${d.uid} is used twice`).toBe(false);
      uids.add(d.uid!);
      const vars = d.templating?.list ?? [];
      expect(vars.find((v) => v.name === 'datasource')?.type, `${file}: datasource variable`).toBe('datasource');
      const ids = allPanels(d).map((p) => p.id);
      expect(ids.every((id) => typeof id === 'number'), `${file}: every panel has an id`).toBe(true);
      expect(new Set(ids).size, `${file}: panel ids are unique`).toBe(ids.length);
      for (const p of allPanels(d)) {
        if (p.type === 'row') continue;
        expect(p.datasource, `${file}: panel "${p.title}"`).toEqual({ type: 'prometheus', uid: '${datasource}' });
        expect(p.targets?.length ?? 0, `${file}: panel "${p.title}" has targets`).toBeGreaterThan(0);
        const refIds = (p.targets ?? []).map((t) => t.refId);
        expect(new Set(refIds).size, `${file}: panel "${p.title}" refIds`).toBe(refIds.length);
        for (const t of p.targets ?? []) expect(t.datasource, `${file}: panel "${p.title}" target ${t.refId}`).toEqual({ type: 'prometheus', uid: '${datasource}' });
      }
      for (const v of vars) if (v.type === 'query') expect(v.datasource, `${file}: variable ${v.name}`).toEqual({ type: 'prometheus', uid: '${datasource}' });
      expect(panelQueries({ file, dashboard: d }).length, file).toBeGreaterThan(5);
    }
  });
});

describe('provisioning files', () => {
  interface Datasource {
    name: string;
    uid: string;
    type: string;
    url: string;
    jsonData: Record<string, unknown>;
  }
  const datasources = async (f: string) => (parseYaml(await readFile(join(PROVISIONING, 'datasources', f), 'utf8')) as { apiVersion: number; datasources: Datasource[] }).datasources;

  it('define AMP with SigV4 and the query proxy as Prometheus data sources, from environment variables', async () => {
    const [amp] = await datasources('amp.yaml');
    expect(amp).toMatchObject({ type: 'prometheus', uid: 'amp', jsonData: { sigV4Auth: true, sigV4AuthType: 'default', sigV4Region: '${AMP_REGION}', httpMethod: 'POST' } });
    expect(amp.url).toBe('https://aps-workspaces.${AMP_REGION}.amazonaws.com/workspaces/${AMP_WORKSPACE_ID}');
    const [proxy] = await datasources('query-proxy.yaml');
    expect(proxy).toMatchObject({ type: 'prometheus', uid: 'tributary-query-proxy', url: '${TRIBUTARY_QUERY_PROXY_URL}', jsonData: { httpMethod: 'POST' } });
    expect(proxy.jsonData.sigV4Auth).toBeUndefined();
  });

  it('load the dashboards folder with a file provider', async () => {
    const doc = parseYaml(await readFile(join(PROVISIONING, 'dashboards', 'tributary.yaml'), 'utf8')) as { providers: { type: string; options: { path: string } }[] };
    expect(doc.providers).toHaveLength(1);
    expect(doc.providers[0]).toMatchObject({ type: 'file', options: { path: expect.stringMatching(/dashboards/) } });
  });
});

/** Fails every remote write: /503 with Retry-After (retried), /400 (given up at once). */
function startFailingEndpoint(): Promise<{ url: string; close(): Promise<void> }> {
  return listenLocal(
    createServer((req, res) => {
      readBody(req, () => {
        if (req.url === '/400') res.writeHead(400, { 'content-type': 'text/plain' }).end('out of bounds');
        else res.writeHead(503, { 'retry-after': '1', 'content-type': 'text/plain' }).end('overloaded');
      });
    }),
  );
}

/** A node_exporter-like page for host `host`; counters grow with every scrape. */
function nodeExporterPage(host: number) {
  return (n: number) => {
    const lines: string[] = [];
    const t = (name: string, type: string) => lines.push(`# HELP ${name} ${name}.`, `# TYPE ${name} ${type}`);
    t('node_cpu_seconds_total', 'counter');
    for (const cpu of ['0', '1'])
      for (const [mode, share] of [
        ['idle', 0.7],
        ['user', 0.2],
        ['system', 0.1],
      ] as const)
        lines.push(`node_cpu_seconds_total{cpu="${cpu}",mode="${mode}"} ${(1000 + n * 2 * share * (1 + host / 10)).toFixed(3)}`);
    t('node_memory_MemAvailable_bytes', 'gauge');
    lines.push(`node_memory_MemAvailable_bytes ${4e9 - n * 1e6 * host}`);
    t('node_memory_MemTotal_bytes', 'gauge');
    lines.push('node_memory_MemTotal_bytes 8e+09');
    t('node_filesystem_avail_bytes', 'gauge');
    lines.push(`node_filesystem_avail_bytes{device="/dev/sda1",fstype="ext4",mountpoint="/"} ${5e10 - n * 1e5}`);
    lines.push('node_filesystem_avail_bytes{device="tmpfs",fstype="tmpfs",mountpoint="/run"} 1e+08');
    t('node_filesystem_size_bytes', 'gauge');
    lines.push('node_filesystem_size_bytes{device="/dev/sda1",fstype="ext4",mountpoint="/"} 1e+11');
    lines.push('node_filesystem_size_bytes{device="tmpfs",fstype="tmpfs",mountpoint="/run"} 2e+08');
    t('node_network_receive_bytes_total', 'counter');
    t('node_network_transmit_bytes_total', 'counter');
    for (const device of ['eth0', 'lo']) {
      lines.push(`node_network_receive_bytes_total{device="${device}"} ${n * 125_000}`);
      lines.push(`node_network_transmit_bytes_total{device="${device}"} ${n * 50_000}`);
    }
    t('node_load1', 'gauge');
    lines.push(`node_load1 ${(0.5 + (n % 5) / 10).toFixed(2)}`);
    return `${lines.join('\n')}\n`;
  };
}

/** What a CloudWatch Agent with the usual cpu, mem, disk and swap measurements sends for one host. */
function cwAgentData(host: string, tick: number): MetricDatum[] {
  const at = new Date();
  const d = (name: string, value: number, unit: StandardUnit, dims: Record<string, string> = {}): MetricDatum => ({
    MetricName: name,
    Value: value,
    Unit: unit,
    Timestamp: at,
    StorageResolution: 60,
    Dimensions: Object.entries({ host, ...dims }).map(([Name, Value]) => ({ Name, Value })),
  });
  const busy = 20 + (tick % 10);
  return [
    d('cpu_usage_idle', 100 - busy, 'Percent', { cpu: 'cpu-total' }),
    d('cpu_usage_user', busy * 0.7, 'Percent', { cpu: 'cpu-total' }),
    d('cpu_usage_system', busy * 0.3, 'Percent', { cpu: 'cpu-total' }),
    d('mem_used_percent', 41.5, 'Percent'),
    d('mem_available', 4.2e9, 'Bytes'),
    d('swap_used_percent', 1.25, 'Percent'),
    d('disk_used_percent', 63.2, 'Percent', { path: '/', device: 'nvme0n1p1', fstype: 'xfs' }),
    d('disk_used_percent', 12.8, 'Percent', { path: '/data', device: 'nvme1n1', fstype: 'xfs' }),
  ];
}

describe('every dashboard query returns data from what the gateway writes', () => {
  let withSuffixes: PrometheusPeer;
  let withoutSuffixes: PrometheusPeer;
  let failing: Awaited<ReturnType<typeof startFailingEndpoint>>;
  let targets: ScrapeTarget[] = [];
  let vmagent: Awaited<ReturnType<typeof startVmagent>> | undefined;
  let gw: GatewayProcess | undefined;
  let stopTraffic: (() => Promise<void>) | undefined;
  let trafficError: Error | undefined;

  beforeAll(async () => {
    const [grpc, http, faults, pmd, rw, influx, limited, tel] = await freePorts(8);
    const scrapeSelf = `global: {scrape_interval: 1s}\nscrape_configs:\n  - job_name: tributary-scraped\n    static_configs: [{targets: ["127.0.0.1:${tel}"]}]\n`;
    [withSuffixes, withoutSuffixes, failing] = await Promise.all([startPrometheus({ config: scrapeSelf }), startPrometheus(), startFailingEndpoint()]);
    gw = await startGateway(`
receivers:
  otlp:
    protocols:
      grpc: {endpoint: "127.0.0.1:${grpc}"}
      http: {endpoint: "127.0.0.1:${http}"}
  otlp/faults:
    protocols:
      http: {endpoint: "127.0.0.1:${faults}", rate_limit: {requests_per_second: 1, burst: 2}}
  putmetricdata:
    endpoint: "127.0.0.1:${pmd}"
    credentials:
      - {access_key_id: ${PARIS.id}, secret_access_key: "${PARIS.secret}", attributes: {site: ${PARIS.site}}}
      - {access_key_id: ${NICE.id}, secret_access_key: "${NICE.secret}", attributes: {site: ${NICE.site}}}
  prometheusremotewrite: {endpoint: "127.0.0.1:${rw}"}
  influxdb: {endpoint: "127.0.0.1:${influx}"}
  influxdb/limited: {endpoint: "127.0.0.1:${limited}"}
processors:
  cardinality_guard: {tenant_key: auth.site, max_series: 100000, per_tenant: {nice: 1}}
  deltatocumulative: {max_streams: 100000}
  batch: {timeout: 200ms}
  memory_limiter: {check_interval: 1s, limit_mib: 2, spike_limit_mib: 1, min_gc_interval_when_soft_limited: 1h, min_gc_interval_when_hard_limited: 1h}
exporters:
  prometheusremotewrite:
    endpoint: ${withSuffixes.writeUrl}
  prometheusremotewrite/nosuffix:
    endpoint: ${withoutSuffixes.writeUrl}
    add_metric_suffixes: false
  prometheusremotewrite/stuck:
    endpoint: ${failing.url}/503
    remote_write_queue: {queue_size: 1, num_consumers: 1}
  prometheusremotewrite/rejected:
    endpoint: ${failing.url}/400
  file/limited: {path: ./limited.jsonl}
service:
  shutdown_timeout: 3s
  telemetry:
    metrics:
      readers:
        - pull: {exporter: {prometheus: {host: 127.0.0.1, port: ${tel}}}}
        - periodic:
            interval: 1s
            exporter: {otlp: {protocol: grpc, endpoint: "127.0.0.1:${grpc}"}}
  pipelines:
    metrics:
      receivers: [otlp, putmetricdata, prometheusremotewrite, influxdb]
      processors: [cardinality_guard, deltatocumulative, batch]
      exporters: [prometheusremotewrite, prometheusremotewrite/nosuffix]
    metrics/faults:
      receivers: [otlp/faults]
      exporters: [prometheusremotewrite/stuck, prometheusremotewrite/rejected]
    metrics/limited:
      receivers: [influxdb/limited]
      processors: [memory_limiter]
      exporters: [file/limited]
`);
    targets = await Promise.all([startScrapeTarget(nodeExporterPage(1)), startScrapeTarget(nodeExporterPage(2))]);
    vmagent = await startVmagent(
      `
global: {scrape_interval: 1s}
scrape_configs:
  - job_name: node
    static_configs: [{targets: ["${targets[0].address}", "${targets[1].address}"], labels: {site: lyon}}]
`,
      [`http://127.0.0.1:${rw}/api/v1/write`],
    );

    const cw = (k: typeof PARIS) =>
      new CloudWatchClient({ endpoint: `http://127.0.0.1:${pmd}`, region: 'eu-west-1', credentials: { accessKeyId: k.id, secretAccessKey: k.secret }, maxAttempts: 1, protocol: AwsQueryProtocol });
    const paris = cw(PARIS);
    const nice = cw(NICE);
    let running = true;
    const loop = (async () => {
      // Bounded: at most 90 rounds of about a second.
      for (let tick = 0; running && tick < 90; tick++) {
        for (const host of ['web-01', 'web-02']) await paris.send(new PutMetricDataCommand({ Namespace: 'CWAgent', MetricData: cwAgentData(host, tick) }));
        // A tenant at its limit of one series: its second series is dropped by the cardinality guard.
        await nice.send(new PutMetricDataCommand({ Namespace: 'CWAgent', MetricData: cwAgentData('kiosk-01', tick).slice(3, 5) }));
        await sendStandardOnce({ protocol: 'http/protobuf', endpoint: `127.0.0.1:${http}`, temporality: 'cumulative', runId: 'grafana-e2e' });
        // A string field is dropped and counted.
        await fetch(`http://127.0.0.1:${influx}/write?db=site`, { method: 'POST', body: `weather,site=lyon temp=21.5,summary="sunny" ${Date.now()}000000` }).then((r) => r.arrayBuffer());
        // Refused before its body is read: the limiter is always over its 2 MiB.
        await fetch(`http://127.0.0.1:${limited}/write?db=site`, { method: 'POST', body: `weather,site=lyon temp=1 ${Date.now()}000000` }).then((r) => r.arrayBuffer());
        // Over the rate limit, into a queue of one that never drains, and to an endpoint that refuses.
        for (let i = 0; i < 4; i++) await postOtlp(`http://127.0.0.1:${faults}/v1/metrics`, gaugeRequestOf([{ name: 'fault_probe', value: i, timeMs: Date.now() }]));
        await new Promise((r) => setTimeout(r, 1000));
      }
    })().catch((err: Error) => {
      trafficError = err;
    });
    stopTraffic = async () => {
      running = false;
      await loop;
      paris.destroy();
      nice.destroy();
    };
  }, 120_000);

  afterAll(async () => {
    await stopTraffic?.();
    await gw?.stop();
    await Promise.all([vmagent?.stop(), ...targets.map((t) => t.stop()), withSuffixes?.stop(), withoutSuffixes?.stop(), failing?.close()]);
  }, 60_000);

  /** Whether `expr` parses and returns at least one series, as an instant and as a range query; the reason when not. */
  async function check(prom: PrometheusPeer, expr: string): Promise<string | undefined> {
    const now = Math.floor(Date.now() / 1000);
    for (const path of [`/api/v1/query?query=${encodeURIComponent(expr)}`, `/api/v1/query_range?query=${encodeURIComponent(expr)}&start=${now - 300}&end=${now}&step=15`]) {
      const body = (await (await fetch(`${prom.url}${path}`)).json()) as { status: string; error?: string; data?: { result: unknown[] } };
      if (body.status !== 'success') return `${path.split('?')[0]}: ${body.error}`;
      if ((body.data?.result.length ?? 0) === 0) return `${path.split('?')[0]}: no series`;
    }
    return undefined;
  }

  async function failures(): Promise<string[]> {
    const out: string[] = [];
    const cases = [
      ['add_metric_suffixes on, self-pushed', withSuffixes, { job: 'tributary' }],
      ['add_metric_suffixes off, self-pushed', withoutSuffixes, { job: 'tributary' }],
      ['scraped /metrics', withSuffixes, { job: 'tributary-scraped' }],
    ] as const;
    for (const [which, prom, values] of cases) {
      for (const f of dashboards) {
        for (const q of panelQueries(f, values)) {
          const why = await check(prom, q.expr);
          if (why !== undefined) out.push(`${which}: ${q.dashboard} "${q.panel}" ${q.refId}: ${why}: ${q.expr}`);
        }
        for (const v of labelValuesQueries(f, values)) {
          const res = await prom.query(`count by (${v.label}) (${v.selector})`).catch((err: Error) => err);
          if (res instanceof Error) out.push(`${which}: ${v.dashboard} variable ${v.variable}: ${res.message}`);
          else if (!res.some((r) => (r.metric[v.label] ?? '') !== '')) out.push(`${which}: ${v.dashboard} variable ${v.variable}: no ${v.label} values for ${v.selector}`);
        }
      }
    }
    return out;
  }

  it('every panel target and variable query parses and returns series: self-pushed with add_metric_suffixes on and off, and scraped', async () => {
    let last: string[] = [];
    await waitUntil(
      async () => {
        last = await failures();
        return last.length === 0;
      },
      'every dashboard query to return data',
      Number(process.env.GRAFANA_E2E_WAIT_MS ?? 90_000),
      3_000,
    ).catch(() => undefined);
    expect(trafficError?.message).toBeUndefined();
    if (last.length > 0) console.error(`gateway log (last 6000 characters):\n${gw?.logs().slice(-6000)}`);
    expect(last).toEqual([]);
    // The gateway's metrics came through its own pipeline: job and instance from its resource.
    const self = await withSuffixes.query('otelcol_receiver_accepted_metric_points_total{receiver="putmetricdata", otel_scope_name="tributary"}');
    expect(self.map((r) => r.metric.job)).toEqual(['tributary']);
    expect(self[0]?.metric.instance ?? '').not.toBe('');
    // Why the on-prem dashboard matches CloudWatch Agent names with an optional unit suffix.
    expect(await withSuffixes.query('cpu_usage_idle_percent{cloudwatch_namespace="CWAgent"}')).not.toEqual([]);
    expect(await withoutSuffixes.query('cpu_usage_idle{cloudwatch_namespace="CWAgent"}')).not.toEqual([]);
    expect(await withSuffixes.query('mem_available_bytes{cloudwatch_namespace="CWAgent"}')).not.toEqual([]);
    expect(await withoutSuffixes.query('mem_available{cloudwatch_namespace="CWAgent"}')).not.toEqual([]);
  }, 150_000);
});
