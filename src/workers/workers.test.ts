import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import { builtinRegistry } from '../components.js';
import { ConfigError } from '../config/config-error.js';
import { buildGatewayConfig } from '../config/gateway-config.js';
import { Errors } from '../errors/catalogue.js';
import { TributaryError } from '../errors/tributary-error.js';
import type { ToPrimary, ToWorker } from './protocol.js';
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

/**
 * Two WorkerLinks joined by a relay that plays the primary's part. `backlog`:
 * send() answers false, as Node's does when many messages wait to be written,
 * and still delivers.
 */
function pair(o: { backlog?: boolean; connected?: boolean } = {}): [WorkerLink, WorkerLink] {
  const ends = [new EventEmitter(), new EventEmitter()];
  const chan = (i: number) => ({
    connected: o.connected ?? true,
    send: (m: ToPrimary): boolean => {
      setImmediate(() => {
        if (m.tw === 'fwd') ends[m.to].emit('message', { tw: 'fwd', id: m.id, from: i, channel: m.channel, payload: m.payload } satisfies ToWorker);
        if (m.tw === 'fwd-reply') ends[m.to].emit('message', { tw: 'fwd-reply', id: m.id, error: m.error } satisfies ToWorker);
      });
      return o.backlog !== true;
    },
    on: (ev: 'message', fn: (m: unknown) => void) => ends[i].on(ev, fn),
    off: (ev: 'message', fn: (m: unknown) => void) => ends[i].off(ev, fn),
  });
  return [new WorkerLink(0, 2, chan(0)), new WorkerLink(1, 2, chan(1))];
}

describe('WorkerLink', () => {
  it('forwards to the handler in the other worker and resolves when it resolves', async () => {
    const [a, b] = pair();
    const got: unknown[] = [];
    b.handle('c', async (p) => void got.push(p));
    await a.forward(1, 'c', { shard: 3, record: Buffer.from('xy') });
    expect(got).toEqual([{ shard: 3, record: Buffer.from('xy') }]);
  });

  it('treats send() answering false as backpressure, not a failure: the message was still sent', async () => {
    const [a, b] = pair({ backlog: true });
    const got: unknown[] = [];
    b.handle('c', async (p) => void got.push(p));
    await a.forward(1, 'c', 7);
    expect(got).toEqual([7]);
  });

  it('refuses with a retryable error when the channel to the primary is closed', async () => {
    const [a] = pair({ connected: false });
    const err = (await a.forward(1, 'c', 1).catch((e: unknown) => e)) as TributaryError;
    expect(err.code).toBe(Errors.WORKER_UNAVAILABLE.code);
    expect(err.message).toContain('closed');
  });

  it('passes a handler\'s TributaryError back with its code and Retry-After', async () => {
    const [a, b] = pair();
    b.handle('c', () => Promise.reject(new TributaryError(Errors.QUEUE_FULL, 'full', { retryAfterMs: 1234 })));
    const err = await a.forward(1, 'c', 1).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TributaryError);
    expect((err as TributaryError).code).toBe(Errors.QUEUE_FULL.code);
    expect((err as TributaryError).retryAfterMs).toBe(1234);
  });

  it('refuses with a retryable error when nothing serves the channel (the owner is starting or stopping)', async () => {
    const [a, b] = pair();
    const stop = b.handle('c', async () => undefined);
    stop();
    const err = (await a.forward(1, 'c', 1).catch((e: unknown) => e)) as TributaryError;
    expect(err.code).toBe(Errors.WORKER_UNAVAILABLE.code);
    expect(err.retryable).toBe(true);
  });
});
