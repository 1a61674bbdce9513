import { describe, expect, it } from 'vitest';
import { Attributes } from '../../model/attributes.js';
import { emfProblems } from '../../test-kit/emf-check.js';
import { CwSeries, type DimensionSet } from '../helper/cloudwatch/series.js';
import type { MetricInfo } from '../helper/cloudwatch/translate.js';
import { EmfSink, MAX_METRICS_PER_EVENT } from './emf.js';

const set = (...names: string[]): DimensionSet => ({ names, dimensions: names.map((n) => ({ Name: n, Value: 'v' })), key: names.length, bytes: 0 });
const series = (sets: DimensionSet[], labels: [string, string][] = [['a', 'v'], ['b', 'v']]): CwSeries =>
  new CwSeries(Attributes.EMPTY, 'NS', undefined, labels, labels.map((l) => l.join('=')).join(','), sets, undefined, 60);
const info = (name: string): MetricInfo => ({ name, unit: 'Count', scale: 1, nameBytes: name.length + 2 });

function sink(): EmfSink {
  const s = new EmfSink(() => ({ group: 'g', stream: 's' }));
  s.begin(0);
  return s;
}

describe('EMF events', () => {
  it('writes one directive per distinct list of dimension sets', () => {
    const s = sink();
    s.value(series([set('a')]), info('m1'), 1000, 1);
    s.value(series([set('a'), set('a', 'b')]), info('m2'), 1000, 2);
    s.value(series([set('a')]), info('m3'), 1000, 3);
    const [e] = s.finish();
    expect(emfProblems(e.message)).toEqual([]);
    expect(JSON.parse(e.message)._aws.CloudWatchMetrics).toEqual([
      { Namespace: 'NS', Dimensions: [['a']], Metrics: [{ Name: 'm1', Unit: 'Count' }, { Name: 'm3', Unit: 'Count' }] },
      { Namespace: 'NS', Dimensions: [['a'], ['a', 'b']], Metrics: [{ Name: 'm2', Unit: 'Count' }] },
    ]);
    expect(e.values).toBe(3);
  });

  it('opens a new event for a second value of a name, and past 100 metrics', () => {
    const s = sink();
    const sr = series([set('a')]);
    s.value(sr, info('m'), 1000, 1);
    s.value(sr, info('m'), 1000, 2);
    for (let i = 0; i < MAX_METRICS_PER_EVENT + 1; i++) s.value(sr, info(`x${i}`), 2000, i);
    const events = s.finish();
    expect(events.map((e) => e.values)).toEqual([1, MAX_METRICS_PER_EVENT, 1, 1]);
    for (const e of events) expect(emfProblems(e.message)).toEqual([]);
  });

  it('keeps events of other timestamps and label sets apart', () => {
    const s = sink();
    s.value(series([set('a')]), info('m'), 1000, 1);
    s.value(series([set('a')]), info('m'), 2000, 1);
    s.value(series([set('a')], [['a', 'w']]), info('m'), 1000, 1);
    expect(s.finish()).toHaveLength(3);
  });

  it('does not send a metric whose name is also a label', () => {
    const s = sink();
    s.value(series([set('a')]), info('a'), 1000, 1);
    expect(s.finish()).toEqual([]);
    expect(s.conflicts).toBe(1);
  });
});
