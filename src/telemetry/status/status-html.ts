import { stringify } from 'yaml';
import type { Kind } from '../../component/component.js';
import { type ComponentStatus, FIELDS, type StatusSnapshot } from './status-model.js';

/**
 * The status page as one self-contained HTML document: no script, no
 * external asset, every value escaped, and a meta refresh so an open page
 * stays live. Cells carry `data-component` / `data-field` attributes so
 * tools and tests can read figures without parsing text.
 */

export const REFRESH_SECONDS = 5;

/** Escapes text for HTML element content and quoted attribute values. */
export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ESCAPES[c]);
}
const ESCAPES: Readonly<Record<string, string>> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

const h = escapeHtml;

export function formatCount(n: number): string {
  return Number.isInteger(n) ? String(n) : n.toFixed(2);
}

/** A rate for display: two decimals at most; an em dash until there are two samples. */
export function formatRate(r: number | null): string {
  return r === null ? '—' : String(Number(r.toFixed(2)));
}

export function formatUptime(seconds: number): string {
  const d = Math.floor(seconds / 86_400);
  const hh = Math.floor((seconds % 86_400) / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  const s = seconds % 60;
  return [d > 0 ? `${d}d` : '', d + hh > 0 ? `${hh}h` : '', d + hh + m > 0 ? `${m}m` : '', `${s}s`].filter(Boolean).join(' ');
}

function time(iso: string): string {
  return `<time datetime="${h(iso)}">${h(iso.replace('T', ' ').replace(/\.\d+Z$/, 'Z'))}</time>`;
}

const TITLES: Readonly<Record<Kind, string>> = { receiver: 'Receivers', processor: 'Processors', exporter: 'Exporters', extension: 'Extensions' };

function anchor(key: string): string {
  return `c-${key}`;
}

function componentLink(key: string, label: string): string {
  return `<a href="#${h(anchor(key))}">${h(label)}</a>`;
}

function pipelines(s: StatusSnapshot): string {
  const items = s.pipelines.map((p) => {
    const part = (kind: Kind, ids: readonly string[]) =>
      `<span class="stage">${ids.map((id) => componentLink(kind === 'processor' ? `processor/${p.name}/${id}` : `${kind}/${id}`, id)).join(', ') || '—'}</span>`;
    const stages = [part('receiver', p.receivers), ...(p.processors.length > 0 ? [part('processor', p.processors)] : []), part('exporter', p.exporters)];
    return `<li data-pipeline="${h(p.name)}"><b>${h(p.name)}</b>: ${stages.join(' <span class="arrow">→</span> ')}</li>`;
  });
  return `<section id="pipelines"><h2>Pipelines</h2><ul class="pipelines">${items.join('')}</ul></section>`;
}

function lastError(c: ComponentStatus): string {
  const e = c.errors[0];
  if (e === undefined) return '<td data-field="last_error" class="none">none</td>';
  return `<td data-field="last_error" class="err-${h(e.level)}">${time(e.at)} ${h(e.message)}</td>`;
}

/** The columns of a kind's table besides the counters: processors have no endpoints, extensions no pipelines. */
function hasColumn(kind: Kind, column: 'pipelines' | 'endpoints'): boolean {
  return column === 'pipelines' ? kind !== 'extension' : kind !== 'processor';
}

/** A counter's total with its rate below it; both carry data-field so tools need not parse the layout. */
function counterCell(c: ComponentStatus, f: string): string {
  const rate = c.rates[f] ?? null;
  return `<td class="num"><span data-field="${h(f)}">${formatCount(c.totals[f] ?? 0)}</span><br><small class="rate"><span data-field="${h(f)}_rate">${formatRate(rate)}</span>${rate === null ? '' : '/s'}</small></td>`;
}

function componentTable(kind: Kind, list: readonly ComponentStatus[]): string {
  if (list.length === 0) return '';
  const fields = FIELDS[kind];
  const queue = kind === 'exporter';
  const pipelinesColumn = hasColumn(kind, 'pipelines');
  const endpointsColumn = hasColumn(kind, 'endpoints');
  const head = [
    'id',
    'type',
    'state',
    ...(pipelinesColumn ? [kind === 'processor' ? 'pipeline' : 'pipelines'] : []),
    ...(endpointsColumn ? ['endpoints'] : []),
    ...fields,
    ...(queue ? ['queue / capacity'] : []),
    'last error',
  ];
  const rows = list.map((c) => {
    const cells = [
      `<td data-field="id">${h(c.id)}</td>`,
      `<td data-field="type">${h(c.type)}</td>`,
      `<td data-field="state" class="state state-${h(c.state)}">${h(c.state)}</td>`,
      ...(pipelinesColumn ? [`<td data-field="pipelines">${h(c.pipelines.join(', '))}</td>`] : []),
      ...(endpointsColumn ? [`<td data-field="endpoints">${c.endpoints.map((e) => h(e)).join('<br>')}</td>`] : []),
      ...fields.map((f) => counterCell(c, f)),
      ...(queue
        ? [
            c.queue === undefined
              ? '<td class="num none">no queue</td>'
              : `<td class="num"><span data-field="queue_size">${formatCount(c.queue.size)}</span> / <span data-field="queue_capacity">${formatCount(c.queue.capacity)}</span></td>`,
          ]
        : []),
      lastError(c),
    ];
    return `<tr id="${h(anchor(c.key))}" data-component="${h(c.key)}">${cells.join('')}</tr>`;
  });
  const note = fields.length > 0 ? '<p class="note">Data points since start; below each, the rate per second over the rate window.</p>' : '';
  return `<section id="${kind}s"><h2>${TITLES[kind]}</h2>${note}<table><thead><tr>${head.map((x) => `<th>${h(x)}</th>`).join('')}</tr></thead><tbody>${rows.join('')}</tbody></table></section>`;
}

function errors(s: StatusSnapshot): string {
  const rows = s.components.flatMap((c) =>
    c.errors.map((e) => `<tr data-component="${h(c.key)}"><td>${time(e.at)}</td><td>${h(c.key)}</td><td class="err-${h(e.level)}">${h(e.level)}</td><td data-field="message">${h(e.message)}</td></tr>`),
  );
  const body = rows.length === 0 ? '<p class="none">No warnings or errors since start.</p>' : `<table><thead><tr><th>time</th><th>component</th><th>level</th><th>message</th></tr></thead><tbody>${rows.join('')}</tbody></table>`;
  return `<section id="errors"><h2>Recent warnings and errors</h2>${body}</section>`;
}

function config(s: StatusSnapshot): string {
  return `<section id="config"><h2>Configuration</h2><p class="note">Effective settings with defaults filled in; durations in milliseconds; secrets shown as &lt;redacted&gt;.</p><pre data-field="config">${h(stringify(s.config))}</pre></section>`;
}

const STYLE = `
body{font:14px/1.4 system-ui,sans-serif;margin:1.5em;color:#1d232b;background:#fafbfc}
h1{font-size:1.5em;margin:0 0 .3em}h2{font-size:1.15em;margin:1.4em 0 .4em}
dl.summary{display:grid;grid-template-columns:max-content auto;gap:.15em 1em;margin:0}dt{color:#5b6573}dd{margin:0}
table{border-collapse:collapse;background:#fff}th,td{border:1px solid #d6dbe1;padding:.25em .55em;text-align:left;vertical-align:top}
th{background:#eef1f4;font-weight:600}td.num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}.rate{color:#5b6573}
td[data-field=last_error]{max-width:32em;overflow-wrap:anywhere}.note{color:#5b6573;margin:.2em 0 .5em}
.state-running{color:#0b6e2f;font-weight:600}.state-starting,.state-stopping,.state-draining{color:#8a5a00}.state-failed{color:#b3261e;font-weight:600}.state-stopped,.state-created{color:#5b6573}
.err-error,.err-fatal{color:#b3261e}.err-warn{color:#8a5a00}.none{color:#5b6573}
pre{background:#fff;border:1px solid #d6dbe1;padding:.6em;overflow:auto}ul.pipelines{padding-left:1.2em}.arrow{color:#5b6573}
`;

export function renderStatusHtml(s: StatusSnapshot): string {
  const byKind = (k: Kind) => s.components.filter((c) => c.kind === k);
  const w = s.rateWindow;
  const window = w.samples < 2 ? `waiting for a second sample (one every ${w.intervalSeconds} s)` : `the last ${Math.round(w.seconds)} s (${w.samples} samples, one every ${w.intervalSeconds} s)`;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="refresh" content="${REFRESH_SECONDS}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Tributary status: ${h(s.phase)}</title>
<style>${STYLE}</style></head>
<body>
<header><h1>Tributary ${h(s.version)}</h1>
<dl class="summary">
<dt>Phase</dt><dd data-field="phase" class="state-${h(s.phase)}">${h(s.phase)}</dd>
<dt>Uptime</dt><dd data-field="uptime" data-seconds="${s.uptimeSeconds}">${formatUptime(s.uptimeSeconds)}</dd>
<dt>Started</dt><dd>${time(s.startedAt)}</dd>
<dt>Rates over</dt><dd data-field="rate_window">${h(window)}</dd>
<dt>Page</dt><dd>${time(s.generatedAt)}, refreshes every ${REFRESH_SECONDS} s · <a href="?format=json">JSON</a> · <a href="/metrics">/metrics</a></dd>
</dl></header>
${pipelines(s)}
${(['receiver', 'processor', 'exporter', 'extension'] as const).map((k) => componentTable(k, byKind(k))).join('\n')}
${errors(s)}
${config(s)}
</body></html>
`;
}
