import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EMPTY_CONTEXT, type Host } from '../../component/component.js';
import type { Metric } from '../../model/metric.js';
import { LIMITS } from '../../receivers/putmetricdata/limits.js';
import { batchOf, numberMetric } from '../../test-kit/batches.js';
import { type CloudWatchEndpoint, type CloudWatchTestBed, selfMetricValue, startCloudWatchTestBed } from '../../test-kit/cloudwatch-endpoint.js';
import { expHistogramMetric } from '../../test-kit/distribution-metrics.js';
import { testSettings } from '../../test-kit/settings.js';
import { CwMetricsExporter } from './exporter.js';
import { cwMetricsExporterFactory } from './factory.js';

/**
 * Acceptance: 5,000 series with 40 attributes each become only requests
 * CloudWatch accepts, carrying only the declared dimensions. Every request
 * that arrives is checked by the putmetricdata receiver's reading of the
 * API's rules (1,000 data, 1 MB, 30 dimensions, 150 values, name and value
 * lengths, the timestamp window), independently of the exporter's own
 * packing.
 */

let cw: CloudWatchEndpoint;
let host: Host;
let bed: CloudWatchTestBed;

beforeAll(async () => {
  bed = await startCloudWatchTestBed();
  ({ cw, host } = bed);
});
afterAll(() => bed?.close());

const SERIES = 5000;
const ATTRS = 40;

function wideAttributes(i: number, valueLength: number): Record<string, string> {
  const a: Record<string, string> = { service: `svc-${i % 7}`, route: `/api/v1/items/${i % 50}` };
  for (let k = 0; Object.keys(a).length < ATTRS; k++) a[`attr_${String(k).padStart(2, '0')}`] = `${i}-${k}-`.padEnd(valueLength, 'x');
  return a;
}

async function exportAll(raw: Record<string, unknown>, ...metrics: Metric[]): Promise<ReturnType<typeof testSettings>> {
  const config = cwMetricsExporterFactory.configSchema.parse({ region: 'eu-west-1', endpoint: cw.url, auth: { authenticator: 'sigv4auth' }, namespace: 'Limits', max_requests_per_second: 0, ...raw });
  expect(cwMetricsExporterFactory.validate?.(config) ?? []).toEqual([]);
  const set = testSettings('exporter', 'awscloudwatchmetrics');
  const exp = new CwMetricsExporter(set, config, { env: {} });
  await exp.start(host);
  await exp.consume(batchOf(metrics), EMPTY_CONTEXT);
  await exp.shutdown();
  return set;
}

function checkEveryRequest(): Record<string, unknown>[] {
  const calls = cw.calls.filter((c) => c.operation === 'PutMetricData');
  expect(calls.length).toBeGreaterThan(0);
  const all: Record<string, unknown>[] = [];
  for (const c of calls) {
    const body = c.headers['content-encoding'] === 'gzip' ? gunzipSync(c.raw) : c.raw;
    expect(body.length).toBeLessThanOrEqual(LIMITS.maxBodyBytes);
    if (!c.validated?.ok) throw c.validated?.error;
    expect(c.validated.request.datumCount).toBeLessThanOrEqual(LIMITS.maxMetricData);
    all.push(...(c.input.MetricData as Record<string, unknown>[]));
  }
  return all;
}

describe('awscloudwatchmetrics within the PutMetricData limits', () => {
  it('sends 5,000 series of 40 attributes as valid requests with only the declared dimensions', async () => {
    cw.calls.length = 0;
    const gauge = numberMetric({ name: 'http.server.active', points: Array.from({ length: SERIES }, (_, i) => ({ value: i, timeMs: Date.now(), attrs: wideAttributes(i, 24) })) });
    await exportAll({ metric_declarations: [{ dimensions: [['service', 'route'], ['service']], metric_name_selectors: ['^http\\.'] }] }, gauge);
    const data = checkEveryRequest();
    expect(data).toHaveLength(2 * SERIES);
    const sets = new Set(data.map((d) => (d.Dimensions as { Name: string }[]).map((x) => x.Name).join(',')));
    expect([...sets].sort()).toEqual(['route,service', 'service']);
    expect(cw.calls.length).toBeGreaterThanOrEqual(10);
  });

  it('cuts requests by size when dimension values are long, and keeps every datum', async () => {
    cw.calls.length = 0;
    const dims = Array.from({ length: 30 }, (_, k) => `attr_${String(k).padStart(2, '0')}`).sort();
    const gauge = numberMetric({ name: 'wide', points: Array.from({ length: 300 }, (_, i) => ({ value: i, timeMs: Date.now(), attrs: wideAttributes(i, 1000) })) });
    await exportAll({ metric_declarations: [{ dimensions: [dims], metric_name_selectors: ['^wide$'] }] }, gauge);
    const data = checkEveryRequest();
    expect(data).toHaveLength(300);
    expect(cw.calls.length).toBeGreaterThanOrEqual(9); // about 31 KB per datum: at most ~32 per MB
    for (const d of data) expect((d.Dimensions as unknown[]).length).toBe(30);
  });

  it('sends nothing for series over 30 attributes without declarations, and counts them', async () => {
    cw.calls.length = 0;
    const gauge = numberMetric({ name: 'g', points: Array.from({ length: 100 }, (_, i) => ({ value: i, timeMs: Date.now(), attrs: wideAttributes(i, 8) })) });
    const set = await exportAll({}, gauge);
    expect(cw.calls).toHaveLength(0);
    expect(await selfMetricValue(set.metrics, 'tributary_dropped_metric_points_total', { reason: 'too_many_dimensions' })).toBe(100);
  });

  it('keeps exponential histograms within 150 values per datum', async () => {
    cw.calls.length = 0;
    const pos = Array.from({ length: 600 }, (_, i) => (i % 3) + 1);
    const e = expHistogramMetric('payload', 'By', 'delta', [{ timeMs: Date.now(), scale: 6, posOffset: 10, pos, sum: 12345, min: 1.1, max: 900 }]);
    await exportAll({}, e);
    const [d] = checkEveryRequest();
    expect((d.Values as number[]).length).toBeLessThanOrEqual(LIMITS.maxValues);
    expect((d.Counts as number[]).reduce((a, b) => a + b, 0)).toBe(pos.reduce((a, b) => a + b, 0));
  });
});
