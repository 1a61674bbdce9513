import { describe, expect, it } from 'vitest';
import { Attributes } from '../../model/attributes.js';
import type { Metric, Resource } from '../../model/metric.js';
import { numberMetric } from '../../test-kit/batches.js';
import { type OttlContext, checkCondition, parseCondition, routeStatementCondition } from './ottl.js';

const resource: Resource = { attributes: Attributes.fromObject({ 'service.name': 'checkout', tenant: 'acme' }), droppedAttributesCount: 0 };
const scope = { name: 'lib', version: '1.0', attributes: Attributes.fromObject({ team: 'core' }), droppedAttributesCount: 0 };
const sum: Metric = numberMetric({
  name: 'http.requests',
  type: 'sum',
  temporality: 'delta',
  unit: '{request}',
  points: [
    { value: 3, attrs: { route: '/cart', code: '200' } },
    { value: 7.5, attrs: { route: '/pay' } },
  ],
});
const gauge: Metric = numberMetric({ name: 'temp', points: [{ value: 1 }] });

function evalOn(src: string, ctx: OttlContext, metric: Metric = sum, index = 0): boolean {
  return parseCondition(src, ctx).eval({ resource, scope, metric, index });
}

describe('OTTL condition subset', () => {
  it.each<[string, OttlContext, boolean]>([
    ['name == "http.requests"', 'metric', true],
    ['metric.name == "http.requests"', 'metric', true],
    ['name != "http.requests"', 'metric', false],
    ['IsMatch(name, "^http\\\\.")', 'metric', true],
    ['IsMatch(name, "^temp")', 'metric', false],
    ['type == METRIC_DATA_TYPE_SUM', 'metric', true],
    ['type == METRIC_DATA_TYPE_GAUGE', 'metric', false],
    ['aggregation_temporality == AGGREGATION_TEMPORALITY_DELTA', 'metric', true],
    ['is_monotonic', 'metric', true],
    ['is_monotonic == false', 'metric', false],
    ['unit == "{request}"', 'metric', true],
    ['resource.attributes["tenant"] == "acme"', 'metric', true],
    ['resource.attributes["missing"] == nil', 'metric', true],
    ['instrumentation_scope.name == "lib" and instrumentation_scope.attributes["team"] == "core"', 'metric', true],
    ['HasAttrKeyOnDatapoint("code")', 'metric', true],
    ['HasAttrOnDatapoint("route", "/pay")', 'metric', true],
    ['HasAttrOnDatapoint("route", "/nope")', 'metric', false],
    ['name == "x" or (type == METRIC_DATA_TYPE_SUM and not unit == "By")', 'metric', true],
    ['not (name == "http.requests")', 'metric', false],
    ['attributes["route"] == "/cart"', 'datapoint', true],
    ['datapoint.attributes["route"] == "/cart"', 'datapoint', true],
    ['attributes["code"] != nil', 'datapoint', true],
    ['metric.name == "http.requests" and attributes["route"] == "/cart"', 'datapoint', true],
    ['metric.type == METRIC_DATA_TYPE_SUM', 'datapoint', true],
    ['value_double > 2.5', 'datapoint', true],
    ['value_double < 2', 'datapoint', false],
    ['attributes["code"] == 200', 'datapoint', false],
    ['IsMatch(attributes["code"], "^2")', 'datapoint', true],
    ['attributes["tenant"] == "acme"', 'resource', true],
    ['resource.attributes["tenant"] == "acme"', 'resource', true],
    ['attributes["tenant"] == "other"', 'resource', false],
    ['attributes["service.name"] >= "c"', 'resource', true],
  ])('%s (%s) -> %s', (src, ctx, want) => {
    expect(evalOn(src, ctx)).toBe(want);
  });

  it('evaluates each point by index', () => {
    const c = parseCondition('attributes["route"] == "/pay"', 'datapoint');
    expect([0, 1].map((index) => c.eval({ resource, scope, metric: sum, index }))).toEqual([false, true]);
    expect(c.readsPointValues).toBe(false);
    expect(parseCondition('value_double > 1', 'datapoint').readsPointValues).toBe(true);
  });

  it('tells an int point from a double point', () => {
    const m = numberMetric({ name: 'g', points: [{ value: 5 }] });
    (m.points as { isInt: Uint8Array }).isInt[0] = 1;
    expect(evalOn('value_int == 5', 'datapoint', m)).toBe(true);
    expect(evalOn('value_double == 0', 'datapoint', m)).toBe(true);
    expect(evalOn('type == METRIC_DATA_TYPE_GAUGE', 'metric', gauge)).toBe(true);
  });

  it.each<[string, OttlContext, string]>([
    ['span.name == "x"', 'metric', 'path "span.name" (column 1) is not supported in the metric context; supported: name, description'],
    ['attributes["k"] == "v"', 'metric', 'path "attributes["k"]" (column 1) is not supported in the metric context'],
    ['name == "x"', 'resource', 'path "name" (column 1) is not supported in the resource context'],
    ['Len(name) > 3', 'metric', 'function Len (column 1) is not supported in the metric context; supported: IsMatch, HasAttrKeyOnDatapoint, HasAttrOnDatapoint'],
    ['HasAttrKeyOnDatapoint("k")', 'datapoint', 'function HasAttrKeyOnDatapoint (column 1) is not supported in the datapoint context'],
    ['IsMatch(name, "(")', 'metric', 'IsMatch: invalid regular expression "("'],
    ['IsMatch(name, unit)', 'metric', 'IsMatch: the pattern must be a string literal'],
    ['type == METRIC_DATA_TYPE_NOPE', 'metric', 'unknown enum METRIC_DATA_TYPE_NOPE'],
    ['name == "x', 'metric', 'unterminated string'],
    ['name == "x" and', 'metric', 'expected a value at column 16 (found the end)'],
    ['name = "x"', 'metric', 'unexpected character "=" at column 6'],
    ['(name == "x"', 'metric', 'expected ")"'],
    ['name == "x" name', 'metric', 'unexpected "name" at column 13'],
  ])('rejects %s (%s)', (src, ctx, message) => {
    expect(checkCondition(src, ctx)).toContain(message);
  });

  it('reads the request context with request["k"]', () => {
    const c = parseCondition('request["x-tenant"] == "acme" and request["auth.site"] == "paris" and request["absent"] == nil', 'resource');
    const client = { metadata: new Map([['x-tenant', ['acme', 'other']]]), auth: { authenticator: 'a', subject: 's', attributes: { site: 'paris' } } };
    expect(c.eval({ resource, client })).toBe(true);
    expect(c.eval({ resource, client: {} })).toBe(false);
  });

  it('reads the routing statement form', () => {
    expect(routeStatementCondition('route() where resource.attributes["tenant"] == "a"')).toBe('resource.attributes["tenant"] == "a"');
    expect(routeStatementCondition('set(x, 1)')).toBeUndefined();
  });
});
