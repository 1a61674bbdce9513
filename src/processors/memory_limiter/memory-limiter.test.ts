import { afterEach, describe, expect, it, vi } from 'vitest';
import { EMPTY_CONTEXT } from '../../component/component.js';
import { Registry } from '../../component/registry.js';
import { BUILTIN_FACTORIES } from '../../components.js';
import { buildGatewayConfig } from '../../config/gateway-config.js';
import { loadConfig } from '../../config/load.js';
import { Errors } from '../../errors/catalogue.js';
import { TributaryError } from '../../errors/tributary-error.js';
import { toProtocolError } from '../../errors/transport.js';
import { Service } from '../../service.js';
import { silentLogger } from '../../telemetry/logger.js';
import { gaugeBatch } from '../../test-kit/batches.js';
import { SinkConsumer } from '../../test-kit/consumers.js';
import { lifecycleSuite } from '../../test-kit/lifecycle-suite.js';
import { encodeRequest, gaugeRequest, grpcExport } from '../../test-kit/otlp-client.js';
import { capturingSettings, testSettings } from '../../test-kit/settings.js';
import { type MemoryLimiterConfig, limitsOf, memoryLimiterSchema, validateMemoryLimiter } from './config.js';
import { memoryLimiterFactory } from './factory.js';
import { MIN_ROOM_MIB, MemoryLimiter } from './memory-limiter.js';
import { type Level, MemoryMonitor, readMemory, usedBytes } from './monitor.js';

lifecycleSuite(memoryLimiterFactory, { limit_mib: 100_000 });

const MIB = 1024 * 1024;
const cfg = (raw: object): MemoryLimiterConfig => memoryLimiterSchema.parse(raw);

describe('memory_limiter config', () => {
  it.each([
    [{}, ['limit_mib: set limit_mib or limit_percentage']],
    [{ limit_mib: 100, limit_percentage: 50 }, ['limit_percentage: set either limit_mib or limit_percentage, not both']],
    [{ limit_mib: 100, spike_limit_mib: 100 }, ['spike_limit_mib: must be less than limit_mib (100) (got 100)']],
    [{ limit_percentage: 50, spike_limit_percentage: 60 }, ['spike_limit_percentage: must be less than limit_percentage (50) (got 60)']],
    [{ limit_mib: 100, check_interval: '0s' }, ['check_interval: must be a duration greater than 0 (got 0)']],
    [{ limit_mib: 100, spike_limit_mib: 30, check_interval: '100ms' }, []],
  ])('%j -> %j', (raw, errors) => {
    expect(validateMemoryLimiter(cfg(raw))).toEqual(errors);
  });

  it.each([
    [{ limit_mib: 200 }, 0, 200 * MIB, 160 * MIB],
    [{ limit_mib: 200, spike_limit_mib: 50 }, 0, 200 * MIB, 150 * MIB],
    [{ limit_percentage: 50 }, 1000 * MIB, 500 * MIB, 400 * MIB],
    [{ limit_percentage: 80, spike_limit_percentage: 20 }, 1000 * MIB, 800 * MIB, 600 * MIB],
  ])('%j with %d bytes available: hard %d, soft %d', (raw, total, hard, soft) => {
    expect(limitsOf(cfg(raw), total)).toEqual({ hard, soft });
  });

  it('rejects percentages over 100', () => {
    expect(() => cfg({ limit_percentage: 101 })).toThrow();
  });
});

/** A monitor over scripted readings; GC lowers the next reading by `gcFrees`. */
function scripted(readings: number[], o: { gcFrees?: number; softGc?: number; hardGc?: number } = {}) {
  let rss = 0;
  let t = 0;
  const gcs: number[] = [];
  const changes: [Level, Level][] = [];
  const m = new MemoryMonitor({
    soft: 150,
    hard: 200,
    softGcIntervalMs: o.softGc ?? 10_000,
    hardGcIntervalMs: o.hardGc ?? 0,
    read: () => ({ rss, heapUsed: 0 }),
    gc: () => {
      gcs.push(t);
      rss -= o.gcFrees ?? 0;
      return true;
    },
    now: () => t,
    onChange: (level, previous) => changes.push([level, previous]),
  });
  const levels: Level[] = [];
  for (const r of readings) {
    rss = r;
    m.check();
    levels.push(m.level);
    t += 1000;
  }
  return { levels, gcs, changes };
}

describe('memory monitor', () => {
  it('is 0 below the soft limit, 1 from it, 2 from the hard limit', () => {
    expect(scripted([100, 149, 150, 199, 200, 300, 10]).levels).toEqual([0, 0, 1, 1, 2, 2, 0]);
  });

  it('forces GC above the hard limit on every check, and above the soft limit at most every min_gc_interval_when_soft_limited', () => {
    expect(scripted([160, 160, 160, 160, 160, 160, 160, 160, 160, 160, 160, 160], { softGc: 10_000 }).gcs).toEqual([0, 10_000]);
    expect(scripted([250, 250, 250]).gcs).toEqual([0, 1000, 2000]);
    expect(scripted([250, 250, 250], { hardGc: 5000 }).gcs).toEqual([0]);
  });

  it('decides on the reading after a forced GC', () => {
    const r = scripted([210, 170], { gcFrees: 80 });
    // 210 -> GC -> 130: below the soft limit, no change. 170 a second later: soft-limited, and too soon for another GC.
    expect(r.levels).toEqual([0, 1]);
    expect(r.gcs).toEqual([0]);
    expect(r.changes).toEqual([[1, 0]]);
    expect(scripted([260], { gcFrees: 80 }).levels).toEqual([1]);
  });

  it('compares the soft limit with what the process holds when part of the resident set is freed memory kept for reuse, and the hard limit with the resident set', () => {
    const level = (rss: number, held: number | undefined): Level => {
      const m = new MemoryMonitor({ soft: 150, hard: 200, softGcIntervalMs: 0, hardGcIntervalMs: 0, read: () => ({ rss, heapUsed: 0, held }), gc: () => false });
      m.check();
      return m.level;
    };
    // After a burst: 170 resident, 120 held -> 145 used, accepting again.
    expect(level(170, 120)).toBe(0);
    // 170 resident, 130 held -> 150 used, refusing.
    expect(level(170, 130)).toBe(1);
    // Held memory at the soft limit -> refusing.
    expect(level(160, 150)).toBe(1);
    // The estimate never counts more than is resident.
    expect(level(120, 160)).toBe(0);
    // Above the hard limit on the resident set -> hard-limited even with little held.
    expect(level(210, 90)).toBe(2);
    // No estimate: the resident set decides.
    expect(level(170, undefined)).toBe(1);
  });

  it('reads what it holds as at least the V8 heap, and uses no more than the resident set', () => {
    const r = readMemory();
    expect(r.held).toBeGreaterThanOrEqual(r.heapTotal ?? Number.NaN);
    expect(usedBytes(r)).toBeLessThanOrEqual(r.rss);
  });

  it('reports changes of level', () => {
    expect(scripted([100, 160, 210, 100]).changes).toEqual([
      [1, 0],
      [2, 1],
      [0, 2],
    ]);
  });
});

describe('memory_limiter processor', () => {
  function limiter(rss: () => number) {
    const set = testSettings('processor', 'memory_limiter', 'metrics');
    const next = new SinkConsumer();
    const p = new MemoryLimiter(set, cfg({ limit_mib: 200, spike_limit_mib: 50, check_interval: '1s' }), next, { read: () => ({ rss: rss(), heapUsed: 0 }), gc: () => false });
    return { p, next, set };
  }

  it.each([
    [128, true],
    [150 - MIN_ROOM_MIB + 1, true],
    [150 - MIN_ROOM_MIB, false],
    [40, false],
  ])('at start with %d MiB resident and a 150 MiB soft limit, warns that there is too little room: %s', async (startMib, warns) => {
    const { set, logs } = capturingSettings('processor', 'memory_limiter');
    const p = new MemoryLimiter(set, cfg({ limit_mib: 200, spike_limit_mib: 50, check_interval: '1s' }), new SinkConsumer(), {
      read: () => ({ rss: startMib * MIB, heapUsed: 0 }),
      gc: () => false,
    });
    await p.start();
    await p.shutdown();
    const warning = logs()
      .split('\n')
      .filter((l) => l.includes('the soft limit leaves'))
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(warning.length).toBe(warns ? 1 : 0);
    if (warns) {
      expect(warning[0]).toMatchObject({ rss_mib: startMib, soft_limit_mib: 150, hard_limit_mib: 200, room_mib: 150 - startMib });
      expect(warning[0].msg).toContain(`at least ${startMib + MIN_ROOM_MIB} MiB`);
    }
  });

  it('passes data through below the soft limit and refuses it, retryably with a delay, above', async () => {
    let rss = 100 * MIB;
    const { p, next, set } = limiter(() => rss);
    p.check();
    await p.consume(gaugeBatch('a', 3), EMPTY_CONTEXT);
    expect(next.points()).toBe(3);
    expect(p.refuseIntake()).toBeUndefined();

    rss = 160 * MIB;
    p.check();
    const err = await p.consume(gaugeBatch('b', 4), EMPTY_CONTEXT).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TributaryError);
    expect((err as TributaryError).def).toBe(Errors.MEMORY_LIMITED);
    expect((err as TributaryError).retryable).toBe(true);
    expect((err as TributaryError).message).toBe('memory_limiter memory_limiter: the gateway uses 160 MiB (resident 160 MiB), above its soft limit; retry later');
    const wire = toProtocolError(err);
    expect([wire.http, wire.grpc, wire.retryAfterMs]).toEqual([503, 14, 2000]);
    expect(p.refuseIntake()?.def).toBe(Errors.MEMORY_LIMITED);
    expect(next.points()).toBe(3);

    const refused = await set.metrics.memoryLimiterRefused.get();
    expect(refused.values.map((v) => [v.labels.where, v.value]).sort()).toEqual([
      ['processor', 1],
      ['receiver', 1],
    ]);
    expect((await set.metrics.memoryLimiterRefusedPoints.get()).values[0].value).toBe(4);

    rss = 140 * MIB;
    p.check();
    await p.consume(gaugeBatch('c', 1), EMPTY_CONTEXT);
    expect(next.points()).toBe(4);
  });
});

describe('memory_limiter check_interval', () => {
  it('measures at start and then every check_interval, not in between', async () => {
    vi.useFakeTimers();
    try {
      let reads = 0;
      let rss = 100 * MIB;
      const set = testSettings('processor', 'memory_limiter', 'metrics');
      const p = new MemoryLimiter(set, cfg({ limit_mib: 200, check_interval: '250ms' }), new SinkConsumer(), {
        read: () => (reads++, { rss, heapUsed: 0 }),
        gc: () => false,
      });
      await p.start();
      expect(reads).toBe(1);
      rss = 190 * MIB;
      await vi.advanceTimersByTimeAsync(249);
      expect([reads, p.level]).toEqual([1, 0]);
      await vi.advanceTimersByTimeAsync(1);
      expect([reads, p.level]).toEqual([2, 1]);
      await vi.advanceTimersByTimeAsync(1000);
      expect(reads).toBe(6);
      await p.shutdown();
      await vi.advanceTimersByTimeAsync(1000);
      expect(reads).toBe(6);
    } finally {
      vi.useRealTimers();
    }
  });
});

describe('memory_limiter in a running gateway', () => {
  const services: Service[] = [];
  afterEach(async () => {
    await Promise.all(services.splice(0).map((s) => s.shutdown()));
  });

  async function gateway(limitMib: number): Promise<{ http: string; grpc: string; influx: string }> {
    const yaml = `
receivers: {otlp: {protocols: {http: {endpoint: "127.0.0.1:0"}, grpc: {endpoint: "127.0.0.1:0"}}}, influxdb: {endpoint: "127.0.0.1:0"}}
processors: {memory_limiter: {limit_mib: ${limitMib}, check_interval: 1s}}
exporters: {debug: }
service: {telemetry: {metrics: {level: none}}, pipelines: {metrics: {receivers: [otlp, influxdb], processors: [memory_limiter], exporters: [debug]}}}`;
    const { raw } = await loadConfig([`yaml:${yaml}`], { env: {} });
    const s = new Service(buildGatewayConfig(raw, new Registry([...BUILTIN_FACTORIES.filter((f) => f.type !== 'memory_limiter'), memoryLimiterFactory])), { logger: silentLogger() });
    await s.start();
    services.push(s);
    const [grpc, http] = s.endpoints()['receiver/otlp'];
    return { http, grpc: grpc.replace('grpc://', ''), influx: s.endpoints()['receiver/influxdb'][0] };
  }

  it('refuses before the body is read: HTTP 503 with Retry-After, gRPC UNAVAILABLE, when the process is over the limit', async () => {
    // This process uses far more than 1 MiB: the limiter refuses from its first check.
    const { http, grpc, influx } = await gateway(1);
    const res = await fetch(http, { method: 'POST', body: encodeRequest(gaugeRequest('g', 1)), headers: { 'content-type': 'application/x-protobuf' } });
    expect(res.status).toBe(503);
    expect(res.headers.get('retry-after')).toBe('2');
    expect((await grpcExport(grpc, encodeRequest(gaugeRequest('g', 1)))).code).toBe(14);
    // A body that does not even decode is refused the same way: nothing was read or decoded.
    const garbage = await fetch(http, { method: 'POST', body: Buffer.from('not protobuf'), headers: { 'content-type': 'application/x-protobuf' } });
    expect(garbage.status).toBe(503);
    const line = await fetch(influx, { method: 'POST', body: 'cpu value=1' });
    expect([line.status, line.headers.get('retry-after')]).toEqual([503, '2']);
    // Health checks still answer.
    expect((await fetch(influx.replace(/\/write$/, '/ping'))).status).toBe(204);
  });

  it('accepts when the process is under the limit', async () => {
    const { http } = await gateway(1_000_000);
    const res = await fetch(http, { method: 'POST', body: encodeRequest(gaugeRequest('g', 1)), headers: { 'content-type': 'application/x-protobuf' } });
    expect(res.status).toBe(200);
  });
});
