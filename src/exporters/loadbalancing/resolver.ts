import { lookup } from 'node:dns/promises';
import { sleep } from '../helper/retry.js';
import { parseBackend } from './config.js';

/**
 * Where the backends come from. A resolver reports the full, sorted list of
 * `host:port` endpoints whenever it changes; the exporter rebuilds its ring
 * from it.
 */
export interface Resolver {
  /** Resolves once and starts watching; `onChange` gets each new list (sorted, unique). */
  start(onChange: (endpoints: readonly string[]) => void): Promise<void>;
  stop(): Promise<void>;
  readonly kind: 'static' | 'dns';
}

/** A fixed list. */
export class StaticResolver implements Resolver {
  readonly kind = 'static';
  private readonly endpoints: readonly string[];

  constructor(hostnames: readonly string[]) {
    this.endpoints = normalise(hostnames.map((h) => parseBackend(h) ?? h));
  }

  async start(onChange: (endpoints: readonly string[]) => void): Promise<void> {
    onChange(this.endpoints);
  }

  async stop(): Promise<void> {}
}

/** The addresses a name resolves to (A and AAAA). Injectable for tests. */
export type LookupFn = (hostname: string) => Promise<readonly string[]>;

export const systemLookup: LookupFn = async (hostname) => (await lookup(hostname, { all: true })).map((a) => a.address);

export interface DnsResolverOptions {
  readonly hostname: string;
  readonly port: number;
  readonly intervalMs: number;
  readonly timeoutMs: number;
  readonly lookup?: LookupFn;
  /** Called after each resolution, successful or not. */
  readonly onResolution?: (ok: boolean, error?: Error) => void;
}

/**
 * Resolves a name (a Kubernetes headless Service, an ECS Cloud Map service)
 * every `interval`, each address becoming a backend at `port`. A failed or
 * empty resolution keeps the previous list: a DNS hiccup must not empty
 * the ring and move every stream.
 */
export class DnsResolver implements Resolver {
  readonly kind = 'dns';
  private readonly lookup: LookupFn;
  private readonly stopper = new AbortController();
  private loop: Promise<void> | undefined;
  private current = '';

  constructor(private readonly o: DnsResolverOptions) {
    this.lookup = o.lookup ?? systemLookup;
  }

  async start(onChange: (endpoints: readonly string[]) => void): Promise<void> {
    await this.resolve(onChange);
    this.loop = (async () => {
      while (await sleep(this.o.intervalMs, this.stopper.signal)) await this.resolve(onChange);
    })();
  }

  async stop(): Promise<void> {
    this.stopper.abort();
    await this.loop;
  }

  /** One resolution; reports a change only when the set of endpoints differs. Exposed for tests. */
  async resolve(onChange: (endpoints: readonly string[]) => void): Promise<boolean> {
    let addrs: readonly string[];
    try {
      addrs = await withTimeout(this.lookup(this.o.hostname), this.o.timeoutMs, `resolving ${this.o.hostname}`);
    } catch (err) {
      this.o.onResolution?.(false, err as Error);
      return false;
    }
    if (addrs.length === 0) {
      this.o.onResolution?.(false, new Error(`${this.o.hostname} resolved to no addresses`));
      return false;
    }
    this.o.onResolution?.(true);
    const endpoints = normalise(addrs.map((a) => (a.includes(':') ? `[${a}]:${this.o.port}` : `${a}:${this.o.port}`)));
    const key = endpoints.join(',');
    if (key === this.current) return false;
    this.current = key;
    onChange(endpoints);
    return true;
  }
}

function normalise(endpoints: readonly string[]): string[] {
  return [...new Set(endpoints)].sort();
}

function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  if (ms <= 0) return p;
  let timer: NodeJS.Timeout | undefined;
  const t = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} took longer than ${ms} ms`)), ms);
  });
  return Promise.race([p, t]).finally(() => clearTimeout(timer));
}
