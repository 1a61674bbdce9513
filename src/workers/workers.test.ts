import { spawn } from 'node:child_process';
import { EventEmitter, once } from 'node:events';
import { readdirSync, readFileSync } from 'node:fs';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { builtinRegistry } from '../components.js';
import { ConfigError } from '../config/config-error.js';
import { buildGatewayConfig } from '../config/gateway-config.js';
import { Errors } from '../errors/catalogue.js';
import { TributaryError } from '../errors/tributary-error.js';
import { PeerLinks } from './peer-links.js';
import { type ToPrimary, type ToWorker, post } from './protocol.js';
import { workerCount } from './state-check.js';
import { WorkerLink } from './worker-link.js';

function configWith(service: Record<string, unknown>, processors: string[] = [], exporters = ['debug']): unknown {
  const raw = {
    receivers: { otlp: { protocols: { http: {} } } },
    processors: Object.fromEntries(processors.map((p) => [p, p === 'cardinality_guard' ? { tenant_key: 'tenant' } : {}])),
    exporters: Object.fromEntries(exporters.map((e) => [e, e === 'file' ? { path: 'out.jsonl' } : {}])),
    service: { ...service, pipelines: { metrics: { receivers: ['otlp'], processors, exporters } } },
  };
  try {
    return buildGatewayConfig(raw, builtinRegistry()).service;
  } catch (err) {
    return (err as ConfigError).message;
  }
}

describe('service::workers config', () => {
  it('defaults to 1, takes a number or "auto", refuses anything else', () => {
    expect((configWith({}) as { workers: unknown }).workers).toBe(1);
    expect((configWith({ workers: 3 }) as { workers: unknown }).workers).toBe(3);
    expect((configWith({ workers: 'auto' }) as { workers: unknown }).workers).toBe('auto');
    expect(configWith({ workers: 0 })).toContain('service::workers');
    expect(configWith({ workers: 'many' })).toContain('must be "auto" or a whole number');
    expect(workerCount('auto', 6)).toBe(6);
    expect(workerCount(2, 6)).toBe(2);
  });

  it.each([
    ['deltatocumulative', 'processor'],
    ['cumulativetodelta', 'processor'],
    ['cardinality_guard', 'processor'],
    ['prometheus', 'exporter'],
    ['file', 'exporter'],
  ])('refuses %s (%s state per stream) with workers > 1 unless allow_per_worker_state', (type, kind) => {
    const procs = kind === 'processor' ? [type] : [];
    const exps = kind === 'exporter' ? [type] : ['debug'];
    const refused = configWith({ workers: 2 }, procs, exps);
    expect(refused).toContain(`${kind} "${type}"`);
    expect(refused).toContain('allow_per_worker_state');
    expect(typeof configWith({ workers: 1 }, procs, exps)).toBe('object');
    expect(typeof configWith({ workers: 2, allow_per_worker_state: true }, procs, exps)).toBe('object');
  });
});

/** A fake primary for WorkerLinks in this process: it shares the link addresses on every ready, as primary.ts does. */
function cluster2(token = 'secret-token'): { links: WorkerLink[]; addrs: (string | null)[]; ready(): Promise<void>; kill(i: number): void } {
  const ends = [new EventEmitter(), new EventEmitter()];
  const addrs: (string | null)[] = [null, null];
  const share = (): void => {
    for (const e of ends) e.emit('message', { tw: 'peers', links: [...addrs] } satisfies ToWorker);
  };
  const chan = (i: number) => ({
    connected: true,
    send: (m: ToPrimary): boolean => {
      if (m.tw === 'ready') {
        addrs[i] = m.link;
        share();
      }
      return true;
    },
    on: (ev: 'message', fn: (m: unknown) => void) => ends[i].on(ev, fn),
    off: (ev: 'message', fn: (m: unknown) => void) => ends[i].off(ev, fn),
  });
  const links = [new WorkerLink(0, 2, token, chan(0)), new WorkerLink(1, 2, token, chan(1))];
  opened.push(...links);
  return {
    links,
    addrs,
    ready: async () => {
      await Promise.all(links.map((l) => l.ready()));
    },
    kill: (i) => {
      links[i].close();
      addrs[i] = null;
      share();
    },
  };
}

const opened: WorkerLink[] = [];
afterEach(() => {
  for (const l of opened.splice(0)) l.close();
});

describe('WorkerLink', () => {
  it('forwards bytes and a key straight to the handler in the other worker, and resolves when it resolves', async () => {
    const c = cluster2();
    await c.ready();
    const got: [number, Buffer][] = [];
    c.links[1].handle('c', async (k, p) => void got.push([k, p]));
    await c.links[0].forward(1, 'c', 3, Buffer.from('xy'));
    expect(got).toEqual([[3, Buffer.from('xy')]]);
  });

  it('carries large payloads and many concurrent forwards intact, each answered', async () => {
    const c = cluster2();
    await c.ready();
    const got = new Map<number, Buffer>();
    c.links[1].handle('c', async (k, p) => void got.set(k, p));
    const big = Buffer.alloc(3 * 1024 * 1024 + 7);
    for (let i = 0; i < big.length; i++) big[i] = (i * 31) & 0xff;
    const sent = Array.from({ length: 200 }, (_, k) => (k === 100 ? big : Buffer.from(`payload ${k} `.repeat(k + 1))));
    await Promise.all(sent.map((p, k) => c.links[0].forward(1, 'c', k, p)));
    expect(got.size).toBe(200);
    for (const [k, p] of sent.entries()) expect(got.get(k)!.equals(p)).toBe(true);
  });

  it("passes a handler's TributaryError back with its code and Retry-After", async () => {
    const c = cluster2();
    await c.ready();
    c.links[1].handle('c', () => Promise.reject(new TributaryError(Errors.QUEUE_FULL, 'full', { retryAfterMs: 1234 })));
    const err = await c.links[0].forward(1, 'c', 1, Buffer.from('x')).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TributaryError);
    expect((err as TributaryError).code).toBe(Errors.QUEUE_FULL.code);
    expect((err as TributaryError).retryAfterMs).toBe(1234);
  });

  it('refuses with a retryable error when nothing serves the channel (the owner is starting or stopping)', async () => {
    const c = cluster2();
    await c.ready();
    const stop = c.links[1].handle('c', async () => undefined);
    stop();
    const err = (await c.links[0].forward(1, 'c', 1, Buffer.from('x')).catch((e: unknown) => e)) as TributaryError;
    expect(err.code).toBe(Errors.WORKER_UNAVAILABLE.code);
    expect(err.retryable).toBe(true);
  });

  it('refuses at once, retryably, when the owner is not running or dies with a forward in flight', async () => {
    const c = cluster2();
    await c.ready();
    let release!: () => void;
    c.links[1].handle('c', () => new Promise<void>((r) => (release = r)));
    const inFlight = c.links[0].forward(1, 'c', 1, Buffer.from('x')).catch((e: unknown) => e);
    await vi.waitFor(() => expect(release).toBeDefined());
    c.kill(1);
    const err = (await inFlight) as TributaryError;
    expect(err.code).toBe(Errors.WORKER_UNAVAILABLE.code);
    expect(err.message).toContain('closed before it answered');
    const next = (await c.links[0].forward(1, 'c', 1, Buffer.from('x')).catch((e: unknown) => e)) as TributaryError;
    expect(next.code).toBe(Errors.WORKER_UNAVAILABLE.code);
    expect(next.message).toContain('worker 1 is not running');
  });

  it('drops a connection that does not present the token: nothing reaches a handler', async () => {
    const good = cluster2('right');
    await good.ready();
    const got: Buffer[] = [];
    good.links[1].handle('c', async (_k, p) => void got.push(p));
    const bad = new PeerLinks(0, 'wrong');
    bad.setPeers([null, good.addrs[1]]);
    const err = (await bad.forward(1, 'c', 1, Buffer.from('x')).catch((e: unknown) => e)) as TributaryError;
    bad.close();
    expect(err.code).toBe(Errors.WORKER_UNAVAILABLE.code);
    expect(got).toEqual([]);
  });
});

/** A process that has exited and closed every file, though not yet reaped: a zombie whose other threads (which share its files) are gone too. */
function closedAll(pid: number): boolean {
  try {
    return readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1][0] === 'Z' && readdirSync(`/proc/${pid}/task`).length === 1;
  } catch {
    return false;
  }
}

describe('post (IPC send)', () => {
  it('treats send() answering false as backpressure, not a failure: Node sent the message all the same', () => {
    expect(post({ connected: true, send: () => false }, 1)).toBe(true);
  });
  it('fails only on a closed channel or a send that throws', () => {
    expect(post({ connected: false, send: () => true }, 1)).toBe(false);
    expect(post({ connected: true, send: () => { throw new Error('EPIPE'); } }, 1)).toBe(false);
  });
  it('hands a write to a process that died unseen to its callback, never as an error event that would crash the sender', async () => {
    const child = spawn(process.execPath, ['-e', 'process.exit(0)'], { stdio: ['ignore', 'ignore', 'ignore', 'ipc'] });
    const exited = once(child, 'exit');
    const events: Error[] = [];
    child.on('error', (e) => events.push(e));
    // Block this thread until the child has exited and closed its end, before this process reads the close.
    const t0 = Date.now();
    while (Date.now() - t0 < 10_000 && !closedAll(child.pid ?? 0));
    expect(child.connected).toBe(true);
    const failed: Error[] = [];
    expect(post(child, { tw: 'peers', links: [] }, (e) => failed.push(e))).toBe(true);
    await exited;
    expect(failed.map((e) => (e as NodeJS.ErrnoException).code)).toEqual(['EPIPE']);
    expect(events).toEqual([]);
  });
});
