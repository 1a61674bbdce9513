import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { tempDir } from './gateway.js';
import { requireProgram } from './peers.js';
import { freePort } from './ports.js';
import { type PeerProcess, startPeer } from './process.js';
import { type PromResult, promQuery } from './prometheus.js';

/** A real VictoriaMetrics single-node (Debian `victoria-metrics`) as a remote-write receiver. */
export interface VictoriaPeer extends PeerProcess {
  readonly url: string;
  readonly writeUrl: string;
  query(q: string): Promise<PromResult[]>;
}

export async function startVictoria(): Promise<VictoriaPeer> {
  const bin = requireProgram('victoria-metrics', 'victoria-metrics');
  const dir = await tempDir('tributary-vm-');
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const p = await startPeer(
    'victoria-metrics',
    bin,
    [
      `-storageDataPath=${join(dir, 'data')}`,
      `-httpListenAddr=127.0.0.1:${port}`,
      '-retentionPeriod=100y',
      '-search.latencyOffset=0s',
      '-search.disableCache',
      '-loggerLevel=ERROR',
    ],
    async () => (await fetch(`${url}/health`)).ok,
    { cwd: dir },
  );
  return {
    ...p,
    url,
    writeUrl: `${url}/api/v1/write`,
    query: (q: string) => promQuery(url, q),
  };
}

/** vmagent (Debian `victoria-metrics`) scraping per a Prometheus-style config and remote-writing to `writeUrls`. */
export async function startVmagent(scrapeConfig: string, writeUrls: readonly string[]): Promise<PeerProcess & { readonly url: string }> {
  const bin = requireProgram('vmagent', 'victoria-metrics');
  const dir = await tempDir('tributary-vmagent-');
  const cfg = join(dir, 'scrape.yml');
  await writeFile(cfg, scrapeConfig);
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const p = await startPeer(
    'vmagent',
    bin,
    [
      `-httpListenAddr=127.0.0.1:${port}`,
      `-promscrape.config=${cfg}`,
      ...writeUrls.map((u) => `-remoteWrite.url=${u}`),
      `-remoteWrite.tmpDataPath=${join(dir, 'queue')}`,
      '-remoteWrite.flushInterval=200ms',
      '-loggerLevel=ERROR',
    ],
    async () => (await fetch(`${url}/health`)).ok,
    { cwd: dir },
  );
  return { ...p, url };
}
