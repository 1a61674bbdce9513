import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AwsPeers, startAwsPeers } from '../kit/aws-peers.js';
import { startGateway, tempDir } from '../kit/gateway.js';
import { Ledger, runClients, victoriaSamples } from '../kit/ledger.js';
import { sized } from '../kit/long.js';
import { freePorts, waitUntil } from '../kit/ports.js';
import { type VictoriaPeer, startVictoria } from '../kit/victoria.js';

/**
 * Credentials going bad mid-run on the SigV4 remote-write path: the gateway
 * signs with a named profile from a shared credentials file; under load the
 * file loses its keys (as when a rotation job empties it before writing the
 * new ones), stays so for a while, then gets a new key. Every request
 * reaches VictoriaMetrics through moto's botocore SigV4-verifying proxy.
 * Nothing acknowledged is lost: while no credentials can be loaded the
 * exporter retries (retryable TRIB_ERR_AUTH_CREDENTIALS) and the persistent
 * queue holds the data; with the new key everything is delivered, and the
 * verifier never saw a request it had to reject.
 */

const KEY_A = { accessKeyId: 'AKIAROTATEA000000001', secretAccessKey: 'rotateasecretrotateasecretrotatea0000001' };
const KEY_B = { accessKeyId: 'AKIAROTATEB000000002', secretAccessKey: 'rotatebsecretrotatebsecretrotateb0000002' };
const CLEAN_AWS = { AWS_ACCESS_KEY_ID: '', AWS_SECRET_ACCESS_KEY: '', AWS_SESSION_TOKEN: '', AWS_PROFILE: '', AWS_REGION: 'us-east-1', AWS_EC2_METADATA_DISABLED: 'true' };
const SERIES = 10;
const CONSUMERS = 2;

let vm: VictoriaPeer;
let aws: AwsPeers;

beforeAll(async () => {
  vm = await startVictoria();
  aws = await startAwsPeers({ upstream: vm.url, staticKeys: [KEY_A, KEY_B] });
});

afterAll(async () => {
  await aws?.stop();
  await vm?.stop();
});

const profile = (k?: { accessKeyId: string; secretAccessKey: string }): string =>
  k === undefined ? '[amp]\n' : `[amp]\naws_access_key_id = ${k.accessKeyId}\naws_secret_access_key = ${k.secretAccessKey}\n`;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('credentials go bad mid-run', () => {
  it('(d) the credentials file loses its keys, then gets a new one: every acknowledged point is delivered', async () => {
    const dir = await tempDir();
    const creds = join(dir, 'credentials');
    await writeFile(creds, profile(KEY_A));
    await writeFile(join(dir, 'aws-config'), '[profile amp]\nregion = us-east-1\n');
    const [http, tel] = await freePorts(2);
    const gw = await startGateway(
      `
receivers:
  otlp: {protocols: {http: {endpoint: "127.0.0.1:${http}"}}}
exporters:
  prometheusremotewrite:
    endpoint: ${aws.verifierUrl}/api/v1/write
    auth: {authenticator: sigv4auth}
    target_info: {enabled: false}
    remote_write_queue: {num_consumers: ${CONSUMERS}}
    retry_on_failure: {initial_interval: 100ms, max_interval: 1s}
    sending_queue: {storage: file_storage}
extensions:
  sigv4auth: {region: us-east-1, service: aps, profile: amp}
  file_storage: {directory: ./queue}
service:
  extensions: [sigv4auth, file_storage]
  telemetry: {metrics: {address: "127.0.0.1:${tel}"}}
  pipelines:
    metrics: {receivers: [otlp], exporters: [prometheusremotewrite]}
`,
      { dir, env: { ...CLEAN_AWS, AWS_SHARED_CREDENTIALS_FILE: creds, AWS_CONFIG_FILE: join(dir, 'aws-config') } },
    );
    const ledger = new Ledger('chaos_creds', SERIES);
    let done = false;
    const badMs = sized(10_000, 120_000);
    try {
      await aws.resetStats();
      const load = runClients({ url: `http://127.0.0.1:${http}/v1/metrics`, ledger, clients: 2, tsBase: Date.now() - 3_600_000, until: () => done, maxRequestsPerClient: 100_000, pauseMs: 50 });
      await sleep(3000);
      await writeFile(creds, profile(undefined));
      await sleep(badMs);
      await writeFile(creds, profile(KEY_B));
      await sleep(3000);
      done = true;
      const t = await load;
      let c = ledger.reconcile(await victoriaSamples(vm.url, ledger.metric));
      await waitUntil(async () => (c = ledger.reconcile(await victoriaSamples(vm.url, ledger.metric))).lost === 0, 'every acknowledged point delivered', sized(60_000, 180_000), 1000).catch(() => undefined);
      const stats = await aws.stats();
      const telemetry = await (await fetch(`http://127.0.0.1:${tel}/metrics`)).text();
      const credRetries = telemetry.split('\n').filter((l) => l.startsWith('otelcol_exporter_retries_total') || l.startsWith('tributary_exporter_retries_total')).join(' ');
      console.log(
        Ledger.line('credentials lose their keys, then rotate', c, `keys missing for ${badMs / 1000} s; verifier: ${KEY_A.accessKeyId} ${JSON.stringify(stats.byAccessKey[KEY_A.accessKeyId])}, ${KEY_B.accessKeyId} ${JSON.stringify(stats.byAccessKey[KEY_B.accessKeyId])}; ${t.requests} client requests; ${credRetries}`),
      );
      expect(c.acknowledged).toBeGreaterThan(0);
      expect(c.lost).toBe(0);
      // No kill and no cut connection: a request is sent twice only if an answer timed out, at most one per consumer.
      expect(c.duplicated).toBeLessThanOrEqual(CONSUMERS * SERIES);
      expect(stats.rejected, JSON.stringify(stats.lastRejection)).toBe(0);
      expect(stats.byAccessKey[KEY_A.accessKeyId]?.verified ?? 0).toBeGreaterThan(0);
      expect(stats.byAccessKey[KEY_B.accessKeyId]?.verified ?? 0).toBeGreaterThan(0);
    } finally {
      done = true;
      expect(await gw.stop(), gw.logs()).toBe(0);
    }
  }, sized(180_000, 600_000));
});
