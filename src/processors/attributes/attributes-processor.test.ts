import { describe, expect, it } from 'vitest';
import type { RequestContext } from '../../component/component.js';
import { appendBatch } from '../../model/batch.js';
import type { MetricBatch } from '../../model/metric.js';
import { batchOf, numberMetric } from '../../test-kit/batches.js';
import { SinkConsumer } from '../../test-kit/consumers.js';
import { lifecycleSuite } from '../../test-kit/lifecycle-suite.js';
import { testSettings } from '../../test-kit/settings.js';
import { attributesSchema, validateAttributes } from './config.js';
import { attributesProcessorFactory } from './factory.js';

lifecycleSuite(attributesProcessorFactory, { actions: [{ key: 'env', value: 'prod', action: 'insert' }] });

/** Two resources (service a and b), each with metrics cpu and mem of two points. */
function batch(): MetricBatch {
  const metrics = () => [
    numberMetric({ name: 'cpu', points: [{ value: 1, attrs: { core: '0' } }, { value: 2, attrs: { core: '1' } }] }),
    numberMetric({ name: 'mem', points: [{ value: 3 }, { value: 4, attrs: { kind: 'rss' } }] }),
  ];
  const b = batchOf(metrics(), { 'service.name': 'a' });
  appendBatch(b, batchOf(metrics(), { 'service.name': 'b' }));
  return b;
}

/** "service/metric": [point attributes] */
function view(b: MetricBatch): Record<string, Record<string, unknown>[]> {
  const out: Record<string, Record<string, unknown>[]> = {};
  for (const rm of b.resourceMetrics) {
    for (const sm of rm.scopeMetrics) {
      for (const m of sm.metrics) out[`${String(rm.resource.attributes.get('service.name'))}/${m.name}`] = m.points.attributes.map((a) => a.toObject());
    }
  }
  return out;
}

async function run(raw: object, ctx: RequestContext = { client: {}, transport: 'http', receiver: 'otlp' }): Promise<Record<string, Record<string, unknown>[]>> {
  const config = attributesSchema.parse(raw);
  expect(validateAttributes(config)).toEqual([]);
  const sink = new SinkConsumer();
  const p = attributesProcessorFactory.create(testSettings('processor', 'attributes'), config, sink);
  await p.consume(batch(), ctx);
  return view(sink.batches[0]);
}

const ENV = { key: 'env', value: 'prod', action: 'insert' };
const env = (o: Record<string, unknown>) => ({ ...o, env: 'prod' });

describe('attributes processor', () => {
  it('applies actions to every data point when there is no include or exclude', async () => {
    expect(await run({ actions: [ENV] })).toEqual({
      'a/cpu': [env({ core: '0' }), env({ core: '1' })],
      'a/mem': [env({}), env({ kind: 'rss' })],
      'b/cpu': [env({ core: '0' }), env({ core: '1' })],
      'b/mem': [env({}), env({ kind: 'rss' })],
    });
  });

  it.each<[string, object, string[]]>([
    ['include strict metric_names', { include: { match_type: 'strict', metric_names: ['cpu'] } }, ['a/cpu', 'b/cpu']],
    ['include regexp metric_names (unanchored)', { include: { match_type: 'regexp', metric_names: ['e'] } }, ['a/mem', 'b/mem']],
    ['include resources strict', { include: { match_type: 'strict', resources: [{ key: 'service.name', value: 'b' }] } }, ['b/cpu', 'b/mem']],
    ['include resources by key only', { include: { match_type: 'strict', resources: [{ key: 'service.name' }] } }, ['a/cpu', 'a/mem', 'b/cpu', 'b/mem']],
    ['include resources regexp', { include: { match_type: 'regexp', resources: [{ key: 'service.name', value: '^[a]$' }] } }, ['a/cpu', 'a/mem']],
    [
      'include needs both names and resources to match',
      { include: { match_type: 'strict', metric_names: ['mem'], resources: [{ key: 'service.name', value: 'a' }] } },
      ['a/mem'],
    ],
    ['exclude strict metric_names', { exclude: { match_type: 'strict', metric_names: ['cpu'] } }, ['a/mem', 'b/mem']],
    ['exclude resources', { exclude: { match_type: 'strict', resources: [{ key: 'service.name', value: 'a' }] } }, ['b/cpu', 'b/mem']],
    [
      'include then exclude',
      { include: { match_type: 'regexp', metric_names: ['.*'] }, exclude: { match_type: 'strict', metric_names: ['mem'], resources: [{ key: 'service.name', value: 'b' }] } },
      ['a/cpu', 'a/mem', 'b/cpu'],
    ],
  ])('%s', async (_name, match, changed) => {
    const got = await run({ actions: [ENV], ...match });
    const withEnv = Object.entries(got)
      .filter(([, pts]) => pts.every((a) => a.env === 'prod'))
      .map(([k]) => k);
    expect(withEnv).toEqual(changed);
    // The others are untouched.
    for (const [k, pts] of Object.entries(got)) if (!changed.includes(k)) expect(pts.some((a) => 'env' in a)).toBe(false);
  });

  it('adds dimensions from the request context and a static one (the gateway use)', async () => {
    const ctx: RequestContext = {
      transport: 'grpc',
      receiver: 'otlp',
      client: { address: '192.0.2.7', metadata: new Map([['x-tenant', ['acme']]]), auth: { authenticator: 'bearertokenauth', subject: 't', attributes: { account: '42' } } },
    };
    const got = await run(
      {
        actions: [
          { key: 'tenant', from_context: 'metadata.x-tenant', action: 'upsert' },
          { key: 'account', from_context: 'auth.account', action: 'upsert' },
          { key: 'source_ip', from_context: 'client.address', action: 'insert' },
          { key: 'gateway', value: 'gw-1', action: 'insert' },
        ],
        include: { match_type: 'strict', metric_names: ['cpu'] },
      },
      ctx,
    );
    expect(got['a/cpu'][0]).toEqual({ core: '0', tenant: 'acme', account: '42', source_ip: '192.0.2.7', gateway: 'gw-1' });
    expect(got['a/mem'][0]).toEqual({});
  });

  it('keeps point values and metric identity; only attribute sets are replaced', async () => {
    const config = attributesSchema.parse({ actions: [ENV] });
    const sink = new SinkConsumer();
    const p = attributesProcessorFactory.create(testSettings('processor', 'attributes'), config, sink);
    const b = batch();
    const cpu = b.resourceMetrics[0].scopeMetrics[0].metrics[0];
    await p.consume(b, { client: {}, transport: '', receiver: '' });
    expect(sink.batches[0].resourceMetrics[0].scopeMetrics[0].metrics[0]).toBe(cpu);
    expect(Array.from((cpu.points as { values: Float64Array }).values)).toEqual([1, 2]);
    expect(p.mutates).toBe(true);
  });

  it.each<[string, object, string]>([
    ['no actions', {}, 'actions: at least one action is required'],
    ['include with nothing to match', { actions: [ENV], include: { match_type: 'strict' } }, 'include: needs metric_names or resources'],
    ['a bad regexp in metric_names', { actions: [ENV], exclude: { match_type: 'regexp', metric_names: ['('] } }, 'exclude::metric_names::0: invalid regular expression "("'],
    ['a non-string regexp resource value', { actions: [ENV], include: { match_type: 'regexp', resources: [{ key: 'k', value: 3 }] } }, 'include::resources::0::value: with match_type regexp the value must be a string pattern'],
  ])('rejects %s', (_name, raw, message) => {
    expect(validateAttributes(attributesSchema.parse(raw)).join('\n')).toContain(message);
  });

  it.each<[string, object, string]>([
    ['a missing match_type', { actions: [ENV], include: { metric_names: ['x'] } }, 'must be one of: strict, regexp'],
    ['match_type expr', { actions: [ENV], include: { match_type: 'expr', metric_names: ['x'] } }, 'must be one of: strict, regexp'],
    ['span-only keys', { actions: [ENV], include: { match_type: 'strict', span_names: ['x'] } }, 'unknown key "span_names"'],
  ])('rejects %s at schema time', (_name, raw, message) => {
    const r = attributesSchema.safeParse(raw);
    expect(r.success).toBe(false);
    expect(r.error?.issues.map((i) => i.message).join('\n')).toContain(message);
  });
});
