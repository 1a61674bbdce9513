import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { RequestContext } from '../../component/component.js';
import { EMPTY_CONTEXT } from '../../component/component.js';
import { fileStorageSchema } from '../../extensions/file_storage/config.js';
import { FileStorage } from '../../extensions/file_storage/file-storage.js';
import { type MetricBatch, countPoints } from '../../model/metric.js';
import { decodeOtlpProto } from '../../model/otlp/decode-proto.js';
import { batchOf, numberMetric } from '../../test-kit/batches.js';
import { lifecycleSuite } from '../../test-kit/lifecycle-suite.js';
import { testHost, testSettings } from '../../test-kit/settings.js';
import { type LoadBalancingConfig, loadBalancingSchema, validateLoadBalancing } from './config.js';
import { LoadBalancingExporter } from './exporter.js';
import { loadBalancingExporterFactory } from './factory.js';
import type { ExportResult, OtlpTransport } from './otlp-grpc.js';

lifecycleSuite(loadBalancingExporterFactory, { resolver: { static: { hostnames: ['127.0.0.1:1'] } }, protocol: { otlp: { tls: { insecure: true } } } });

/** A backend that records what it gets, and can be switched down (UNAVAILABLE). */
class FakeBackend implements OtlpTransport {
  readonly received: MetricBatch[] = [];
  down = false;
  attempts = 0;
  constructor(readonly endpoint: string) {}
  async send(body: Buffer): Promise<ExportResult> {
    this.attempts++;
    if (this.down) return { kind: 'retry', reason: 'grpc_unavailable', afterMs: undefined, detail: 'down' };
    this.received.push(decodeOtlpProto(body).batch);
    return { kind: 'ok', rejected: 0, message: '' };
  }
  close(): void {}
}

const exporters: LoadBalancingExporter[] = [];
afterEach(async () => {
  await Promise.all(exporters.splice(0).map((e) => e.shutdown()));
});

function config(raw: Record<string, unknown>): LoadBalancingConfig {
  const c = loadBalancingSchema.parse({ protocol: { otlp: { tls: { insecure: true }, retry_on_failure: { initial_interval: '10ms', max_interval: '20ms' } } }, ...raw });
  expect(validateLoadBalancing(c)).toEqual([]);
  return c;
}

async function setup(raw: Record<string, unknown>, lookup?: (h: string) => Promise<string[]>, host = testHost(), fakes = new Map<string, FakeBackend>()) {
  const exp = new LoadBalancingExporter(testSettings('exporter', 'loadbalancing'), config(raw), {
    lookup,
    drainBudgetMs: 200,
    transport: (ep) => {
      const f = fakes.get(ep) ?? new FakeBackend(ep);
      fakes.set(ep, f);
      return f;
    },
  });
  exporters.push(exp);
  await exp.start(host);
  return { exp, fakes };
}

/** `n` delta sum streams (attribute stream=i) of one metric, one point each. */
function streams(n: number, value = 1, resource: Record<string, string> = { 'service.name': 'svc' }): MetricBatch {
  const points = Array.from({ length: n }, (_, i) => ({ value, attrs: { stream: String(i) } }));
  return batchOf([numberMetric({ name: 'requests', type: 'sum', temporality: 'delta', points })], resource);
}

/** stream attribute -> endpoints that received it, and the sum each received. */
function whereStreamsWent(fakes: Map<string, FakeBackend>): Map<string, Map<string, number>> {
  const out = new Map<string, Map<string, number>>();
  for (const [ep, f] of fakes) {
    for (const b of f.received) {
      for (const rm of b.resourceMetrics) {
        for (const sm of rm.scopeMetrics) {
          for (const m of sm.metrics) {
            const p = m.points;
            if (p.kind !== 'number') continue;
            for (let i = 0; i < p.length; i++) {
              const key = `${rm.resource.attributes.get('tenant') ?? ''}/${String(p.attributes[i].get('stream'))}`;
              const per = out.get(key) ?? new Map<string, number>();
              per.set(ep, (per.get(ep) ?? 0) + p.values[i]);
              out.set(key, per);
            }
          }
        }
      }
    }
  }
  return out;
}

async function drained(fakes: Map<string, FakeBackend>, points: number): Promise<void> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    let got = 0;
    for (const f of fakes.values()) for (const b of f.received) got += countPoints(b);
    if (got >= points) return;
    if (Date.now() > deadline) throw new Error(`backends received ${got} of ${points} points`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

const HOSTS = ['10.0.0.1:4317', '10.0.0.2:4317', '10.0.0.3:4317'];

describe('loadbalancing exporter: routing_key streamID', () => {
  it('sends each stream to exactly one backend, spreads streams over all, and loses no point', async () => {
    const { exp, fakes } = await setup({ routing_key: 'streamID', resolver: { static: { hostnames: HOSTS } } });
    for (let round = 0; round < 3; round++) await exp.consume(streams(300, round + 1), EMPTY_CONTEXT);
    await drained(fakes, 900);
    const where = whereStreamsWent(fakes);
    expect(where.size).toBe(300);
    const perBackend = new Map<string, number>();
    for (const [, eps] of where) {
      expect(eps.size).toBe(1);
      const [[ep, total]] = [...eps];
      expect(total).toBe(1 + 2 + 3);
      perBackend.set(ep, (perBackend.get(ep) ?? 0) + 1);
    }
    expect([...perBackend.keys()].sort()).toEqual(HOSTS);
    for (const n of perBackend.values()) expect(n).toBeGreaterThan(30);
  });

  it('keeps data for a backend that is down and delivers it when it is back, sending nothing of it elsewhere', async () => {
    const { exp, fakes } = await setup({ routing_key: 'streamID', resolver: { static: { hostnames: HOSTS } } });
    fakes.get(HOSTS[1])!.down = true;
    await exp.consume(streams(200, 1), EMPTY_CONTEXT);
    // The other backends get their share while one is down.
    const othersShare = () => [HOSTS[0], HOSTS[2]].reduce((a, h) => a + fakes.get(h)!.received.reduce((s, b) => s + countPoints(b), 0), 0);
    const deadline = Date.now() + 10_000;
    while (fakes.get(HOSTS[1])!.attempts < 2 || othersShare() === 0) {
      if (Date.now() > deadline) throw new Error('backends were not tried');
      await new Promise((r) => setTimeout(r, 10));
    }
    const first = whereStreamsWent(fakes);
    expect([...first.values()].every((eps) => !eps.has(HOSTS[1]))).toBe(true);
    const held = 200 - othersShare();
    expect(held).toBeGreaterThan(0);
    fakes.get(HOSTS[1])!.down = false;
    await drained(fakes, 200);
    const after = whereStreamsWent(fakes);
    expect(after.size).toBe(200);
    for (const eps of after.values()) expect(eps.size).toBe(1);
    expect([...after.values()].filter((eps) => eps.has(HOSTS[1])).length).toBe(held);
  });
});

describe('loadbalancing exporter: sending_queue.storage', () => {
  it('keeps what a down backend has not taken across a restart, and delivers it to that backend', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'trib-lb-queue-'));
    try {
      const raw = { routing_key: 'streamID', resolver: { static: { hostnames: HOSTS } }, protocol: { otlp: { tls: { insecure: true }, sending_queue: { storage: 'file_storage' }, retry_on_failure: { initial_interval: '10ms', max_interval: '20ms' } } } };
      const storage1 = new FileStorage(testSettings('extension', 'file_storage'), fileStorageSchema.parse({ directory: dir }));
      await storage1.start(testHost());
      const first = new Map(HOSTS.map((h) => [h, Object.assign(new FakeBackend(h), { down: h === HOSTS[2] })]));
      const a = await setup(raw, undefined, testHost({ file_storage: storage1 }), first);
      await a.exp.consume(streams(150), EMPTY_CONTEXT);
      await waitFor(() => first.get(HOSTS[2])!.attempts >= 2);
      await a.exp.shutdown();
      await storage1.shutdown();
      const held = 150 - [HOSTS[0], HOSTS[1]].reduce((n, h) => n + first.get(h)!.received.reduce((s, b) => s + countPoints(b), 0), 0);
      expect(held).toBeGreaterThan(0);

      const storage2 = new FileStorage(testSettings('extension', 'file_storage'), fileStorageSchema.parse({ directory: dir }));
      await storage2.start(testHost());
      const second = new Map(HOSTS.map((h) => [h, new FakeBackend(h)]));
      const b = await setup(raw, undefined, testHost({ file_storage: storage2 }), second);
      await drained(second, held);
      expect(second.get(HOSTS[2])!.received.reduce((s, x) => s + countPoints(x), 0)).toBe(held);
      expect(second.get(HOSTS[0])!.received).toEqual([]);
      await b.exp.shutdown();
      await storage2.shutdown();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

async function waitFor(cond: () => boolean): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error('condition not met within 10 s');
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe('loadbalancing exporter: DNS resolver', () => {
  it('re-resolves and moves only the streams of the backend that left or joined', async () => {
    let addrs = ['10.0.0.1', '10.0.0.2', '10.0.0.3'];
    const { exp, fakes } = await setup({ routing_key: 'streamID', resolver: { dns: { hostname: 'tier2.local', port: 4317, interval: '20ms' } } }, async () => addrs);
    expect(exp.backendEndpoints()).toEqual(HOSTS);
    await exp.consume(streams(300), EMPTY_CONTEXT);
    await drained(fakes, 300);
    const before = new Map([...whereStreamsWent(fakes)].map(([k, eps]) => [k, [...eps.keys()][0]]));
    for (const f of fakes.values()) f.received.length = 0;

    addrs = ['10.0.0.1', '10.0.0.3', '10.0.0.4'];
    const deadline = Date.now() + 10_000;
    while (exp.backendEndpoints().join() !== '10.0.0.1:4317,10.0.0.3:4317,10.0.0.4:4317') {
      if (Date.now() > deadline) throw new Error(`ring is ${exp.backendEndpoints().join()}`);
      await new Promise((r) => setTimeout(r, 10));
    }
    await exp.consume(streams(300), EMPTY_CONTEXT);
    await drained(fakes, 300);
    const after = new Map([...whereStreamsWent(fakes)].map(([k, eps]) => [k, [...eps.keys()][0]]));
    const wrongly: string[] = [];
    let moved = 0;
    for (const [k, was] of before) {
      const now = after.get(k)!;
      if (now === was) continue;
      moved++;
      // Only streams of the backend that left may move; only to the one that joined or the remaining ones.
      if (was !== '10.0.0.2:4317' && now !== '10.0.0.4:4317') wrongly.push(`${k}: ${was} -> ${now}`);
    }
    expect(wrongly).toEqual([]);
    expect([...before.values()].filter((e) => e === '10.0.0.2:4317').length).toBeGreaterThan(30);
    // Every stream of the leaver moved; nothing else moved except to the newcomer.
    for (const [k, was] of before) if (was === '10.0.0.2:4317') expect(after.get(k)).not.toBe('10.0.0.2:4317');
    expect(moved).toBeLessThan(300 * 0.75);
    expect([...after.values()]).toContain('10.0.0.4:4317');
  });

  it('keeps the previous backends when a resolution fails', async () => {
    let fail = false;
    const { exp } = await setup({ resolver: { dns: { hostname: 'tier2.local', interval: '10ms' } } }, async () => {
      if (fail) throw new Error('SERVFAIL');
      return ['10.0.0.9'];
    });
    fail = true;
    await new Promise((r) => setTimeout(r, 60));
    expect(exp.backendEndpoints()).toEqual(['10.0.0.9:4317']);
  });
});

describe('loadbalancing exporter: routing by tenant (routing_key: attributes)', () => {
  const tenantCtx = (tenant: string): RequestContext => ({ ...EMPTY_CONTEXT, client: { auth: { authenticator: 'bearertokenauth', subject: tenant, attributes: { tenant } } } });

  it('sends all of a tenant\'s streams to one backend, by the authenticated tenant', async () => {
    const { exp, fakes } = await setup({ routing_key: 'attributes', routing_attributes: ['auth.tenant'], resolver: { static: { hostnames: HOSTS } } });
    const tenants = Array.from({ length: 12 }, (_, i) => `tenant-${i}`);
    for (const t of tenants) await exp.consume(streams(50, 1, { 'service.name': 'svc', tenant: t }), tenantCtx(t));
    await drained(fakes, 12 * 50);
    const byTenant = new Map<string, Set<string>>();
    for (const [k, eps] of whereStreamsWent(fakes)) {
      const t = k.split('/')[0];
      const s = byTenant.get(t) ?? new Set<string>();
      for (const ep of eps.keys()) s.add(ep);
      byTenant.set(t, s);
    }
    expect(byTenant.size).toBe(12);
    for (const s of byTenant.values()) expect(s.size).toBe(1);
    expect(new Set([...byTenant.values()].map((s) => [...s][0])).size).toBeGreaterThan(1);
  });

  it('routes by a resource attribute, and by a point attribute when the resource lacks it', async () => {
    const { exp, fakes } = await setup({ routing_key: 'attributes', routing_attributes: ['tenant'], resolver: { static: { hostnames: HOSTS } } });
    for (let t = 0; t < 12; t++) await exp.consume(streams(20, 1, { 'service.name': 'svc', tenant: `t${t}` }), EMPTY_CONTEXT);
    // No tenant on the resource: each point's own attribute decides.
    const points = Array.from({ length: 120 }, (_, i) => ({ value: 1, attrs: { tenant: `t${i % 12}`, stream: `p${i}` } }));
    await exp.consume(batchOf([numberMetric({ name: 'x', type: 'sum', temporality: 'delta', points })], { 'service.name': 'svc' }), EMPTY_CONTEXT);
    await drained(fakes, 12 * 20 + 120);
    const byTenant = new Map<string, Set<string>>();
    for (const [ep, f] of fakes) {
      for (const b of f.received) {
        for (const rm of b.resourceMetrics) {
          for (const sm of rm.scopeMetrics) {
            for (const m of sm.metrics) {
              for (let i = 0; i < m.points.length; i++) {
                const t = String(rm.resource.attributes.get('tenant') ?? m.points.attributes[i].get('tenant'));
                const s = byTenant.get(t) ?? new Set<string>();
                s.add(ep);
                byTenant.set(t, s);
              }
            }
          }
        }
      }
    }
    expect(byTenant.size).toBe(12);
    for (const s of byTenant.values()) expect(s.size).toBe(1);
  });
});

describe('loadbalancing exporter: config', () => {
  it.each([
    [{ resolver: {} }, 'resolver: configure exactly one of static or dns'],
    [{ resolver: { static: { hostnames: ['a:1'] } }, routing_key: 'attributes' }, 'routing_attributes: list the attributes to route by, e.g. [auth.tenant] or [tenant]'],
    [{ resolver: { static: { hostnames: ['a:1'] } }, protocol: { otlp: { endpoint: 'x:1' } } }, 'protocol::otlp::endpoint: the resolver provides the backends; remove endpoint'],
    [{ resolver: { static: { hostnames: ['a b'] } } }, 'resolver::static::hostnames::0: must be host or host:port (got "a b")'],
    [{ resolver: { k8s: { service: 'x' } } }, 'resolver::k8s: the Kubernetes resolver is not implemented; use dns with a headless Service name'],
  ])('%j is refused', (raw, message) => {
    expect(validateLoadBalancing(loadBalancingSchema.parse(raw))).toContain(message);
  });
});
