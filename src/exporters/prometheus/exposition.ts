import { toClassic } from '../../model/exp-histogram.js';
import { formatLabelFloat } from '../../model/prom/naming.js';
import type { Label } from '../../model/prom/series-labels.js';
import type { Family, Series } from './accumulator.js';

/**
 * The Prometheus text exposition format (version 0.0.4): HELP and TYPE per
 * family, one line per sample; histograms as _bucket (cumulative, with
 * le="+Inf"), _sum and _count; summaries as quantile samples, _sum, _count.
 * Exponential histograms are shown as classic buckets at their bucket
 * boundaries, since this format has no native histograms.
 */
export const CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

function escapeValue(v: string): string {
  return v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');
}

function escapeHelp(v: string): string {
  return v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n');
}

function labelText(labels: readonly Label[], extra?: Label): string {
  const parts = labels.map(([k, v]) => `${k}="${escapeValue(v)}"`);
  if (extra !== undefined) parts.push(`${extra[0]}="${escapeValue(extra[1])}"`);
  return parts.length === 0 ? '' : `{${parts.join(',')}}`;
}

export function formatValue(v: number): string {
  if (v === Infinity) return '+Inf';
  if (v === -Infinity) return '-Inf';
  if (Number.isNaN(v)) return 'NaN';
  return String(v);
}

function line(out: string[], name: string, labels: readonly Label[], value: number, ts: number | undefined, extra?: Label): void {
  out.push(`${name}${labelText(labels, extra)} ${formatValue(value)}${ts === undefined ? '' : ` ${ts}`}\n`);
}

function histogramLines(out: string[], name: string, s: Series, bounds: readonly number[], counts: readonly number[], sum: number, count: number, ts: number | undefined): void {
  let cum = 0;
  for (let k = 0; k < bounds.length; k++) {
    cum += counts[k];
    line(out, `${name}_bucket`, s.labels, cum, ts, ['le', formatLabelFloat(bounds[k])]);
  }
  line(out, `${name}_bucket`, s.labels, count, ts, ['le', '+Inf']);
  line(out, `${name}_sum`, s.labels, sum, ts);
  line(out, `${name}_count`, s.labels, count, ts);
}

export function render(families: Iterable<Family>, sendTimestamps: boolean): string {
  const out: string[] = [];
  const sorted = [...families].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const f of sorted) {
    if (f.series.size === 0) continue;
    if (f.help !== '') out.push(`# HELP ${f.name} ${escapeHelp(f.help)}\n`);
    out.push(`# TYPE ${f.name} ${f.kind}\n`);
    const series = [...f.series.values()].sort((a, b) => (a.labelKey < b.labelKey ? -1 : a.labelKey > b.labelKey ? 1 : 0));
    for (const s of series) {
      const ts = sendTimestamps ? s.timeMs : undefined;
      const v = s.value;
      switch (v.kind) {
        case 'number':
          line(out, f.name, s.labels, v.value, ts);
          break;
        case 'histogram':
          histogramLines(out, f.name, s, v.bounds, v.counts, v.sum, v.count, ts);
          break;
        case 'exp': {
          const c = toClassic(v.state);
          histogramLines(out, f.name, s, c.bounds, c.counts, v.state.sum, v.state.count, ts);
          break;
        }
        case 'summary':
          for (const [q, qv] of v.quantiles) line(out, f.name, s.labels, qv, ts, ['quantile', formatLabelFloat(q)]);
          line(out, `${f.name}_sum`, s.labels, v.sum, ts);
          line(out, `${f.name}_count`, s.labels, v.count, ts);
          break;
      }
    }
  }
  return out.join('');
}
