import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { snappyUncompress } from '../src/exporters/helper/snappy.js';
import { decodeWriteRequest } from '../src/test-kit/prompb-schema.js';
import { buildImage, chrootCommand, ensureBaseImage, type ImageConfig, imageConfig, requireContainerTools, type UnpackedContainer, unpackContainer } from './kit/container-image.js';
import { ROOT } from './kit/gateway.js';
import { type HttpRecorder, startHttpRecorder } from './kit/http-recorder.js';
import { gaugeRequestOf, postOtlp } from './kit/otlp-send.js';
import { freePorts, waitUntil } from './kit/ports.js';
import { type PeerProcess, startPeer } from './kit/process.js';
import { NODE_FLAGS } from '../src/node-flags.js';

/**
 * The Dockerfile, built and run as an operator would, without a registry or
 * a Docker daemon: podman builds it on a locally made Node.js 24 base image,
 * and the image's own entrypoint, command, user and environment run under
 * chroot with a config override that moves the listeners to free local ports
 * and AWS_PROMETHEUS_ENDPOINT pointing at a recorder standing in for AMP.
 *
 * First run: debootstrap and the npm install in the build (several minutes).
 * Later runs reuse the cache in the OS temp dir (test/kit/container-image.ts).
 */

const TAG = `localhost/tributary:e2e-${createHash('sha256').update(ROOT).digest('hex').slice(0, 8)}`;
const TOKEN = 'e2e-influx-token-0123456789';
/** PATH for the host's unshare/chroot and then for the image's own programs. */
const PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

let config: ImageConfig;
let box: UnpackedContainer | undefined;
let amp: HttpRecorder | undefined;
let gw: PeerProcess | undefined;
let ports: { grpc: number; http: number; influx: number; rw: number; health: number; telemetry: number };

beforeAll(async () => {
  requireContainerTools();
  const base = await ensureBaseImage((s) => process.stderr.write(`container test: ${s}\n`));
  await buildImage(ROOT, base, TAG);
  config = await imageConfig(TAG);
  box = await unpackContainer(TAG, `tributary-e2e-${process.pid}`);
}, 1_500_000);

afterAll(async () => {
  await gw?.stop();
  await amp?.close();
  await box?.remove();
});

describe('the container image', () => {
  it('runs as a numeric non-root user, with the entrypoint, ports and health check it documents', () => {
    const [uid, gid] = (config.User ?? '').split(':');
    expect(uid).toMatch(/^\d+$/);
    expect(Number(uid)).toBeGreaterThan(0);
    expect(Number(gid)).toBeGreaterThan(0);
    expect(config.Entrypoint).toEqual(['node', ...NODE_FLAGS, '/app/dist/cli.js']);
    expect(config.Cmd).toEqual(['--config', '/etc/tributary/config.yaml']);
    expect(Object.keys(config.ExposedPorts ?? {}).sort()).toEqual(['13133/tcp', '19291/tcp', '4317/tcp', '4318/tcp', '4320/tcp', '8086/tcp', '8888/tcp']);
    expect(config.Healthcheck?.Test?.slice(0, 3)).toEqual(['CMD', 'node', '-e']);
    expect(config.Env).toContain('NODE_ENV=production');
  });

  it('holds the compiled gateway and production dependencies only', () => {
    const app = join(box!.dir, 'app');
    expect(existsSync(join(app, 'dist', 'cli.js'))).toBe(true);
    expect(existsSync(join(app, 'node_modules', 'fastify', 'package.json'))).toBe(true);
    // Every package the lockfile marks dev-only (vitest, typescript and what they pull in) is absent.
    const lock = JSON.parse(readFileSync(join(ROOT, 'package-lock.json'), 'utf8')) as { packages: Record<string, { dev?: boolean }> };
    const devOnly = Object.entries(lock.packages).filter(([path, p]) => p.dev === true && path.startsWith('node_modules/'));
    expect(devOnly.map(([path]) => path)).toContain('node_modules/vitest');
    const present = devOnly.filter(([path]) => existsSync(join(app, path))).map(([path]) => path);
    expect(present).toEqual([]);
    expect(existsSync(join(app, 'src'))).toBe(false);
    expect(readFileSync(join(box!.dir, 'etc/tributary/config.yaml'), 'utf8')).toBe(readFileSync(join(ROOT, 'deploy/container/config.yaml'), 'utf8'));
    // The image's Node.js is the 24 LTS line the Dockerfile asks for.
    expect(readFileSync(join(box!.dir, 'usr/local/bin/node')).includes(Buffer.from('v24.'))).toBe(true);
  });

  it('runs its own command as that user and delivers OTLP and Influx data to AMP, signed', async () => {
    const [grpc, http, influx, rw, health, telemetry] = await freePorts(6);
    ports = { grpc, http, influx, rw, health, telemetry };
    amp = await startHttpRecorder();
    const dir = box!.dir;
    // Only the listeners move; everything else is the image's own config.
    writeFileSync(
      join(dir, 'tmp/override.yaml'),
      `receivers:
  otlp:
    protocols:
      grpc: {endpoint: 127.0.0.1:${grpc}}
      http: {endpoint: 127.0.0.1:${http}}
  influxdb: {endpoint: 127.0.0.1:${influx}}
  prometheusremotewrite: {endpoint: 127.0.0.1:${rw}}
extensions:
  health_check: {endpoint: 127.0.0.1:${health}}
service:
  telemetry:
    metrics: {address: 127.0.0.1:${telemetry}}
`,
    );
    writeFileSync(join(dir, 'tmp/tokens.yaml'), `- {token: ${TOKEN}, name: site-a, attributes: {site: paris}}\n`);
    const env: Record<string, string> = {};
    for (const kv of config.Env ?? []) env[kv.slice(0, kv.indexOf('='))] = kv.slice(kv.indexOf('=') + 1);
    Object.assign(env, {
      AWS_PROMETHEUS_ENDPOINT: `${amp.url}/workspaces/ws-e2e/api/v1/remote_write`,
      AWS_REGION: 'eu-west-1',
      AWS_ACCESS_KEY_ID: 'AKIDCONTAINERE2E',
      AWS_SECRET_ACCESS_KEY: 'container-e2e-secret',
      TRIBUTARY_PUSH_TOKENS_FILE: '/tmp/tokens.yaml',
    });
    const [cmd, args] = chrootCommand(dir, config.User!, [...config.Entrypoint!, ...config.Cmd!, '--config', '/tmp/override.yaml']);
    // A clean environment: the image's, plus what the task definition would set.
    const clean = Object.fromEntries(Object.keys(process.env).map((k) => [k, undefined])) as unknown as Record<string, string>;
    gw = await startPeer(
      'the gateway in the image',
      cmd,
      args,
      async () => (await fetch(`http://127.0.0.1:${health}/`)).ok,
      { env: { ...clean, PATH, ...env } },
    );

    // The process is the image's user, not root.
    const status = readFileSync(`/proc/${gw.proc.pid}/status`, 'utf8');
    expect(/^Uid:\s+(\d+)/m.exec(status)?.[1]).toBe(config.User!.split(':')[0]);

    const now = Date.now();
    expect(await postOtlp(`http://127.0.0.1:${http}/v1/metrics`, gaugeRequestOf([{ name: 'container_e2e_gauge', value: 42, timeMs: now }], { 'service.name': 'checkout', 'service.instance.id': 'i-1' }))).toBe(200);
    const unauth = await fetch(`http://127.0.0.1:${influx}/api/v2/write?bucket=b&precision=ms`, { method: 'POST', body: `room,host=a temp=21.5 ${now}` });
    expect(unauth.status).toBe(401);
    const write = await fetch(`http://127.0.0.1:${influx}/api/v2/write?bucket=b&precision=ms`, { method: 'POST', headers: { authorization: `Token ${TOKEN}` }, body: `room,host=a temp=21.5 ${now}` });
    expect(write.status).toBe(204);

    const seen = new Map<string, Record<string, string>>();
    await waitUntil(
      () => {
        for (const r of amp!.requests) {
          for (const s of decodeWriteRequest(snappyUncompress(r.body)).series) seen.set(s.labels.__name__, s.labels);
        }
        return seen.has('container_e2e_gauge') && seen.has('room_temp');
      },
      'both series at the AMP stand-in',
      60_000,
    );
    expect(seen.get('container_e2e_gauge')).toMatchObject({ job: 'checkout', instance: 'i-1' });
    expect(seen.get('room_temp')).toMatchObject({ host: 'a' });
    const req = amp.requests[0];
    expect(req.url).toBe('/workspaces/ws-e2e/api/v1/remote_write');
    expect(String(req.headers.authorization)).toMatch(/^AWS4-HMAC-SHA256 Credential=AKIDCONTAINERE2E\/\d{8}\/eu-west-1\/aps\/aws4_request/);
  }, 180_000);

  it("answers the image's HEALTHCHECK command", async () => {
    expect(gw).toBeDefined();
    const probe = config.Healthcheck!.Test!.slice(1).map((a) => a.replace('13133', String(ports.health)));
    const [cmd, args] = chrootCommand(box!.dir, config.User!, probe);
    const probeOnce = (): string => {
      const r = spawnSync(cmd, args, { env: { PATH }, timeout: 30_000, encoding: 'utf8' });
      return `exit ${r.status} ${r.stderr}`.trim();
    };
    expect(probeOnce()).toBe('exit 0');
    await gw!.stop();
    gw = undefined;
    expect(probeOnce()).toBe('exit 1');
  });
});
