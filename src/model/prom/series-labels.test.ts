import { describe, expect, it } from 'vitest';
import { Attributes } from '../attributes.js';
import { buildLabels, jobInstance, targetInfoLabels } from './series-labels.js';

describe('series labels', () => {
  const resource = Attributes.fromObject({ 'service.name': 'checkout', 'service.namespace': 'shop', 'service.instance.id': 'i-1', 'cloud.region': 'eu-west-1' });

  it('derives job and instance', () => {
    expect(jobInstance(resource)).toEqual({ job: 'shop/checkout', instance: 'i-1' });
    expect(jobInstance(Attributes.fromObject({ 'service.name': 'a' }))).toEqual({ job: 'a', instance: undefined });
  });

  it('sanitizes, joins collisions in key order, lets job win and external labels fill gaps', () => {
    const labels = buildLabels({
      attributes: Attributes.fromObject({ 'a.b': '1', a_b: '2', job: 'spoof', 'http.route': '/x' }),
      scope: { name: 'lib', version: '1.0', attributes: Attributes.EMPTY, droppedAttributesCount: 0 },
      jobInstance: jobInstance(resource),
      external: [['cluster', 'c1'], ['http_route', 'ignored']],
      reserved: [['__name__', 'm_total']],
    });
    expect(labels).toEqual([
      ['__name__', 'm_total'],
      ['a_b', '1;2'],
      ['cluster', 'c1'],
      ['http_route', '/x'],
      ['instance', 'i-1'],
      ['job', 'shop/checkout'],
      ['otel_scope_name', 'lib'],
      ['otel_scope_version', '1.0'],
    ]);
  });

  it('builds target_info from the non-service resource attributes', () => {
    expect(targetInfoLabels(resource)).toEqual([
      ['cloud_region', 'eu-west-1'],
      ['instance', 'i-1'],
      ['job', 'shop/checkout'],
    ]);
    expect(targetInfoLabels(Attributes.fromObject({ 'service.name': 'x' }))).toBeUndefined();
    expect(targetInfoLabels(Attributes.fromObject({ 'host.name': 'h' }))).toBeUndefined();
  });
});
