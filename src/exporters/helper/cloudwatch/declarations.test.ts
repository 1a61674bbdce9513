import { describe, expect, it } from 'vitest';
import { type DeclarationConfig, Declarations, type RollupOption, validateDeclarations } from './declarations.js';

const labels = (o: Record<string, string>): Map<string, string> => new Map(Object.entries(o));
const decl = (d: Partial<DeclarationConfig>): DeclarationConfig => ({ dimensions: [[]], metric_name_selectors: ['.*'], label_matchers: [], ...d });

describe('metric_declarations and dimension_rollup_option', () => {
  const cases: [string, DeclarationConfig[], RollupOption, string, Record<string, string>, unknown][] = [
    ['no declarations: every metric, all labels as one set', [], 'NoDimensionRollup', 'm', { b: '2', a: '1' }, { sets: [['a', 'b']] }],
    ['no labels: the empty set', [], 'NoDimensionRollup', 'm', {}, { sets: [[]] }],
    ['single-dimension rollup adds one set per label', [], 'SingleDimensionRollupOnly', 'm', { a: '1', b: '2' }, { sets: [['a', 'b'], ['a'], ['b']] }],
    ['zero-and-single adds the empty set too', [], 'ZeroAndSingleDimensionRollup', 'm', { a: '1', b: '2' }, { sets: [['a', 'b'], [], ['a'], ['b']] }],
    ['one label with single rollup: no duplicate set', [], 'SingleDimensionRollupOnly', 'm', { a: '1' }, { sets: [['a']] }],
    ['declared: only the declared sets', [decl({ dimensions: [['svc'], ['svc', 'route']], metric_name_selectors: ['^http_'] })], 'NoDimensionRollup', 'http_requests', { svc: 'x', route: '/', pod: 'p1' }, { sets: [['svc'], ['route', 'svc']] }],
    ['a declared set naming a missing label is skipped', [decl({ dimensions: [['svc', 'route'], ['svc']] })], 'NoDimensionRollup', 'm', { svc: 'x' }, { sets: [['svc']] }],
    ['no set applies: not sent', [decl({ dimensions: [['route']] })], 'NoDimensionRollup', 'm', { svc: 'x' }, { skip: 'not_declared' }],
    ['name not selected: not sent', [decl({ metric_name_selectors: ['^http_'] })], 'NoDimensionRollup', 'grpc_calls', {}, { skip: 'not_declared' }],
    ['selectors search, unanchored', [decl({ metric_name_selectors: ['requests'] })], 'NoDimensionRollup', 'http_requests_total', {}, { sets: [[]] }],
    ['label matcher joins values with the separator', [decl({ label_matchers: [{ label_names: ['ns', 'app'], separator: '/', regex: '^prod/web$' }] })], 'NoDimensionRollup', 'm', { ns: 'prod', app: 'web' }, { sets: [[]] }],
    ['label matcher fails on another value', [decl({ label_matchers: [{ label_names: ['ns', 'app'], separator: '/', regex: '^prod/web$' }] })], 'NoDimensionRollup', 'm', { ns: 'dev', app: 'web' }, { skip: 'not_declared' }],
    ['label matcher fails on a missing label', [decl({ label_matchers: [{ label_names: ['ns'], separator: ';', regex: '.*' }] })], 'NoDimensionRollup', 'm', {}, { skip: 'not_declared' }],
    ['sets of several matching declarations, deduplicated', [decl({ dimensions: [['a']] }), decl({ dimensions: [['a'], ['b']] })], 'NoDimensionRollup', 'm', { a: '1', b: '2' }, { sets: [['a'], ['b']] }],
    ['rollup applies on top of declarations', [decl({ dimensions: [['a', 'b']] })], 'SingleDimensionRollupOnly', 'm', { a: '1', b: '2' }, { sets: [['a', 'b'], ['a'], ['b']] }],
    ['over 30 labels without declarations: not sent', [], 'NoDimensionRollup', 'm', Object.fromEntries(Array.from({ length: 31 }, (_, i) => [`k${i}`, 'v'])), { skip: 'too_many_dimensions' }],
  ];
  it.each(cases)('%s', (_name, decls, rollup, metric, l, want) => {
    expect(new Declarations(decls, rollup).select(metric, labels(l))).toEqual(want);
  });

  it('refuses declarations CloudWatch or the regular expression engine cannot take', () => {
    expect(
      validateDeclarations([
        decl({ metric_name_selectors: [] }),
        decl({ metric_name_selectors: ['(unclosed'] }),
        decl({ label_matchers: [{ label_names: [], separator: ';', regex: '[' }] }),
        decl({ dimensions: [Array.from({ length: 31 }, (_, i) => `d${i}`)] }),
      ]),
    ).toEqual([
      'metric_declarations::0::metric_name_selectors: list at least one regular expression for the metric names this declaration selects',
      expect.stringMatching(/^metric_declarations::1::metric_name_selectors::0: not a valid regular expression/),
      'metric_declarations::2::label_matchers::0::label_names: list at least one label',
      expect.stringMatching(/^metric_declarations::2::label_matchers::0::regex: not a valid regular expression/),
      'metric_declarations::3::dimensions::0: 31 dimensions; CloudWatch allows at most 30 per metric',
    ]);
  });
});
