import { describe, expect, it } from 'vitest';
import type { Consumer, RequestContext } from '../../component/component.js';
import { Errors } from '../../errors/catalogue.js';
import { TributaryError } from '../../errors/tributary-error.js';
import { appendBatch } from '../../model/batch.js';
import type { MetricBatch } from '../../model/metric.js';
import { batchOf, numberMetric } from '../../test-kit/batches.js';
import { FailingConsumer, SinkConsumer, nopConsumer } from '../../test-kit/consumers.js';
import { lifecycleSuite } from '../../test-kit/lifecycle-suite.js';
import { testSettings } from '../../test-kit/settings.js';
import { routingSchema, validateRouting } from './config.js';
import { routingProcessorFactory } from './factory.js';

lifecycleSuite(routingProcessorFactory, { from_attribute: 'x-tenant', table: [{ value: 'a', exporters: ['debug'] }] });

/** Three resources: tenant a, tenant b, and one with no tenant. */
function input(): MetricBatch {
  const b = batchOf([numberMetric({ name: 'm', points: [{ value: 1 }] })], { 'service.name': 'sa', tenant: 'a' });
  appendBatch(b, batchOf([numberMetric({ name: 'm', points: [{ value: 2 }, { value: 3 }] })], { 'service.name': 'sb', tenant: 'b' }));
  appendBatch(b, batchOf([numberMetric({ name: 'm', points: [{ value: 4 }] })], { 'service.name': 'sx' }));
  return b;
}

function ctxWith(headers: Record<string, string>): RequestContext {
  return { transport: 'http', receiver: 'otlp', client: { metadata: new Map(Object.entries(headers).map(([k, v]) => [k, [v]])) } };
}

function make(raw: object, exporters: Record<string, Consumer>) {
  const config = routingSchema.parse(raw);
  expect(validateRouting(config)).toEqual([]);
  const set = { ...testSettings('processor', 'routing', 'metrics'), exporters: new Map(Object.entries(exporters)) };
  return { p: routingProcessorFactory.create(set, config, nopConsumer), set };
}

/** Which services each sink received. */
function services(s: SinkConsumer): string[] {
  return s.batches.flatMap((b) => b.resourceMetrics.map((rm) => String(rm.resource.attributes.get('service.name'))));
}

describe('routing processor', () => {
  it('routes a whole request by a header (attribute_source: context)', async () => {
    const [a, b, d] = [new SinkConsumer(), new SinkConsumer(), new SinkConsumer()];
    const { p } = make({ from_attribute: 'X-Tenant', table: [{ value: 'a', exporters: ['ea'] }, { value: 'b', exporters: ['eb'] }], default_exporters: ['ed'] }, { ea: a, eb: b, ed: d });
    await p.consume(input(), ctxWith({ 'x-tenant': 'b' }));
    await p.consume(input(), ctxWith({ 'x-tenant': 'nobody' }));
    await p.consume(input(), ctxWith({}));
    expect([services(a), services(b), services(d)]).toEqual([[], ['sa', 'sb', 'sx'], ['sa', 'sb', 'sx', 'sa', 'sb', 'sx']]);
  });

  it('routes by an auth attribute', async () => {
    const [a, d] = [new SinkConsumer(), new SinkConsumer()];
    const { p } = make({ from_attribute: 'auth.tenant', table: [{ value: 'a', exporters: ['ea'] }], default_exporters: ['ed'] }, { ea: a, ed: d });
    await p.consume(input(), { transport: 'http', receiver: 'otlp', client: { auth: { authenticator: 'x', subject: 's', attributes: { tenant: 'a' } } } });
    expect([a.batches.length, d.batches.length]).toEqual([1, 0]);
  });

  it('splits a batch by a resource attribute, unmatched to the default', async () => {
    const [a, b, d] = [new SinkConsumer(), new SinkConsumer(), new SinkConsumer()];
    const { p } = make(
      { from_attribute: 'tenant', attribute_source: 'resource', table: [{ value: 'a', exporters: ['ea'] }, { value: 'b', exporters: ['eb'] }], default_exporters: ['ed'] },
      { ea: a, eb: b, ed: d },
    );
    const batch = input();
    await p.consume(batch, ctxWith({}));
    expect([services(a), services(b), services(d)]).toEqual([['sa'], ['sb'], ['sx']]);
    expect([a.points(), b.points(), d.points()]).toEqual([1, 2, 1]);
    // The input is not changed.
    expect(batch.resourceMetrics).toHaveLength(3);
  });

  it('drops the routing attribute from routed resources when asked', async () => {
    const [a, d] = [new SinkConsumer(), new SinkConsumer()];
    const { p } = make(
      { from_attribute: 'tenant', attribute_source: 'resource', drop_resource_routing_attribute: true, table: [{ value: 'a', exporters: ['ea'] }], default_exporters: ['ed'] },
      { ea: a, ed: d },
    );
    const batch = input();
    await p.consume(batch, ctxWith({}));
    expect(a.batches[0].resourceMetrics[0].resource.attributes.toObject()).toEqual({ 'service.name': 'sa' });
    expect(d.batches[0].resourceMetrics.map((rm) => rm.resource.attributes.get('tenant'))).toEqual(['b', undefined]);
    expect(batch.resourceMetrics[0].resource.attributes.get('tenant')).toBe('a');
  });

  it('routes by condition and statement, first match wins, one route to several exporters', async () => {
    const [a1, a2, b, d] = [new SinkConsumer(), new SinkConsumer(), new SinkConsumer(), new SinkConsumer()];
    const { p } = make(
      {
        table: [
          { condition: 'resource.attributes["tenant"] == "a"', exporters: ['ea1', 'ea2'] },
          { statement: 'route() where IsMatch(resource.attributes["service.name"], "^s[ab]$")', exporters: ['eb'] },
          { condition: 'request["x-tenant"] == "h"', exporters: ['ed'] },
        ],
      },
      { ea1: a1, ea2: a2, eb: b, ed: d },
    );
    await p.consume(input(), ctxWith({ 'x-tenant': 'h' }));
    expect([services(a1), services(a2), services(b), services(d)]).toEqual([['sa'], ['sa'], ['sb'], ['sx']]);
  });

  it('drops and counts what matches no route when there is no default', async () => {
    const a = new SinkConsumer();
    const { p, set } = make({ from_attribute: 'tenant', attribute_source: 'resource', table: [{ value: 'a', exporters: ['ea'] }] }, { ea: a });
    await p.consume(input(), ctxWith({}));
    expect(services(a)).toEqual(['sa']);
    const dropped = await set.metrics.droppedPoints.get();
    expect(dropped.values.find((v) => v.labels.reason === 'no_route')?.value).toBe(3);
  });

  it('fails the request when a route fails, retryable if any failure is', async () => {
    const ok = new SinkConsumer();
    const busy = new FailingConsumer(new TributaryError(Errors.QUEUE_FULL, 'tenant b is slow'));
    const { p } = make(
      { from_attribute: 'tenant', attribute_source: 'resource', table: [{ value: 'a', exporters: ['ea'] }, { value: 'b', exporters: ['eb'] }], default_exporters: ['ea'] },
      { ea: ok, eb: busy },
    );
    await expect(p.consume(input(), ctxWith({}))).rejects.toMatchObject({ code: 'TRIB_ERR_QUEUE_FULL', retryable: true });
    expect(services(ok).sort()).toEqual(['sa', 'sx']);
  });

  it.each<[string, object, string]>([
    ['no table', { from_attribute: 'x' }, 'table: at least one route is required'],
    ['value without from_attribute', { table: [{ value: 'a', exporters: ['e'] }] }, 'table::0::value: routing by value needs from_attribute'],
    ['value and condition', { from_attribute: 'x', table: [{ value: 'a', condition: 'attributes["x"] == "a"', exporters: ['e'] }] }, 'table::0: give exactly one of value, condition or statement'],
    ['a route with no exporters', { from_attribute: 'x', table: [{ value: 'a' }] }, 'table::0::exporters: at least one exporter is required'],
    ['pipelines (the connector form)', { from_attribute: 'x', table: [{ value: 'a', pipelines: ['metrics/a'] }] }, 'table::0::pipelines: routing to pipelines needs the routing connector'],
    ['a bad statement', { table: [{ statement: 'drop() where x', exporters: ['e'] }] }, 'table::0::statement: must read "route() where <condition>"'],
    ['an unsupported condition', { table: [{ condition: 'name == "m"', exporters: ['e'] }] }, 'table::0::condition: path "name" (column 1) is not supported in the resource context'],
    ['drop attribute with context source', { from_attribute: 'x', drop_resource_routing_attribute: true, table: [{ value: 'a', exporters: ['e'] }] }, 'drop_resource_routing_attribute: only applies with attribute_source: resource'],
  ])('rejects %s', (_name, raw, message) => {
    expect(validateRouting(routingSchema.parse(raw)).join('\n')).toContain(message);
  });
});
