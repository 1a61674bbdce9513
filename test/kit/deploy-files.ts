import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse, parseAllDocuments, type Tags } from 'yaml';
import { ROOT } from './gateway.js';

/**
 * Readers for the files under deploy/: CloudFormation YAML with its short
 * intrinsic tags, Kubernetes multi-document YAML, and the ports a gateway
 * config listens on.
 */

const SEQ_FUNCTIONS = ['If', 'Equals', 'Not', 'Or', 'And', 'Select', 'Split', 'Join', 'FindInMap', 'Cidr'];

/** CloudFormation's short forms, read into their long forms (`!Ref X` -> `{Ref: X}`). */
const CFN_TAGS: Tags = [
  { tag: '!Ref', resolve: (s: string) => ({ Ref: s }) },
  { tag: '!Condition', resolve: (s: string) => ({ Condition: s }) },
  { tag: '!Sub', resolve: (s: string) => ({ 'Fn::Sub': s }) },
  { tag: '!GetAtt', resolve: (s: string) => ({ 'Fn::GetAtt': s.split('.') }) },
  { tag: '!ImportValue', resolve: (s: string) => ({ 'Fn::ImportValue': s }) },
  { tag: '!GetAZs', resolve: (s: string) => ({ 'Fn::GetAZs': s }) },
  { tag: '!Base64', resolve: (s: string) => ({ 'Fn::Base64': s }) },
  ...SEQ_FUNCTIONS.map((f) => ({
    tag: `!${f}`,
    collection: 'seq' as const,
    resolve: (seq: { toJSON(): unknown }) => ({ [`Fn::${f}`]: seq.toJSON() }),
  })),
];

export type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

export function readCfnTemplate(relPath: string): Record<string, Json> {
  return parse(readFileSync(join(ROOT, relPath), 'utf8'), { customTags: CFN_TAGS }) as Record<string, Json>;
}

export function readK8sDocuments(relPath: string): Record<string, Json>[] {
  return parseAllDocuments(readFileSync(join(ROOT, relPath), 'utf8'))
    .map((d) => {
      if (d.errors.length > 0) throw new Error(`${relPath}: ${d.errors.map((e) => e.message).join('; ')}`);
      return d.toJS() as Record<string, Json> | null;
    })
    .filter((d): d is Record<string, Json> => d !== null);
}

/** Both branches of every Fn::If, flattened: what a value can be under some parameters. */
export function branches(v: Json): Json[] {
  if (v !== null && typeof v === 'object' && !Array.isArray(v) && 'Fn::If' in v) {
    const [, a, b] = v['Fn::If'] as Json[];
    return [...branches(a), ...branches(b)].filter((x) => !(x !== null && typeof x === 'object' && !Array.isArray(x) && x.Ref === 'AWS::NoValue'));
  }
  return [v];
}

function hostPort(endpoint: unknown, where: string): number {
  const m = /:(\d+)$/.exec(String(endpoint));
  if (m === null) throw new Error(`${where}: no port in ${String(endpoint)}`);
  return Number(m[1]);
}

/**
 * The TCP ports a gateway config listens on: receivers' `endpoint`s (and the
 * OTLP receiver's per protocol), extensions' `endpoint`s, the self-metrics
 * address. Keys by what listens there.
 */
export function listenPorts(configYaml: string): Map<string, number> {
  const c = parse(configYaml) as Record<string, Record<string, Record<string, unknown>> | undefined>;
  const out = new Map<string, number>();
  for (const [id, r] of Object.entries(c.receivers ?? {})) {
    const protocols = (r ?? {}).protocols as Record<string, { endpoint?: string } | null> | undefined;
    if (protocols !== undefined) {
      for (const [p, v] of Object.entries(protocols)) out.set(`${id}/${p}`, hostPort(v?.endpoint, `receivers::${id}::protocols::${p}`));
    } else {
      out.set(id, hostPort((r ?? {}).endpoint, `receivers::${id}`));
    }
  }
  for (const [id, e] of Object.entries(c.extensions ?? {})) {
    if (e !== null && typeof e === 'object' && 'endpoint' in e) out.set(id, hostPort(e.endpoint, `extensions::${id}`));
  }
  const telemetry = (c.service ?? {}).telemetry as { metrics?: { address?: string } } | undefined;
  if (telemetry?.metrics?.address !== undefined) out.set('telemetry', hostPort(telemetry.metrics.address, 'service::telemetry::metrics'));
  return out;
}

/** cfn-lint's findings for the templates ('' when clean); fails with the install hint when it is missing. */
export function cfnLint(paths: readonly string[]): { status: number | null; output: string } {
  const probe = spawnSync('cfn-lint', ['--version'], { encoding: 'utf8' });
  if (probe.error !== undefined || probe.status !== 0) {
    throw new Error('cfn-lint is not installed; install it with: pip install cfn-lint (or apt-get install python3-pip && pip install cfn-lint)');
  }
  const r = spawnSync('cfn-lint', ['--', ...paths], { cwd: ROOT, encoding: 'utf8' });
  return { status: r.status, output: `${r.stdout}${r.stderr}` };
}
