import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { snappyUncompress } from '../../src/exporters/helper/snappy.js';
import { listenLocal, readBody } from '../../src/test-kit/local-server.js';
import { decodeWriteRequest } from '../../src/test-kit/prompb-schema.js';
import { gaugeRequestOf } from './otlp-send.js';

/**
 * Exact accounting for resilience runs. Every point a test sends is one
 * unique (series, timestamp) pair of one metric; the ledger records which
 * points were sent and which the gateway acknowledged (2xx to the client),
 * then compares with what the sink holds, sample by sample:
 *
 *   sent          points the clients tried to send
 *   acknowledged  points in requests answered 2xx
 *   delivered     distinct (series, timestamp) pairs found at the sink
 *   duplicated    samples found beyond the first for a pair
 *   lost          acknowledged points not found at the sink
 */
export interface LedgerCounts {
  readonly sent: number;
  readonly acknowledged: number;
  readonly delivered: number;
  readonly duplicated: number;
  readonly lost: number;
}

export class Ledger {
  private readonly sent = new Set<string>();
  private readonly acked = new Set<string>();

  /** Per client, each series' pad label value (incompressible, so requests carry real bytes). */
  private readonly pads = new Map<number, string[]>();

  constructor(
    readonly metric: string,
    readonly seriesCount: number,
    private readonly padBytes = 0,
  ) {}

  static key(series: string, tsMs: number): string {
    return `${series}/${tsMs}`;
  }

  /**
   * A request body of one point per series of `client` at `tsMs`, and the keys it carries.
   * Each client has its own series: the exporter never sends a series a timestamp older
   * than one it already sent (such a point is dropped as out of order, as Prometheus
   * would refuse it), so two clients interleaving timestamps on one series could lose
   * points by design, not by fault.
   */
  request(client: number, tsMs: number, value: number): { body: Buffer; keys: string[] } {
    let pads = this.pads.get(client);
    if (pads === undefined) this.pads.set(client, (pads = Array.from({ length: this.seriesCount }, () => randomBytes(Math.ceil(this.padBytes / 2)).toString('hex'))));
    const samples = Array.from({ length: this.seriesCount }, (_, s) => ({
      name: this.metric,
      value,
      timeMs: tsMs,
      attrs: this.padBytes > 0 ? { series: `c${client}s${s}`, pad: pads[s] } : ({ series: `c${client}s${s}` } as Record<string, string>),
    }));
    return { body: gaugeRequestOf(samples), keys: samples.map((s) => Ledger.key(s.attrs.series, tsMs)) };
  }

  markSent(keys: readonly string[]): void {
    for (const k of keys) this.sent.add(k);
  }

  markAcked(keys: readonly string[]): void {
    for (const k of keys) this.acked.add(k);
  }

  get acknowledged(): number {
    return this.acked.size;
  }

  /** Compares with the sink's samples (count per key). */
  reconcile(atSink: ReadonlyMap<string, number>): LedgerCounts {
    let duplicated = 0;
    for (const n of atSink.values()) duplicated += n - 1;
    let lost = 0;
    for (const k of this.acked) if (!atSink.has(k)) lost++;
    return { sent: this.sent.size, acknowledged: this.acked.size, delivered: atSink.size, duplicated, lost };
  }

  static line(scenario: string, c: LedgerCounts, extra = ''): string {
    return `ledger ${scenario}: sent ${c.sent}, acknowledged ${c.acknowledged}, delivered ${c.delivered}, duplicated ${c.duplicated}, lost ${c.lost}${extra === '' ? '' : `; ${extra}`}`;
  }
}

/**
 * Every raw sample of `metric` in a VictoriaMetrics, by (series label,
 * timestamp), through its export API (which returns duplicates as stored:
 * the test's VictoriaMetrics runs without deduplication).
 */
export async function victoriaSamples(vmUrl: string, metric: string): Promise<Map<string, number>> {
  await fetch(`${vmUrl}/internal/force_flush`).then((r) => r.arrayBuffer());
  const res = await fetch(`${vmUrl}/api/v1/export?match[]=${encodeURIComponent(metric)}&reduce_mem_usage=1`);
  if (!res.ok) throw new Error(`export of ${metric} failed: HTTP ${res.status}`);
  const out = new Map<string, number>();
  for (const line of (await res.text()).split('\n')) {
    if (line === '') continue;
    const row = JSON.parse(line) as { metric: Record<string, string>; timestamps: number[] };
    for (const ts of row.timestamps) {
      const k = Ledger.key(row.metric.series ?? '', ts);
      out.set(k, (out.get(k) ?? 0) + 1);
    }
  }
  return out;
}

export interface ClientOptions {
  readonly url: string;
  readonly ledger: Ledger;
  /** Clients running at once; each sends its own series, one request per timestamp (tsBase + seq). */
  readonly clients: number;
  readonly tsBase: number;
  /** Stop sending new points after this time (Date.now() ms) or after this many requests per client. */
  readonly until: (t: ClientTally) => boolean;
  readonly maxRequestsPerClient: number;
  /** Pause between requests of one client, for a moderate rate (0: as fast as answered). */
  readonly pauseMs?: number;
  /** Paced clients: request `seq` of a client is not sent before start + seq * intervalMs (a fixed offered rate). */
  readonly intervalMs?: number;
  /** How long a client keeps retrying one refused request before it gives up on it. */
  readonly retryForMs?: number;
}

export interface ClientTally {
  requests: number;
  acked: number;
  /** Refusals by status (or "network"), and those with a Retry-After header. */
  readonly refused: Record<string, number>;
  refusedWithRetryAfter: number;
  retried: number;
}

/**
 * Clients that behave as OTLP exporters do: on 429/503 (honouring
 * Retry-After up to a second, to keep pressure on), a network error or a
 * timeout they retry the same request; any other status is a failure the
 * test will see in `refused`.
 */
export async function runClients(o: ClientOptions): Promise<ClientTally> {
  const t: ClientTally = { requests: 0, acked: 0, refused: {}, refusedWithRetryAfter: 0, retried: 0 };
  const start = Date.now();
  const one = async (k: number): Promise<void> => {
    for (let seq = 0; seq < o.maxRequestsPerClient && !o.until(t); seq++) {
      if (o.intervalMs !== undefined) {
        const wait = start + seq * o.intervalMs - Date.now();
        if (wait > 0) await new Promise((r) => setTimeout(r, wait));
        if (o.until(t)) break;
      }
      const ts = o.tsBase + seq;
      const { body, keys } = o.ledger.request(k, ts, seq);
      o.ledger.markSent(keys);
      const giveUp = Date.now() + (o.retryForMs ?? 30_000);
      for (let attempt = 0; ; attempt++) {
        if (attempt > 0) t.retried++;
        t.requests++;
        let status: string;
        let retryAfterMs = 200;
        try {
          const res = await fetch(o.url, { method: 'POST', body, headers: { 'content-type': 'application/x-protobuf' }, signal: AbortSignal.timeout(15_000) });
          await res.arrayBuffer();
          status = String(res.status);
          if (res.ok) {
            o.ledger.markAcked(keys);
            t.acked++;
            break;
          }
          const ra = res.headers.get('retry-after');
          if (ra !== null) {
            t.refusedWithRetryAfter++;
            retryAfterMs = Math.min(1000, Number(ra) * 1000);
          }
        } catch {
          status = 'network';
        }
        t.refused[status] = (t.refused[status] ?? 0) + 1;
        if (!(status === '429' || status === '503' || status === 'network') || Date.now() > giveUp) break;
        await new Promise((r) => setTimeout(r, retryAfterMs));
      }
      if (o.pauseMs !== undefined && o.pauseMs > 0) await new Promise((r) => setTimeout(r, o.pauseMs));
    }
  };
  await Promise.all(Array.from({ length: o.clients }, (_, k) => one(k)));
  return t;
}

/** Resident set of a process in MiB, from /proc/<pid>/status (0 once it is gone). */
export function rssMib(pid: number): number {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m === null ? 0 : Number(m[1]) / 1024;
  } catch {
    return 0;
  }
}

/**
 * A remote-write sink that counts instead of storing: every request is
 * decoded on arrival and its samples of `metric` tallied by (series label,
 * timestamp), then the body is dropped, so a long run holds only the
 * counts. It answers each request `delayMs` late, which fixes how fast the
 * gateway can deliver (its capacity in the overload test).
 */
export interface CountingSink {
  readonly url: string;
  readonly samples: Map<string, number>;
  /** Requests received so far. */
  requests(): number;
  close(): Promise<void>;
}

export async function startCountingSink(metric: string, delayMs: number): Promise<CountingSink> {
  const samples = new Map<string, number>();
  let requests = 0;
  const server = createServer((req, res) =>
    readBody(req, (body) => {
      requests++;
      for (const s of decodeWriteRequest(snappyUncompress(body)).series) {
        if (s.labels.__name__ !== metric) continue;
        for (const x of s.samples) {
          const k = Ledger.key(s.labels.series ?? '', Number(x.timestamp));
          samples.set(k, (samples.get(k) ?? 0) + 1);
        }
      }
      setTimeout(() => res.writeHead(200).end(), delayMs);
    }),
  );
  const { url, close } = await listenLocal(server);
  return { url, samples, requests: () => requests, close };
}

/** Least-squares slope of y over x. */
export function slope(points: readonly (readonly [number, number])[]): number {
  const n = points.length;
  if (n < 2) return 0;
  let sx = 0;
  let sy = 0;
  for (const [x, y] of points) {
    sx += x;
    sy += y;
  }
  const mx = sx / n;
  const my = sy / n;
  let num = 0;
  let den = 0;
  for (const [x, y] of points) {
    num += (x - mx) * (y - my);
    den += (x - mx) ** 2;
  }
  return den === 0 ? 0 : num / den;
}
