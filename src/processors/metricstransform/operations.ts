import type { AnyValue } from '../../model/any-value.js';
import { Attributes } from '../../model/attributes.js';
import { clonePoints, keepPoints } from '../../model/points.js';
import type { Exemplar, Metric, Points } from '../../model/metric.js';
import { withPoints } from '../../model/batch.js';
import { aggregatePoints } from './aggregate.js';
import type { AggregationType, OperationConfig } from './config.js';

/**
 * The operations of a metricstransform transform, each a function from a
 * metric to the changed metric (or undefined when no points are left).
 * Label changes are computed once per distinct attribute set: `memo` lives
 * for one batch.
 */
export type Operation = (m: Metric, memo: Map<Attributes, Attributes>) => Metric | undefined;

/** The Collector reads a label value with Str(): a non-string value reads as "". */
function str(a: Attributes, key: string): string | undefined {
  const v = a.get(key);
  if (v === undefined) return undefined;
  return typeof v === 'string' ? v : '';
}

/** Replaces each point's attribute set through `f` (memoised), in place. */
function relabelInPlace(m: Metric, memo: Map<Attributes, Attributes>, f: (a: Attributes) => Attributes): Metric {
  const attrs = m.points.attributes;
  for (let i = 0; i < attrs.length; i++) {
    const a = attrs[i];
    let out = memo.get(a);
    if (out === undefined) {
      out = f(a);
      memo.set(a, out);
    }
    attrs[i] = out;
  }
  return m;
}

/** Aggregates with the relabelling memoised per distinct attribute set for the batch. */
function aggregated(m: Metric, memo: Map<Attributes, Attributes>, agg: AggregationType, f: (a: Attributes) => Attributes): Metric {
  const relabel = (a: Attributes): Attributes => {
    let out = memo.get(a);
    if (out === undefined) {
      out = f(a);
      memo.set(a, out);
    }
    return out;
  };
  const p = aggregatePoints(m, agg, relabel);
  return p === undefined ? m : withPoints(m, p);
}

export function compileOperation(op: OperationConfig): Operation {
  switch (op.action) {
    case 'add_label': {
      const key = op.new_label!;
      const value = op.new_value!;
      return (m, memo) => relabelInPlace(m, memo, (a) => (a.has(key) ? a : a.with(key, value)));
    }
    case 'update_label': {
      const label = op.label!;
      const rename = op.new_label;
      const values = new Map(op.value_actions.map((v) => [v.value, v.new_value]));
      return (m, memo) =>
        relabelInPlace(m, memo, (a) => {
          const v = a.get(label);
          if (v === undefined) return a;
          let out = a;
          let key = label;
          if (rename !== undefined && rename !== '' && rename !== label) {
            out = out.without(label).with(rename, v);
            key = rename;
          }
          const mapped = values.get(typeof v === 'string' ? v : '');
          return mapped === undefined ? out : out.with(key, mapped);
        });
    }
    case 'delete_label_value': {
      const label = op.label!;
      const value = op.label_value!;
      return (m) => {
        const attrs = m.points.attributes;
        const keep = new Uint8Array(attrs.length);
        let kept = 0;
        for (let i = 0; i < attrs.length; i++) {
          if (str(attrs[i], label) !== value) {
            keep[i] = 1;
            kept++;
          }
        }
        if (kept === attrs.length) return m;
        return kept === 0 ? undefined : withPoints(m, keepPoints(m.points, keep, kept));
      };
    }
    case 'aggregate_labels': {
      const keep = new Set(op.label_set);
      const agg = op.aggregation_type as AggregationType;
      return (m, memo) =>
        aggregated(m, memo, agg, (a) => {
          if (a.keys.every((k) => keep.has(k))) return a;
          const keys: string[] = [];
          const values: AnyValue[] = [];
          a.keys.forEach((k, i) => {
            if (keep.has(k)) {
              keys.push(k);
              values.push(a.values[i]);
            }
          });
          return Attributes.of(keys, values);
        });
    }
    case 'aggregate_label_values': {
      const label = op.label!;
      const from = new Set(op.aggregated_values);
      const to = op.new_value!;
      const agg = op.aggregation_type as AggregationType;
      return (m, memo) =>
        aggregated(m, memo, agg, (a) => {
          const v = str(a, label);
          return v !== undefined && from.has(v) ? a.with(label, to) : a;
        });
    }
    case 'toggle_scalar_data_type':
      return (m) => {
        if (m.points.kind !== 'number') return m;
        const p = clonePoints(m.points);
        for (let i = 0; i < p.length; i++) {
          if (p.isInt[i] === 1) p.isInt[i] = 0;
          else {
            p.isInt[i] = 1;
            p.values[i] = Math.trunc(p.values[i]);
          }
        }
        return withPoints(m, p);
      };
    case 'experimental_scale_value': {
      const s = op.experimental_scale!;
      return (m) => (m.points.kind === 'number' || m.points.kind === 'histogram' ? withPoints(m, scaled(m.points, s)) : m);
    }
  }
}

/** The Collector's scaling: number values (ints truncated); histogram sum, min, max, bounds and exemplar values. */
function scaled(points: Points, s: number): Points {
  const p = clonePoints(points);
  if (p.kind === 'number') {
    for (let i = 0; i < p.length; i++) p.values[i] = p.isInt[i] === 1 ? Math.trunc(p.values[i] * s) : p.values[i] * s;
    return p;
  }
  if (p.kind !== 'histogram') return p;
  for (let i = 0; i < p.length; i++) {
    if (p.has[i] & 1) p.sums[i] *= s;
    if (p.has[i] & 2) p.mins[i] *= s;
    if (p.has[i] & 4) p.maxs[i] *= s;
  }
  for (let k = 0; k < p.bounds.length; k++) p.bounds[k] *= s;
  if (p.exemplars !== undefined) {
    for (let i = 0; i < p.length; i++) {
      const ex = p.exemplars[i];
      if (ex !== undefined) p.exemplars[i] = ex.map((e): Exemplar => ({ ...e, value: e.isInt ? Math.trunc(e.value * s) : e.value * s }));
    }
  }
  return p;
}
