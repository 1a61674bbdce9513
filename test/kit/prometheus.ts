import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { tempDir } from './gateway.js';
import { requireProgram } from './peers.js';
import { freePort } from './ports.js';
import { type PeerProcess, startPeer } from './process.js';

/**
 * A real Prometheus (Debian `prometheus`) as a remote-write receiver, with
 * native histograms on, on a free port with its own data directory.
 */
export interface PrometheusPeer extends PeerProcess {
  readonly url: string;
  readonly writeUrl: string;
  readonly dir: string;
  /** Instant query; returns the result vector. */
  query(q: string): Promise<PromResult[]>;
  /** Reads one of Prometheus' own counters from its /metrics page. */
  selfMetric(name: string): Promise<number>;
}

export interface PromResult {
  readonly metric: Record<string, string>;
  readonly value?: [number, string];
  readonly histogram?: [number, { count: string; sum: string; buckets?: [number, string, string, string][] }];
}

export async function startPrometheus(opts: { config?: string; port?: number; dir?: string } = {}): Promise<PrometheusPeer> {
  const bin = requireProgram('prometheus', 'prometheus');
  const dir = opts.dir ?? (await tempDir('tributary-prom-'));
  const port = opts.port ?? (await freePort());
  const cfg = join(dir, 'prometheus.yml');
  await writeFile(cfg, opts.config ?? 'global:\n  scrape_interval: 15s\n');
  const url = `http://127.0.0.1:${port}`;
  const p = await startPeer(
    'prometheus',
    bin,
    [
      `--config.file=${cfg}`,
      `--storage.tsdb.path=${join(dir, 'data')}`,
      `--web.listen-address=127.0.0.1:${port}`,
      '--web.enable-remote-write-receiver',
      '--enable-feature=native-histograms',
      '--log.level=warn',
    ],
    async () => (await fetch(`${url}/-/ready`)).ok,
    { cwd: dir },
  );
  return {
    ...p,
    url,
    dir,
    writeUrl: `${url}/api/v1/write`,
    query: (q: string) => promQuery(url, q),
    async selfMetric(name: string): Promise<number> {
      const text = await (await fetch(`${url}/metrics`)).text();
      let total = 0;
      for (const line of text.split('\n')) if (line.startsWith(name) && !line.startsWith('#')) total += Number(line.split(' ').pop());
      return total;
    },
  };
}

/** An instant query against any Prometheus-compatible HTTP API; returns the result vector. */
export async function promQuery(url: string, q: string): Promise<PromResult[]> {
  const res = await fetch(`${url}/api/v1/query?query=${encodeURIComponent(q)}`);
  const body = (await res.json()) as { status: string; data?: { result: PromResult[] }; error?: string };
  if (body.status !== 'success') throw new Error(`query ${q} failed: ${body.error}`);
  return body.data!.result;
}
