import { describe, expect, it } from 'vitest';
import { EMPTY_CONTEXT, type RequestContext } from '../../component/component.js';
import type { MetricBatch } from '../../model/metric.js';
import { createLogger } from '../../telemetry/logger.js';
import { batchOf, numberMetric } from '../../test-kit/batches.js';
import { lifecycleSuite } from '../../test-kit/lifecycle-suite.js';
import { testSettings } from '../../test-kit/settings.js';
import { droppedByReason, readPoints } from '../../test-kit/temporality.js';
import { cardinalityGuardSchema, validateCardinalityGuard } from './config.js';
import { cardinalityGuardFactory } from './factory.js';
import { CardinalityGuard } from './guard.js';
import { SinkConsumer } from '../../test-kit/consumers.js';

lifecycleSuite(cardinalityGuardFactory, { tenant_key: 'tenant' });

function make(raw: object) {
  const lines: Record<string, unknown>[] = [];
  const set = { ...testSettings('processor', 'cardinality_guard', 'metrics'), logger: createLogger({ level: 'info', destination: { write: (s: string) => lines.push(JSON.parse(s)) } }) };
  const next = new SinkConsumer();
  const g = new CardinalityGuard(set, cardinalityGuardSchema.parse(raw), next);
  return { g, set, lines, next };
}

/** A batch from one tenant (resource attribute `tenant`) with one point per series name given. */
function from(tenant: string | undefined, series: string[], metric = 'requests', pointAttrs: Record<string, string> = {}): MetricBatch {
  return batchOf(
    [numberMetric({ name: metric, points: series.map((s) => ({ value: 1, attrs: { series: s, ...pointAttrs } })) })],
    tenant === undefined ? { 'service.name': 'x' } : { 'service.name': 'x', tenant },
  );
}

const seriesOut = (b: MetricBatch): string[] => readPoints(b).map((p) => String(p.attrs.series));
const authCtx = (tenant: string): RequestContext => ({ ...EMPTY_CONTEXT, client: { auth: { authenticator: 'bearertokenauth', subject: tenant, attributes: { tenant } } } });

async function droppedByTenant(g: ReturnType<typeof make>['set']): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const v of (await g.metrics.cardinalityDropped.get()).values) out[String(v.labels.tenant)] = v.value;
  return out;
}

describe('cardinality_guard', () => {
  it('tenant A over its limit loses only its new series; its known series and tenant B are untouched', async () => {
    const { g, set } = make({ tenant_key: 'tenant', max_series: 3 });
    const a1 = from('A', ['1', '2', '3']);
    g.process(a1, 0);
    expect(seriesOut(a1)).toEqual(['1', '2', '3']);
    const a2 = from('A', ['1', '4', '2', '5', '3']);
    g.process(a2, 1000);
    expect(seriesOut(a2)).toEqual(['1', '2', '3']);
    const b = from('B', ['1', '2', '3']);
    g.process(b, 1000);
    expect(seriesOut(b)).toEqual(['1', '2', '3']);
    expect(g.seriesOf('A')).toBe(3);
    expect(g.seriesOf('B')).toBe(3);
    expect(await droppedByTenant(set)).toEqual({ A: 2 });
    expect(await droppedByReason(set.metrics)).toEqual({ series_limit: 2 });
  });

  it.each([
    ['auth.<name> from the authenticated caller', { tenant_key: 'auth.tenant', max_series: 1 }, (s: string[]) => from(undefined, s), authCtx('A'), authCtx('B')],
    ['a point attribute when the resource has none', { tenant_key: 'tenant', max_series: 1 }, (s: string[]) => from(undefined, s, 'requests', { tenant: 'A' }), EMPTY_CONTEXT, EMPTY_CONTEXT],
  ] as const)('tenant by %s', (_n, cfg, batch, ctxA, ctxB) => {
    const { g } = make(cfg);
    const a = batch(['1', '2']);
    g.process(a, 0, ctxA);
    expect(seriesOut(a)).toEqual(['1']);
    if (ctxB !== ctxA) {
      const b = batch(['1', '2']);
      g.process(b, 0, ctxB);
      expect(seriesOut(b)).toEqual(['1']);
    }
  });

  it('per_tenant overrides max_series; data without a tenant goes to default_tenant', () => {
    const { g } = make({ tenant_key: 'tenant', max_series: 1, per_tenant: { big: 3 }, default_tenant: 'nobody' });
    const big = from('big', ['1', '2', '3', '4']);
    g.process(big, 0);
    expect(seriesOut(big)).toEqual(['1', '2', '3']);
    const none = from(undefined, ['1', '2']);
    g.process(none, 0);
    expect(seriesOut(none)).toEqual(['1']);
    expect(g.seriesOf('nobody')).toBe(1);
  });

  it('a series not seen for the window stops counting, which makes room for a new one', () => {
    const { g } = make({ tenant_key: 'tenant', max_series: 2, window: '10s' });
    g.process(from('A', ['1', '2']), 0);
    const keepTwo = from('A', ['2']);
    g.process(keepTwo, 8_000);
    const early = from('A', ['3']);
    g.process(early, 9_000);
    expect(seriesOut(early)).toEqual([]);
    const later = from('A', ['3']);
    g.process(later, 15_000);
    expect(seriesOut(later)).toEqual(['3']);
    expect(g.seriesOf('A')).toBe(2);
    // Series 1 went stale and was forgotten: coming back it is new, and A is full again.
    const back = from('A', ['1']);
    g.process(back, 15_500);
    expect(seriesOut(back)).toEqual([]);
  });

  it('max_tenants: further tenants share one limit as _overflow; max_tenant_labels: further labels are "other"', async () => {
    const { g, set } = make({ tenant_key: 'tenant', max_series: 1, max_tenants: 2, max_tenant_labels: 1 });
    for (const t of ['A', 'B', 'C', 'D']) g.process(from(t, ['1', '2']), 0);
    expect(g.seriesOf('A')).toBe(1);
    expect(g.seriesOf('B')).toBe(1);
    expect(g.seriesOf('C')).toBe(0);
    expect(g.seriesOf('_overflow')).toBe(1);
    expect(await droppedByTenant(set)).toEqual({ A: 1, other: 4 });
  });

  it('logs a tenant at most once per log_interval, naming its top metric names among the dropped', () => {
    const { g, lines } = make({ tenant_key: 'tenant', max_series: 1, log_interval: '1m' });
    g.process(from('A', ['0']), 0);
    g.process(from('A', ['1', '2', '3'], 'http_requests'), 1000);
    g.process(from('A', ['4'], 'db_calls'), 2000);
    g.process(from('A', ['5', '6'], 'db_calls'), 61_000);
    const warn = lines.filter((l) => l.level === 'warn');
    expect(warn).toHaveLength(2);
    expect(warn[0]).toMatchObject({ tenant: 'A', max_series: 1, dropped_points: 3, top_metrics: { http_requests: 3 } });
    expect(warn[0].msg).toBe('tenant "A" is at its limit of 1 series: dropped 3 points of new series; top metrics: http_requests (3)');
    expect(warn[1]).toMatchObject({ tenant: 'A', dropped_points: 3, top_metrics: { db_calls: 3 } });
  });

  it('passes on only what is left, and nothing when everything was dropped', async () => {
    const { g, next } = make({ tenant_key: 'tenant', max_series: 1 });
    await g.consume(from('A', ['1']), EMPTY_CONTEXT);
    await g.consume(from('A', ['2']), EMPTY_CONTEXT);
    expect(next.batches.map(seriesOut)).toEqual([['1']]);
  });

  it('validates its config', () => {
    expect(validateCardinalityGuard(cardinalityGuardSchema.parse({ tenant_key: 'auth.' }))).toEqual(['tenant_key: name the authenticated attribute after "auth." (for example auth.tenant)']);
    expect(validateCardinalityGuard(cardinalityGuardSchema.parse({ tenant_key: 't', window: '0s' }))).toEqual(['window: must be a duration greater than 0 (got 0)']);
    expect(() => cardinalityGuardSchema.parse({})).toThrow();
    expect(() => cardinalityGuardSchema.parse({ tenant_key: 't', per_tenant: { A: 0 } })).toThrow();
  });
});
