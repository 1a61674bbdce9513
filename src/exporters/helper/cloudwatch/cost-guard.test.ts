import { describe, expect, it } from 'vitest';
import { SelfMetrics } from '../../../telemetry/self-metrics.js';
import { CostGuard, WINDOW_MS, combinationKey } from './cost-guard.js';

async function value(m: SelfMetrics, name: string, namespace: string): Promise<number> {
  const j = (await m.registry.getMetricsAsJSON()).find((x) => x.name === name);
  return Number(j?.values.find((v) => v.labels.namespace === namespace)?.value ?? 0);
}

describe('cost guard', () => {
  it('keys combinations by namespace, metric and dimensions, order of dimensions included', () => {
    const k = combinationKey('ns', 'm', [{ Name: 'a', Value: '1' }]);
    expect(combinationKey('ns', 'm', [{ Name: 'a', Value: '1' }])).toBe(k);
    expect(combinationKey('ns', 'm', [{ Name: 'a', Value: '2' }])).not.toBe(k);
    expect(combinationKey('ns2', 'm', [{ Name: 'a', Value: '1' }])).not.toBe(k);
    expect(combinationKey('ns', 'm2', [{ Name: 'a', Value: '1' }])).not.toBe(k);
    expect(combinationKey('ns', 'm', [])).not.toBe(k);
    expect(Number.isSafeInteger(k)).toBe(true);
  });

  it('counts combinations seen within the hour, caps new ones, and frees those unused for an hour', async () => {
    const metrics = new SelfMetrics({ processMetrics: false });
    const guard = new CostGuard({ exporter: 'x', maxPerNamespace: 2, metrics });
    const g = guard.namespace('App');
    const t = 1_000_000;
    expect(g.admit(1, t)).toBe(true);
    expect(g.admit(2, t)).toBe(true);
    expect(g.admit(3, t)).toBe(false);
    expect(g.admit(1, t + 10)).toBe(true); // admitted ones keep flowing
    guard.flush();
    expect(await value(metrics, 'tributary_cloudwatch_metric_combinations', 'App')).toBe(2);
    expect(await value(metrics, 'tributary_cloudwatch_combinations_refused_total', 'App')).toBe(1);
    // An hour later, 2 has not been seen: its place goes to 3; 1 was seen at t+10.
    expect(g.admit(3, t + WINDOW_MS + 5)).toBe(true);
    expect(g.size).toBe(2);
    guard.sweep(t + 2 * WINDOW_MS + 20);
    expect(await value(metrics, 'tributary_cloudwatch_metric_combinations', 'App')).toBe(0);
  });

  it('folds namespaces beyond the bound into one label', () => {
    const guard = new CostGuard({ exporter: 'x', maxPerNamespace: 0, metrics: new SelfMetrics({ processMetrics: false }), maxNamespaces: 2 });
    expect(guard.labelOf('a')).toBe('a');
    expect(guard.labelOf('b')).toBe('b');
    expect(guard.labelOf('c')).toBe('_other');
    expect(guard.labelOf('d')).toBe('_other');
    expect(guard.labelOf('a')).toBe('a');
  });
});
