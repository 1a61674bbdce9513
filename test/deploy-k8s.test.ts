import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { type Json, listenPorts, readK8sDocuments } from './kit/deploy-files.js';
import { CLI, ROOT, tempDir } from './kit/gateway.js';

/**
 * deploy/k8s: every manifest is a real Kubernetes (or kustomize) kind at an
 * API version that serves it, the pod's ports and probes agree with the
 * gateway config in the ConfigMap, and that config passes the gateway's own
 * `validate` command.
 */

type Obj = Record<string, Json>;
const obj = (v: Json | undefined): Obj => v as Obj;
const arr = (v: Json | undefined): Json[] => (v ?? []) as Json[];

/** apiVersion -> the kinds this repository may use from it (all served by Kubernetes 1.25 and later). */
const KINDS: Record<string, string[]> = {
  v1: ['ConfigMap', 'Service', 'ServiceAccount', 'Secret', 'Namespace'],
  'apps/v1': ['Deployment', 'StatefulSet', 'DaemonSet'],
  'autoscaling/v2': ['HorizontalPodAutoscaler'],
  'policy/v1': ['PodDisruptionBudget'],
  'kustomize.config.k8s.io/v1beta1': ['Kustomization'],
};

const DIR = join(ROOT, 'deploy/k8s');
const files = readdirSync(DIR).filter((f) => f.endsWith('.yaml'));
const docs = files.flatMap((f) => readK8sDocuments(`deploy/k8s/${f}`).map((d) => ({ file: f, doc: d })));
const one = (kind: string): Obj => {
  const found = docs.filter((d) => d.doc.kind === kind);
  expect(found, kind).toHaveLength(1);
  return found[0].doc;
};

const configMap = one('ConfigMap');
const gatewayYaml = String(obj(configMap.data)['gateway.yaml']);
const deployment = one('Deployment');
const pod = obj(obj(obj(deployment.spec).template).spec);
const container = obj(arr(pod.containers)[0]);

describe('deploy/k8s manifests', () => {
  it('are real kinds at API versions that serve them, and kustomize lists every one', () => {
    expect(docs.length).toBeGreaterThanOrEqual(7);
    for (const { file, doc } of docs) {
      const kinds = KINDS[String(doc.apiVersion)];
      expect(kinds, `${file}: apiVersion ${String(doc.apiVersion)}`).toBeDefined();
      expect(kinds, `${file}: kind ${String(doc.kind)}`).toContain(doc.kind);
      if (doc.kind !== 'Kustomization') expect(obj(doc.metadata).name, file).toBe('tributary');
    }
    const listed = arr(one('Kustomization').resources).map(String).sort();
    expect(listed).toEqual(files.filter((f) => f !== 'kustomization.yaml').sort());
  });

  it('open exactly the ports the ConfigMap config listens on', () => {
    const listening = new Set(listenPorts(gatewayYaml).values());
    const ports = arr(container.ports).map((p) => Number(obj(p).containerPort));
    expect(new Set(ports)).toEqual(listening);
    const named = new Map(arr(container.ports).map((p) => [obj(p).name, Number(obj(p).containerPort)]));
    for (const sp of arr(obj(one('Service').spec).ports)) {
      const target = obj(sp).targetPort;
      expect(typeof target === 'number' ? listening.has(target) : named.has(target), `service port ${String(obj(sp).name)}`).toBe(true);
    }
  });

  it('probe the health_check extension where the config puts it', () => {
    const hc = obj(obj(parse(gatewayYaml).extensions).health_check) as { endpoint: string; path?: string };
    const port = Number(/:(\d+)$/.exec(hc.endpoint)![1]);
    const readiness = obj(obj(container.readinessProbe).httpGet);
    expect(readiness.port).toBe(port);
    expect(readiness.path).toBe(hc.path ?? '/');
    for (const probe of ['livenessProbe', 'startupProbe']) {
      const g = obj(obj(container[probe]).httpGet);
      expect(g.port, probe).toBe(port);
      expect(g.path, probe).toBe('/livez');
    }
  });

  it('run the container as non-root with a read-only root and no capabilities, with resources set', () => {
    const podSc = obj(pod.securityContext);
    expect(podSc.runAsNonRoot).toBe(true);
    expect(Number(podSc.runAsUser)).toBeGreaterThan(0);
    const sc = obj(container.securityContext);
    expect(sc.allowPrivilegeEscalation).toBe(false);
    expect(sc.readOnlyRootFilesystem).toBe(true);
    expect(obj(sc.capabilities).drop).toEqual(['ALL']);
    expect(obj(obj(container.resources).requests).cpu).toBeDefined();
    expect(obj(obj(container.resources).limits).memory).toBeDefined();
    // The config the container is told to read is the ConfigMap's, mounted.
    const mount = obj(arr(container.volumeMounts)[0]);
    expect(arr(container.args)).toEqual(['--config', `${String(mount.mountPath)}/gateway.yaml`]);
    expect(obj(obj(arr(pod.volumes).map(obj).find((v) => v.name === mount.name)).configMap).name).toBe('tributary');
    // The grace period outlasts the gateway's drain.
    expect(Number(pod.terminationGracePeriodSeconds)).toBeGreaterThan(30);
  });

  it('scale and protect the Deployment they define', () => {
    const hpa = obj(one('HorizontalPodAutoscaler').spec);
    expect(obj(hpa.scaleTargetRef)).toEqual({ apiVersion: 'apps/v1', kind: 'Deployment', name: 'tributary' });
    expect(Number(hpa.minReplicas)).toBeGreaterThanOrEqual(2);
    const selector = obj(obj(deployment.spec).selector).matchLabels;
    expect(obj(obj(one('PodDisruptionBudget').spec).selector).matchLabels).toEqual(selector);
    expect(obj(one('Service').spec).selector).toEqual(selector);
  });

  it("have a ConfigMap config that the gateway's validate command accepts", async () => {
    if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run "npm run build" first (npm test does this)`);
    const dir = await tempDir();
    const file = join(dir, 'gateway.yaml');
    writeFileSync(file, gatewayYaml);
    const env = Object.fromEntries(arr(container.env).map((e) => [String(obj(e).name), String(obj(e).value)]));
    const r = spawnSync(process.execPath, [CLI, 'validate', '--config', file], { env: { ...process.env, ...env }, encoding: 'utf8' });
    expect(`${r.stdout}${r.stderr}`).toContain('configuration is valid');
    expect(r.status).toBe(0);
  });
});
