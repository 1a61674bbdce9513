import { describe, expect, it } from 'vitest';
import { toAwsError } from '../../errors/transport.js';
import { STANDARD_UNITS } from './limits.js';
import { readPutMetricData } from './request.js';

/**
 * PutMetricData's limits and rules, each with the code and message the
 * request is refused with. Where CloudWatch's wording is known (from its
 * answers quoted in public issue reports) it is used verbatim: the Unit set,
 * the two-weeks window, "mutually exclusive and you have specified both",
 * "The value NaN for parameter ... is invalid.", "The collection ... must not
 * have a size greater than ...", "The parameter ... is required.".
 */

const NOW = Date.parse('2026-03-01T12:00:00Z');
const ok = (d: Record<string, unknown> = {}) => ({ MetricName: 'm', Value: 1, ...d });
const req = (data: unknown[], extra: Record<string, unknown> = {}) => ({ Namespace: 'App', MetricData: data, ...extra });

function refusal(input: Record<string, unknown>): [string, number, string] {
  const r = readPutMetricData(input, NOW);
  if (r.ok) throw new Error('accepted');
  const e = toAwsError(r.error);
  return [e.code, e.http, e.message];
}

const dims = (n: number) => Array.from({ length: n }, (_, i) => ({ Name: `d${i}`, Value: 'v' }));
const list = (n: number, v = 1) => Array.from({ length: n }, () => v);

const cases: [string, Record<string, unknown>, string, string][] = [
  ['no Namespace', { MetricData: [ok()] }, 'MissingParameter', 'The parameter Namespace is required.'],
  ['no MetricData', { Namespace: 'App' }, 'MissingParameter', 'The parameter MetricData is required.'],
  ['empty MetricData', req([]), 'MissingParameter', 'The parameter MetricData is required.'],
  ['a reserved AWS/ namespace', { ...req([ok()]), Namespace: 'AWS/EC2' }, 'InvalidParameterValue', 'The value AWS/EC2 for parameter Namespace is invalid. Namespaces starting with "AWS/" are reserved for AWS services.'],
  ['a namespace starting with ":"', { ...req([ok()]), Namespace: ':x' }, 'InvalidParameterValue', 'The value :x for parameter Namespace is invalid. Namespaces must be printable ASCII and must not start with ":".'],
  ['a namespace with a control character', { ...req([ok()]), Namespace: 'a\tb' }, 'InvalidParameterValue', 'The value a\tb for parameter Namespace is invalid. Namespaces must be printable ASCII and must not start with ":".'],
  ['a namespace of 256 characters', { ...req([ok()]), Namespace: 'n'.repeat(256) }, 'InvalidParameterValue', 'The parameter Namespace must be shorter than 256 characters.'],
  ['1001 data', req(list(1001, 0).map(() => ok())), 'InvalidParameterValue', 'The collection MetricData must not have a size greater than 1000.'],
  ['1001 data across MetricData and EntityMetricData', { ...req(list(900, 0).map(() => ok())), EntityMetricData: [{ Entity: { KeyAttributes: { Type: 'Service', Name: 'a' } }, MetricData: list(101, 0).map(() => ok()) }] }, 'InvalidParameterValue', 'The collection MetricData must not have a size greater than 1000.'],
  ['a datum without MetricName', req([ok(), { Value: 1 }]), 'MissingParameter', 'The parameter MetricData.member.2.MetricName is required.'],
  ['a MetricName of 256 characters', req([ok({ MetricName: 'x'.repeat(256) })]), 'InvalidParameterValue', 'The parameter MetricData.member.1.MetricName must be shorter than 256 characters.'],
  ['an empty MetricName', req([ok({ MetricName: '' })]), 'InvalidParameterValue', 'The parameter MetricData.member.1.MetricName must not be empty.'],
  ['31 dimensions', req([ok({ Dimensions: dims(31) })]), 'InvalidParameterValue', 'The collection MetricData.member.1.Dimensions must not have a size greater than 30.'],
  ['a dimension without Value', req([ok({ Dimensions: [{ Name: 'a' }] })]), 'MissingParameter', 'The parameter MetricData.member.1.Dimensions.member.1.Value is required.'],
  ['a dimension name of 256 characters', req([ok({ Dimensions: [{ Name: 'n'.repeat(256), Value: 'v' }] })]), 'InvalidParameterValue', 'The parameter MetricData.member.1.Dimensions.member.1.Name must be shorter than 256 characters.'],
  ['a dimension value of 1025 characters', req([ok({ Dimensions: [{ Name: 'n', Value: 'v'.repeat(1025) }] })]), 'InvalidParameterValue', 'The parameter MetricData.member.1.Dimensions.member.1.Value must be shorter than 1025 characters.'],
  ['a non-ASCII dimension value', req([ok({ Dimensions: [{ Name: 'n', Value: 'café' }] })]), 'InvalidParameterValue', 'The value café for parameter MetricData.member.1.Dimensions.member.1.Value is invalid. Dimension values must be ASCII without control characters and contain a non-whitespace character.'],
  ['a blank dimension value', req([ok({ Dimensions: [{ Name: 'n', Value: '  ' }] })]), 'InvalidParameterValue', 'The value    for parameter MetricData.member.1.Dimensions.member.1.Value is invalid. Dimension values must be ASCII without control characters and contain a non-whitespace character.'],
  ['a dimension name starting with ":"', req([ok({ Dimensions: [{ Name: ':n', Value: 'v' }] })]), 'InvalidParameterValue', 'The value :n for parameter MetricData.member.1.Dimensions.member.1.Name is invalid. Dimension names must be ASCII without control characters, contain a non-whitespace character and not start with ":".'],
  ['the same dimension name twice', req([ok({ Dimensions: [{ Name: 'n', Value: 'a' }, { Name: 'n', Value: 'b' }] })]), 'InvalidParameterValue', 'The collection MetricData.member.1.Dimensions has the dimension name n more than once.'],
  ['a NaN value', req([ok({ Value: 'NaN' })]), 'InvalidParameterValue', 'The value NaN for parameter MetricData.member.1.Value is invalid.'],
  ['an infinite value', req([ok({ Value: '-Infinity' })]), 'InvalidParameterValue', 'The value -Infinity for parameter MetricData.member.1.Value is invalid.'],
  ['a value above 2^360', req([ok({ Value: 2 ** 361 })]), 'InvalidParameterValue', `The value ${2 ** 361} for parameter MetricData.member.1.Value is invalid.`],
  ['a value that is not a number', req([ok({ Value: 'abc' })]), 'InvalidParameterValue', 'The value abc for parameter MetricData.member.1.Value is invalid.'],
  ['Value and StatisticValues', req([ok({ StatisticValues: { SampleCount: 1, Sum: 1, Minimum: 1, Maximum: 1 } })]), 'InvalidParameterCombination', 'The parameters MetricData.member.1.Value and MetricData.member.1.StatisticValues are mutually exclusive and you have specified both.'],
  ['Value and Values', req([ok({ Values: [1] })]), 'InvalidParameterCombination', 'The parameters MetricData.member.1.Value and MetricData.member.1.Values are mutually exclusive and you have specified both.'],
  ['Values and StatisticValues', req([{ MetricName: 'm', Values: [1], StatisticValues: { SampleCount: 1, Sum: 1, Minimum: 1, Maximum: 1 } }]), 'InvalidParameterCombination', 'The parameters MetricData.member.1.Values and MetricData.member.1.StatisticValues are mutually exclusive and you have specified both.'],
  ['Counts without Values', req([{ MetricName: 'm', Counts: [1] }]), 'InvalidParameterCombination', 'The parameter MetricData.member.1.Counts requires MetricData.member.1.Values.'],
  ['no value at all', req([{ MetricName: 'm' }]), 'MissingParameter', 'The parameter MetricData.member.1.Value is required (or MetricData.member.1.Values, or MetricData.member.1.StatisticValues).'],
  ['151 values', req([{ MetricName: 'm', Values: list(151) }]), 'InvalidParameterValue', 'The collection MetricData.member.1.Values must not have a size greater than 150.'],
  ['151 counts', req([{ MetricName: 'm', Values: list(150), Counts: list(151) }]), 'InvalidParameterValue', 'The collection MetricData.member.1.Counts must not have a size greater than 150.'],
  ['Values and Counts of different lengths', req([{ MetricName: 'm', Values: [1, 2, 3], Counts: [1, 2] }]), 'InvalidParameterValue', 'The parameters MetricData.member.1.Values and MetricData.member.1.Counts must have the same number of members (got 3 and 2).'],
  ['a NaN among Values', req([{ MetricName: 'm', Values: [1, 'NaN'] }]), 'InvalidParameterValue', 'The value NaN for parameter MetricData.member.1.Values.member.2 is invalid.'],
  ['a negative count', req([{ MetricName: 'm', Values: [1], Counts: [-1] }]), 'InvalidParameterValue', 'The value -1 for parameter MetricData.member.1.Counts.member.1 is invalid. Counts must not be negative.'],
  ['Values that is not a list', req([{ MetricName: 'm', Values: 5 }]), 'InvalidParameterValue', 'The value 5 for parameter MetricData.member.1.Values is invalid: a list was expected.'],
  ['StatisticValues without Maximum', req([{ MetricName: 'm', StatisticValues: { SampleCount: 1, Sum: 1, Minimum: 1 } }]), 'MissingParameter', 'The parameter MetricData.member.1.StatisticValues.Maximum is required.'],
  ['StatisticValues with SampleCount 0', req([{ MetricName: 'm', StatisticValues: { SampleCount: 0, Sum: 1, Minimum: 1, Maximum: 1 } }]), 'InvalidParameterValue', 'The value 0 for parameter MetricData.member.1.StatisticValues.SampleCount is invalid. SampleCount must be greater than 0.'],
  ['StatisticValues with Minimum above Maximum', req([{ MetricName: 'm', StatisticValues: { SampleCount: 2, Sum: 1, Minimum: 3, Maximum: 1 } }]), 'InvalidParameterValue', 'The parameter MetricData.member.1.StatisticValues.Minimum must not be greater than MetricData.member.1.StatisticValues.Maximum.'],
  ['StatisticValues with an infinite Sum', req([{ MetricName: 'm', StatisticValues: { SampleCount: 2, Sum: 'Infinity', Minimum: 1, Maximum: 1 } }]), 'InvalidParameterValue', 'The value Infinity for parameter MetricData.member.1.StatisticValues.Sum is invalid.'],
  ['an unknown Unit', req([ok(), ok({ Unit: 'Hours' })]), 'InvalidParameterValue', `The parameter MetricData.member.2.Unit must be a value in the set [ ${STANDARD_UNITS.join(', ')} ].`],
  ['StorageResolution 30', req([ok({ StorageResolution: 30 })]), 'InvalidParameterValue', 'The value 30 for parameter MetricData.member.1.StorageResolution is invalid. Valid values are 1 (high resolution) and 60.'],
  ['a timestamp 15 days old', req([ok({ Timestamp: (NOW - 15 * 86_400_000) / 1000 })]), 'InvalidParameterValue', 'The parameter MetricData.member.1.Timestamp must specify a time within the past two weeks.'],
  ['a timestamp 3 hours ahead', req([ok({ Timestamp: '2026-03-01T15:00:00Z' })]), 'InvalidParameterValue', 'The parameter MetricData.member.1.Timestamp must specify a time no more than two hours in the future.'],
  ['a timestamp that is not a time', req([ok({ Timestamp: '2026-02-30T10:00:00Z' })]), 'InvalidParameterValue', 'The value 2026-02-30T10:00:00Z for parameter MetricData.member.1.Timestamp is invalid.'],
  ['a datum that is not a structure', req([5]), 'InvalidParameterValue', 'The value 5 for parameter MetricData.member.1 is invalid.'],
  ['StrictEntityValidation and an entity without Type', { Namespace: 'App', StrictEntityValidation: true, EntityMetricData: [{ Entity: { KeyAttributes: { Name: 'a', Environment: 'b' } }, MetricData: [ok()] }] }, 'InvalidParameterValue', 'The parameter EntityMetricData.member.1.Entity is invalid (MissingRequiredFields).'],
];

describe('PutMetricData validation', () => {
  it.each(cases)('refuses %s', (_name, input, code, message) => {
    const [c, status, m] = refusal(input);
    expect([c, status]).toEqual([code, 400]);
    expect(m).toBe(message);
  });

  it('reports every problem of a request, one per line, under the code of the first', () => {
    const [c, , m] = refusal(req([ok({ Unit: 'x' }), { Value: 1 }, ok({ Value: 'NaN' })]));
    expect(c).toBe('InvalidParameterValue');
    expect(m.split('\n')).toEqual([
      expect.stringMatching(/^The parameter MetricData.member.1.Unit must be a value in the set/),
      'The parameter MetricData.member.2.MetricName is required.',
      'The value NaN for parameter MetricData.member.3.Value is invalid.',
    ]);
  });

  it('bounds the error text for a request full of bad data', () => {
    const [, , m] = refusal(req(list(1000, 0).map(() => ({ Value: 1 }))));
    expect(m.split('\n')).toHaveLength(21);
    expect(m).toMatch(/\(and 980 more problems\)$/);
  });

  it('accepts the limits themselves', () => {
    const r = readPutMetricData(
      req([
        ok({ Dimensions: dims(30), Unit: 'Count/Second', StorageResolution: 1, Timestamp: (NOW - 14 * 86_400_000 + 1000) / 1000 }),
        { MetricName: 'v', Values: list(150, 2 ** 360), Counts: list(150, 0), Timestamp: '2026-03-01T13:59:59.999999Z' },
        { MetricName: 's', StatisticValues: { SampleCount: 1, Sum: -(2 ** 360), Minimum: -(2 ** 360), Maximum: -(2 ** 360) } },
        ...list(997, 0).map(() => ok()),
      ]),
      NOW,
    );
    expect(r.ok).toBe(true);
  });

  it('keeps the metrics of an invalid entity without StrictEntityValidation, and says why', () => {
    const r = readPutMetricData({ Namespace: 'App', EntityMetricData: [{ Entity: { KeyAttributes: { Type: 'Service', Bogus: 'x' } }, MetricData: [ok()] }] }, NOW);
    expect(r.ok && r.request.entityFailure).toBe('InvalidKeyAttributes');
    expect(r.ok && r.request.groups[0]).toEqual({ entity: undefined, data: [expect.objectContaining({ name: 'm' })] });
    const three = readPutMetricData({ Namespace: 'App', EntityMetricData: list(3, 0).map(() => ({ Entity: { KeyAttributes: { Type: 'Service', Name: 'a' } }, MetricData: [ok()] })) }, NOW);
    expect(three.ok && three.request.entityFailure).toBe('EntitySizeTooLarge');
    const good = readPutMetricData({ Namespace: 'App', EntityMetricData: [{ Entity: { KeyAttributes: { Type: 'Service', Name: 'a' }, Attributes: { 'EC2.InstanceId': 'i-1' } }, MetricData: [ok()] }] }, NOW);
    expect(good.ok && good.request.groups[0].entity).toEqual({ keyAttributes: [['Type', 'Service'], ['Name', 'a']], attributes: [['EC2.InstanceId', 'i-1']] });
  });

  it('reads Query text, JSON numbers and the special double strings alike', () => {
    const r = readPutMetricData(req([{ MetricName: 'm', Value: '1.5e3', StorageResolution: '1', Timestamp: '2026-03-01T12:59:00+01:00' }]), NOW);
    expect(r.ok && r.request.groups[0].data[0]).toMatchObject({ value: 1500, resolution: 1, timeMs: Date.parse('2026-03-01T11:59:00Z') });
  });
});
