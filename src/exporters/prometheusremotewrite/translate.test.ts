import { ProtobufMetricsSerializer } from '@opentelemetry/otlp-transformer';
import { describe, expect, it } from 'vitest';
import { decodeOtlpProto } from '../../model/otlp/decode-proto.js';
import type { MetricBatch } from '../../model/metric.js';
import { MetricNamer } from '../../model/prom/naming.js';
import { EXPECTED, collectSdkMetrics } from '../../test-kit/otel-sdk.js';
import { batchOf, numberMetric } from '../../test-kit/batches.js';
import { type DecodedSeries, decodeWriteRequest } from '../../test-kit/prompb-schema.js';
import { encodeRequest } from '../../test-kit/otlp-client.js';
import { snappyUncompress } from '../helper/snappy.js';
import { SeriesRegistry } from './series.js';
import { testPrwTranslator } from '../../test-kit/prw-translator.js';
import type { PrwTranslator, TranslateOptions } from './translate.js';

function translator(o: Partial<TranslateOptions> = {}) {
  const drops: [string, string, number][] = [];
  const t = testPrwTranslator({
    external: [['cluster', 'c1']],
    onDrop: (reason, metric, n) => drops.push([reason, metric, n]),
    ...o,
  });
  return { t, drops };
}

function series(t: PrwTranslator, batch: MetricBatch): DecodedSeries[] {
  return t.translate(batch).requests.flat().flatMap((r) => decodeWriteRequest(snappyUncompress(r.body)).series);
}

function find(all: DecodedSeries[], name: string, labels: Record<string, string> = {}): DecodedSeries[] {
  return all.filter((s) => s.labels.__name__ === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v));
}

async function sdkBatch(temporality: 'cumulative' | 'delta', runId = 'prw'): Promise<MetricBatch> {
  const rm = await collectSdkMetrics({ temporality, runId });
  return decodeOtlpProto(Buffer.from(ProtobufMetricsSerializer.serializeRequest(rm)!)).batch;
}

describe('remote write translation of SDK data', () => {
  it('names, labels, job/instance, scope, target_info and every metric type', async () => {
    const { t } = translator();
    const all = series(t, await sdkBatch('cumulative'));
    for (const s of all) {
      const names = Object.keys(s.labels);
      expect(names).toEqual([...names].sort());
      expect(names).toContain('__name__');
      expect(Object.values(s.labels).every((v) => v !== '')).toBe(true);
    }
    const base = { job: 'shop/checkout', instance: 'i-0abc', otel_scope_name: 'tributary.test', otel_scope_version: '1.2.3', cluster: 'c1' };
    expect(find(all, 'http_server_requests_total', { ...base, http_route: '/cart' })[0].samples[0].value).toBe(EXPECTED.requestsCart);
    expect(find(all, 'sessions_active', { tier: 'gold' })[0].samples[0].value).toBe(EXPECTED.sessionsGold);
    expect(find(all, 'room_temperature_celsius')[0].samples[0].value).toBe(EXPECTED.temperatureLab);
    const buckets = find(all, 'http_server_duration_milliseconds_bucket').map((s) => [s.labels.le, s.samples[0].value]);
    expect(buckets).toEqual([['10', 1], ['50', 3], ['100', 4], ['500', 4], ['+Inf', 5]]);
    expect(find(all, 'http_server_duration_milliseconds_sum')[0].samples[0].value).toBe(EXPECTED.durationSum);
    const nh = find(all, 'payload_size_bytes')[0].histograms[0] as { countInt: number; sum: number; schema: number; positiveSpans: unknown[] };
    expect(nh.countInt).toBe(EXPECTED.sizeCount);
    expect(nh.sum).toBe(EXPECTED.sizeSum);
    expect(nh.schema).toBeLessThanOrEqual(8);
    expect(nh.positiveSpans.length).toBeGreaterThan(0);
    const ti = find(all, 'target_info')[0];
    expect(ti.labels).toMatchObject({ job: 'shop/checkout', instance: 'i-0abc', deployment_environment: 'test', run_id: 'prw', cluster: 'c1' });
    expect(ti.labels.service_name).toBeUndefined();
    expect(ti.samples[0].value).toBe(1);
  });

  it('turns delta points into cumulative series and never sends a timestamp twice', async () => {
    const { t, drops } = translator();
    const first = series(t, await sdkBatch('delta', 'd'));
    expect(find(first, 'http_server_requests_total', { http_route: '/cart' })[0].samples[0].value).toBe(EXPECTED.requestsCart);
    // A later delta export of the same series adds up (a new SDK run has a later start time).
    await new Promise((r) => setTimeout(r, 5));
    const second = series(t, await sdkBatch('delta', 'd'));
    expect(find(second, 'http_server_requests_total', { http_route: '/cart' })[0].samples[0].value).toBe(2 * EXPECTED.requestsCart);
    expect(find(second, 'http_server_duration_milliseconds_count')[0].samples[0].value).toBe(2 * EXPECTED.durationCount);
    expect((find(second, 'payload_size_bytes')[0].histograms[0] as { countInt: number }).countInt).toBe(2 * EXPECTED.sizeCount);
    expect(drops).toEqual([]);
  });

  it('refuses a delta that overlaps what was already added, and an out-of-order point', () => {
    const { t, drops } = translator();
    const delta = (value: number, timeMs: number) => batchOf([numberMetric({ name: 'c', type: 'sum', temporality: 'delta', points: [{ value, timeMs }] })]);
    series(t, delta(1, 1_700_000_000_000));
    // numberMetric gives every delta the same start time: the second one overlaps the first.
    expect(series(t, delta(1, 1_700_000_001_000))).toEqual([]);
    expect(drops[0][0]).toBe('delta_overlap');
    const gauge = (timeMs: number) => batchOf([numberMetric({ name: 'g', points: [{ value: 1, timeMs }] })]);
    series(t, gauge(1_700_000_002_000));
    expect(series(t, gauge(1_700_000_001_000))).toEqual([]);
    expect(drops.map((d) => d[0])).toContain('out_of_order');
  });

  it('marks points without a recorded value with the staleness NaN bit pattern', () => {
    const { t } = translator();
    const b = decodeOtlpProto(encodeRequest({ resourceMetrics: [{ scopeMetrics: [{ metrics: [{ name: 'g', gauge: { dataPoints: [{ timeUnixNano: '1700000000000000000', flags: 1 }] } }] }] }] })).batch;
    const req = snappyUncompress(t.translate(b).requests.flat()[0].body);
    expect(req.includes(Buffer.from([0x02, 0, 0, 0, 0, 0, 0xf0, 0x7f]))).toBe(true);
  });

  it('keeps each series on one shard and requests within the size limit', () => {
    const { t } = translator({ maxRequestBytes: 4096, targetInfo: false });
    const metrics = Array.from({ length: 20 }, (_, m) => numberMetric({ name: `m${m}`, points: Array.from({ length: 20 }, (_, i) => ({ value: i, attrs: { k: `v${i}` }, timeMs: 1_700_000_000_000 })) }));
    const out = t.translate(batchOf(metrics));
    const shardOf = new Map<string, number>();
    out.requests.forEach((reqs, shard) => {
      for (const r of reqs) {
        const raw = snappyUncompress(r.body);
        expect(raw.length).toBeLessThanOrEqual(4096);
        const decoded = decodeWriteRequest(raw).series;
        expect(r.items).toBe(decoded.length);
        for (const s of decoded) shardOf.set(JSON.stringify(s.labels), shard);
      }
    });
    expect(shardOf.size).toBe(400);
    expect(new Set(shardOf.values()).size).toBe(4);
    const again = t.translate(batchOf(metrics.map((m) => ({ ...m, points: { ...m.points, times: m.points.times.map((x, k) => (k % 2 === 0 ? x + 1_000_000 : x)) } } as typeof m))));
    again.requests.forEach((reqs, shard) => {
      for (const r of reqs) for (const s of decodeWriteRequest(snappyUncompress(r.body)).series) expect(shardOf.get(JSON.stringify(s.labels))).toBe(shard);
    });
  });

  it('undo puts back the last-sent timestamps', () => {
    const { t, drops } = translator({ targetInfo: false });
    const b = () => batchOf([numberMetric({ name: 'g', points: [{ value: 1 }] })]);
    t.translate(b()).undo();
    expect(series(t, b())).toHaveLength(1);
    expect(drops).toEqual([]);
  });
});
