import { LIMITS } from '../../../receivers/putmetricdata/limits.js';

/**
 * Which metrics go to CloudWatch and with which dimension sets, with the
 * keys and meaning of the Collector's awsemf exporter:
 *
 * - Without `metric_declarations`, every metric goes, with one dimension
 *   set: all its labels.
 * - With them, a metric goes only if some declaration matches it: one of
 *   its `metric_name_selectors` (regular expressions, searched, not
 *   anchored) matches the name, and its `label_matchers` are empty or one of
 *   them matches (the values of `label_names` joined by `separator`, searched
 *   with `regex`; a missing label makes that matcher fail). Its dimension
 *   sets are those of every matching declaration whose labels are all
 *   present; a declared set naming a missing label is skipped. A metric left
 *   with no set is not sent.
 * - `dimension_rollup_option` adds sets on top: `SingleDimensionRollupOnly`
 *   one set per label, `ZeroAndSingleDimensionRollup` those plus the empty
 *   set. Every set is a separate CloudWatch metric, billed as one, which is
 *   why Tributary's default is `NoDimensionRollup` (the Collector's is
 *   `ZeroAndSingleDimensionRollup`).
 *
 * Sets are kept sorted and without duplicates; a set over 30 dimensions
 * (the API's limit) is refused at config time or, from labels, not sent.
 */

export type RollupOption = 'NoDimensionRollup' | 'SingleDimensionRollupOnly' | 'ZeroAndSingleDimensionRollup';

export interface LabelMatcherConfig {
  readonly label_names: readonly string[];
  readonly separator: string;
  readonly regex: string;
}

export interface DeclarationConfig {
  readonly dimensions: readonly (readonly string[])[];
  readonly metric_name_selectors: readonly string[];
  readonly label_matchers: readonly LabelMatcherConfig[];
}

interface CompiledMatcher {
  readonly names: readonly string[];
  readonly separator: string;
  readonly re: RegExp;
}

interface CompiledDeclaration {
  readonly selectors: readonly RegExp[];
  readonly matchers: readonly CompiledMatcher[];
  readonly sets: readonly (readonly string[])[];
}

/** Labels of one series: name -> value, as strings. */
export type Labels = ReadonlyMap<string, string>;

/** Result for a series that is not sent: why. */
export type Selection = { readonly sets: readonly (readonly string[])[] } | { readonly skip: 'not_declared' | 'too_many_dimensions' };

function normalize(set: readonly string[]): string[] {
  return [...new Set(set)].sort();
}

function setKey(set: readonly string[]): string {
  return set.join('\u0000');
}

/** Config-time checks; messages carry their path below the exporter's section. */
export function validateDeclarations(decls: readonly DeclarationConfig[]): string[] {
  const out: string[] = [];
  decls.forEach((d, i) => {
    const at = `metric_declarations::${i}`;
    if (d.metric_name_selectors.length === 0) out.push(`${at}::metric_name_selectors: list at least one regular expression for the metric names this declaration selects`);
    d.metric_name_selectors.forEach((s, j) => {
      const err = regexError(s);
      if (err !== undefined) out.push(`${at}::metric_name_selectors::${j}: not a valid regular expression (${err})`);
    });
    d.label_matchers.forEach((m, j) => {
      if (m.label_names.length === 0) out.push(`${at}::label_matchers::${j}::label_names: list at least one label`);
      const err = regexError(m.regex);
      if (err !== undefined) out.push(`${at}::label_matchers::${j}::regex: not a valid regular expression (${err})`);
    });
    d.dimensions.forEach((set, j) => {
      if (normalize(set).length > LIMITS.maxDimensions) out.push(`${at}::dimensions::${j}: ${normalize(set).length} dimensions; CloudWatch allows at most ${LIMITS.maxDimensions} per metric`);
    });
  });
  return out;
}

function regexError(s: string): string | undefined {
  try {
    new RegExp(s);
    return undefined;
  } catch (err) {
    return (err as Error).message;
  }
}

export class Declarations {
  private readonly decls: readonly CompiledDeclaration[];

  constructor(
    configs: readonly DeclarationConfig[],
    private readonly rollup: RollupOption,
  ) {
    this.decls = configs.map((d) => ({
      selectors: d.metric_name_selectors.map((s) => new RegExp(s)),
      matchers: d.label_matchers.map((m) => ({ names: m.label_names, separator: m.separator, re: new RegExp(m.regex) })),
      sets: d.dimensions.map(normalize),
    }));
  }

  get declared(): boolean {
    return this.decls.length > 0;
  }

  /** The dimension sets for a metric name and the labels of one of its series. */
  select(metricName: string, labels: Labels): Selection {
    let sets: (readonly string[])[];
    if (this.decls.length === 0) {
      sets = [[...labels.keys()].sort()];
    } else {
      sets = [];
      let matched = false;
      for (const d of this.decls) {
        if (!d.selectors.some((re) => re.test(metricName))) continue;
        if (d.matchers.length > 0 && !d.matchers.some((m) => matches(m, labels))) continue;
        matched = true;
        for (const s of d.sets) if (s.every((n) => labels.has(n))) sets.push(s);
      }
      if (!matched) return { skip: 'not_declared' };
    }
    sets.push(...this.rollupSets(labels));
    const seen = new Set<string>();
    const out: (readonly string[])[] = [];
    let tooMany = false;
    for (const s of sets) {
      const k = setKey(s);
      if (seen.has(k)) continue;
      seen.add(k);
      if (s.length > LIMITS.maxDimensions) {
        tooMany = true;
        continue;
      }
      out.push(s);
    }
    if (out.length === 0) return { skip: tooMany ? 'too_many_dimensions' : 'not_declared' };
    return { sets: out };
  }

  private rollupSets(labels: Labels): string[][] {
    if (this.rollup === 'NoDimensionRollup') return [];
    const out: string[][] = this.rollup === 'ZeroAndSingleDimensionRollup' ? [[]] : [];
    for (const k of [...labels.keys()].sort()) out.push([k]);
    return out;
  }
}

function matches(m: CompiledMatcher, labels: Labels): boolean {
  const parts: string[] = [];
  for (const n of m.names) {
    const v = labels.get(n);
    if (v === undefined) return false;
    parts.push(v);
  }
  return m.re.test(parts.join(m.separator));
}
