import { describe, expect, it } from 'vitest';
import type { RequestContext } from '../../component/component.js';
import { appendBatch } from '../../model/batch.js';
import { batchOf, numberMetric } from '../../test-kit/batches.js';
import { SinkConsumer } from '../../test-kit/consumers.js';
import { lifecycleSuite } from '../../test-kit/lifecycle-suite.js';
import { testSettings } from '../../test-kit/settings.js';
import { resourceSchema, validateResource } from './config.js';
import { resourceProcessorFactory } from './factory.js';

lifecycleSuite(resourceProcessorFactory, { attributes: [{ key: 'cloud.zone', value: 'zone-1', action: 'upsert' }] });

const ctx: RequestContext = { transport: 'http', receiver: 'otlp', client: { metadata: new Map([['x-site', ['paris']]]) } };

describe('resource processor', () => {
  it('runs the actions on each resource and leaves point attributes alone', async () => {
    const config = resourceSchema.parse({
      attributes: [
        { key: 'cloud.zone', value: 'zone-1', action: 'upsert' },
        { key: 'site', from_context: 'metadata.x-site', action: 'insert' },
        { key: 'host.name', action: 'delete' },
        { key: 'service.instance.id', action: 'hash' },
      ],
    });
    expect(validateResource(config)).toEqual([]);
    const sink = new SinkConsumer();
    const p = resourceProcessorFactory.create(testSettings('processor', 'resource'), config, sink);
    const b = batchOf([numberMetric({ name: 'm', points: [{ value: 1, attrs: { host: 'x' } }] })], { 'service.name': 'a', 'host.name': 'h', 'service.instance.id': 'abc' });
    appendBatch(b, batchOf([numberMetric({ name: 'm', points: [{ value: 1 }] })], { 'service.name': 'b', 'cloud.zone': 'old' }));
    await p.consume(b, ctx);
    const out = sink.batches[0].resourceMetrics;
    expect(out.map((rm) => rm.resource.attributes.toObject())).toEqual([
      { 'service.name': 'a', 'cloud.zone': 'zone-1', site: 'paris', 'service.instance.id': 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad' },
      { 'service.name': 'b', 'cloud.zone': 'zone-1', site: 'paris' },
    ]);
    expect(out[0].scopeMetrics[0].metrics[0].points.attributes[0].toObject()).toEqual({ host: 'x' });
  });

  it('names problems under attributes::, as the Collector config writes them', () => {
    expect(validateResource(resourceSchema.parse({ attributes: [{ key: 'a', action: 'insert' }] }))).toEqual([
      'attributes::0: action insert needs one of value, from_attribute or from_context',
    ]);
    expect(validateResource(resourceSchema.parse({}))).toEqual(['attributes: at least one action is required, e.g. [{key: env, value: prod, action: insert}]']);
  });
});
