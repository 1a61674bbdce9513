import { readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';

/**
 * Reads Grafana dashboard JSON files and lists what they ask Prometheus:
 * every panel target's `expr` and every query variable's `label_values`,
 * with template variables replaced by values a test can run. New panels
 * are picked up without touching the test.
 */

export interface DashboardQuery {
  readonly dashboard: string;
  readonly panel: string;
  readonly refId: string;
  /** The expression as written in the dashboard. */
  readonly raw: string;
  /** Ready to send to Prometheus. */
  readonly expr: string;
}

export interface LabelValuesQuery {
  readonly dashboard: string;
  readonly variable: string;
  readonly selector: string;
  readonly label: string;
}

export interface DatasourceRef {
  readonly type?: string;
  readonly uid?: string;
}

export interface Target {
  readonly refId?: string;
  readonly expr?: string;
  readonly datasource?: DatasourceRef;
}

export interface Panel {
  readonly id?: number;
  readonly type?: string;
  readonly title?: string;
  readonly datasource?: DatasourceRef;
  readonly targets?: readonly Target[];
  readonly panels?: readonly Panel[];
}

export interface Variable {
  readonly name: string;
  readonly type: string;
  readonly query?: string | { readonly query?: string };
  readonly datasource?: DatasourceRef;
}

export interface Dashboard {
  readonly uid?: string;
  readonly title?: string;
  readonly schemaVersion?: number;
  readonly panels: readonly Panel[];
  readonly templating?: { readonly list: readonly Variable[] };
}

export interface DashboardFile {
  readonly file: string;
  readonly dashboard: Dashboard;
}

export async function readDashboards(dir: string): Promise<DashboardFile[]> {
  const files = (await readdir(dir)).filter((f) => f.endsWith('.json')).sort();
  return Promise.all(files.map(async (file) => ({ file, dashboard: JSON.parse(await readFile(join(dir, file), 'utf8')) as Dashboard })));
}

/** Every panel, rows' nested panels included. */
export function allPanels(d: Dashboard): Panel[] {
  const out: Panel[] = [];
  const walk = (ps: readonly Panel[]) => {
    for (const p of ps) {
      out.push(p);
      if (p.panels !== undefined) walk(p.panels);
    }
  };
  walk(d.panels);
  return out;
}

/** Values for Grafana's built-in variables; dashboard variables become ".*" (their "All") unless given. */
const BUILT_INS: Readonly<Record<string, string>> = {
  __rate_interval: '1m',
  __interval: '15s',
  __range: '5m',
  __range_s: '300',
  __interval_ms: '15000',
};

export function substitute(expr: string, variables: readonly string[], values: Readonly<Record<string, string>> = {}): string {
  const value = (name: string): string => {
    if (name in BUILT_INS) return BUILT_INS[name];
    if (variables.includes(name)) return values[name] ?? '.*';
    throw new Error(`"${expr}" uses $${name}, which is neither a dashboard variable nor a known built-in`);
  };
  return expr
    .replace(/\$\{(\w+)(?::\w+)?\}/g, (_m, n: string) => value(n))
    .replace(/\[\[(\w+)\]\]/g, (_m, n: string) => value(n))
    .replace(/\$(\w+)/g, (_m, n: string) => value(n));
}

export function variableNames(d: Dashboard): string[] {
  return (d.templating?.list ?? []).map((v) => v.name);
}

export function panelQueries(f: DashboardFile, values: Readonly<Record<string, string>> = {}): DashboardQuery[] {
  const vars = variableNames(f.dashboard);
  const out: DashboardQuery[] = [];
  for (const p of allPanels(f.dashboard)) {
    for (const t of p.targets ?? []) {
      if (t.expr === undefined) continue;
      out.push({ dashboard: f.file, panel: p.title ?? `#${p.id}`, refId: t.refId ?? '?', raw: t.expr, expr: substitute(t.expr, vars, values) });
    }
  }
  return out;
}

/** `label_values(selector, label)` variables, with the selector's variables substituted. */
export function labelValuesQueries(f: DashboardFile, values: Readonly<Record<string, string>> = {}): LabelValuesQuery[] {
  const vars = variableNames(f.dashboard);
  const out: LabelValuesQuery[] = [];
  for (const v of f.dashboard.templating?.list ?? []) {
    if (v.type !== 'query') continue;
    const q = typeof v.query === 'string' ? v.query : (v.query?.query ?? '');
    const m = /^label_values\((.*),\s*(\w+)\)$/.exec(q.trim());
    if (m === null) throw new Error(`${f.file}: variable ${v.name} has a query this check does not understand: ${q}`);
    out.push({ dashboard: f.file, variable: v.name, selector: substitute(m[1], vars, values), label: m[2] });
  }
  return out;
}
