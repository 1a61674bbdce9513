import { describe, expect, it } from 'vitest';
import { EMPTY_CONTEXT } from '../../component/component.js';
import { type MetricBatch, countPoints } from '../../model/metric.js';
import { encodeOtlpJson } from '../../model/otlp/encode-json.js';
import { batchOf, numberMetric } from '../../test-kit/batches.js';
import { histogramMetric, readPoints } from '../../test-kit/temporality.js';
import { HashRing } from './ring.js';
import { BatchSplitter, type RoutingKey } from './split.js';

const ring = new HashRing(['a:4317', 'b:4317', 'c:4317']);
const pick = (h: number): number => ring.indexOf(h);

function sample(): MetricBatch {
  const services = ['checkout', 'cart', 'search', 'auth', 'billing', 'email'];
  const rms = services.map((svc) => {
    const sums = numberMetric({ name: `${svc}.requests`, type: 'sum', temporality: 'delta', points: Array.from({ length: 40 }, (_, i) => ({ value: i, attrs: { route: `/r${i}` } })) });
    const hist = histogramMetric('latency', 'delta', Array.from({ length: 40 }, (_, i) => ({ attrs: { route: `/r${i}` }, start: 1, time: 2, bounds: [10, 100], counts: [i, 1, 2], sum: i * 3 })));
    return batchOf([sums, hist], { 'service.name': svc, 'host.name': `h-${svc}` }).resourceMetrics[0];
  });
  return { resourceMetrics: rms };
}

/** point description -> backend index */
function placement(parts: (MetricBatch | undefined)[]): Map<string, number> {
  const out = new Map<string, number>();
  parts.forEach((p, b) => {
    if (p === undefined) return;
    for (const rm of p.resourceMetrics) {
      const svc = String(rm.resource.attributes.get('service.name'));
      for (const pt of readPoints({ resourceMetrics: [rm] })) out.set(`${svc}|${pt.metric}|${JSON.stringify(pt.attrs)}|${pt.value ?? pt.sum}`, b);
    }
  });
  return out;
}

describe('BatchSplitter', () => {
  it.each<[RoutingKey, (k: string) => string]>([
    ['service', (k) => k.split('|')[0]],
    ['resource', (k) => k.split('|')[0]],
    ['metric', (k) => k.split('|')[1]],
    ['streamID', (k) => k.split('|').slice(0, 3).join('|')],
  ])('routing_key %s keeps every point, once, and each key on one backend', (key, keyOf) => {
    const batch = sample();
    const before = encodeOtlpJson(batch);
    const parts = new BatchSplitter({ key }).split(batch, pick, ring.size, EMPTY_CONTEXT.client);
    expect(encodeOtlpJson(batch)).toBe(before);
    expect(parts.reduce((n, p) => n + (p === undefined ? 0 : countPoints(p)), 0)).toBe(countPoints(batch));
    const where = new Map<string, Set<number>>();
    for (const [pt, b] of placement(parts)) {
      const s = where.get(keyOf(pt)) ?? new Set<number>();
      s.add(b);
      where.set(keyOf(pt), s);
    }
    for (const s of where.values()) expect(s.size).toBe(1);
    // 480 streams reach every backend (6 services or resources, 7 metric names need not).
    if (key === 'streamID') expect(new Set([...where.values()].map((s) => [...s][0])).size).toBe(3);
  });

  it('cuts histograms column by column with their buckets intact', () => {
    const batch = sample();
    const parts = new BatchSplitter({ key: 'streamID' }).split(batch, pick, ring.size, EMPTY_CONTEXT.client);
    const whole = readPoints(batch).filter((p) => p.metric === 'latency');
    const cut = parts.flatMap((p) => (p === undefined ? [] : readPoints(p).filter((x) => x.metric === 'latency')));
    const key = (p: { attrs: Record<string, unknown>; sum?: number }) => `${JSON.stringify(p.attrs)}|${p.sum}`;
    expect(cut.map(key).sort()).toEqual(whole.map(key).sort());
    for (const p of cut) expect(p.counts).toEqual([Number(p.sum) / 3, 1, 2]);
  });

  it('shares a metric that goes whole to one backend instead of copying it', () => {
    const batch = batchOf([numberMetric({ name: 'one', points: [{ value: 1 }] })]);
    const parts = new BatchSplitter({ key: 'streamID' }).split(batch, pick, ring.size, EMPTY_CONTEXT.client);
    const part = parts.find((p) => p !== undefined)!;
    expect(part.resourceMetrics[0].scopeMetrics[0].metrics[0]).toBe(batch.resourceMetrics[0].scopeMetrics[0].metrics[0]);
  });
});
