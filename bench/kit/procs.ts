import { type ChildProcess, spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { NODE_FLAGS } from '../../src/node-flags.js';
import { testTempDir } from '../../src/test-kit/temp-dirs.js';

/** Processes a benchmark runs: started here, stopped by their process id. */
export const ROOT = resolve(import.meta.dirname, '..', '..', '..');

export interface Proc {
  readonly pid: number;
  readonly proc: ChildProcess;
  output(): string;
  stop(): Promise<void>;
}

export async function run(cmd: string, args: string[], ready: (output: string) => Promise<boolean>, env: Record<string, string> = {}): Promise<Proc> {
  const proc = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env } });
  let out = '';
  proc.stdout!.on('data', (d: Buffer) => (out = (out + d.toString()).slice(-10000)));
  proc.stderr!.on('data', (d: Buffer) => (out = (out + d.toString()).slice(-10000)));
  const exited = new Promise<void>((r) => proc.on('exit', () => r()));
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (proc.exitCode !== null) throw new Error(`${cmd} exited: ${out}`);
    try {
      if (await ready(out)) break;
    } catch {
      // not yet
    }
    if (Date.now() > deadline) {
      proc.kill('SIGKILL');
      throw new Error(`${cmd} did not become ready: ${out}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    pid: proc.pid!,
    proc,
    output: () => out,
    stop: async () => {
      if (proc.exitCode === null) process.kill(proc.pid!, 'SIGTERM');
      const t = setTimeout(() => proc.exitCode === null && process.kill(proc.pid!, 'SIGKILL'), 10_000);
      await exited;
      clearTimeout(t);
    },
  };
}

/** Removed when the benchmark run ends (bench/run.ts). */
export function tempDir(): string {
  return testTempDir('tributary-bench-');
}

export async function startSink(port: number): Promise<Proc> {
  return run(process.execPath, [join(ROOT, 'build', 'bench', 'kit', 'rw-sink.js'), String(port)], async () => (await fetch(`http://127.0.0.1:${port}/stats`)).ok);
}

export interface SinkStats {
  readonly requests: number;
  readonly samples: number;
  readonly bytes: number;
}

export async function sinkStats(port: number): Promise<SinkStats> {
  return (await (await fetch(`http://127.0.0.1:${port}/stats`)).json()) as SinkStats;
}

export async function sinkSamples(port: number): Promise<number> {
  return (await sinkStats(port)).samples;
}

export async function waitForSamples(port: number, want: number, timeoutMs = 120_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const n = await sinkSamples(port);
    if (n >= want) return;
    if (Date.now() > end) throw new Error(`sink has ${n} samples, expected ${want}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Starts the built gateway; ready once `probeUrl` answers at all (any status). */
export async function startGateway(configYaml: string, probeUrl: string, env: Record<string, string> = {}): Promise<Proc> {
  const dir = tempDir();
  const cfg = join(dir, 'config.yaml');
  writeFileSync(cfg, configYaml);
  return run(process.execPath, [...NODE_FLAGS, ...(process.env.BENCH_GATEWAY_NODE_ARGS ?? '').split(' ').filter(Boolean), join(ROOT, 'dist', 'cli.js'), '--config', cfg], async () => {
    await fetch(probeUrl);
    return true;
  }, env);
}

/** Static AWS keys both sides of a remote-write benchmark sign with. */
export const BENCH_AWS_KEYS = { AWS_ACCESS_KEY_ID: 'AKIABENCHBENCHBENCH1', AWS_SECRET_ACCESS_KEY: 'benchsecretbenchsecretbenchsecretbench12', AWS_REGION: 'us-east-1' };

/** vmagent forwarding remote write to `sinkPort` with SigV4 and 4 queues, plus `extra` flags. */
export async function startVmagent(port: number, sinkPort: number, extra: string[] = []): Promise<Proc> {
  return run(
    'vmagent',
    [
      `-httpListenAddr=127.0.0.1:${port}`,
      `-remoteWrite.url=http://127.0.0.1:${sinkPort}/api/v1/write`,
      `-remoteWrite.tmpDataPath=${tempDir()}`,
      ...extra,
      '-remoteWrite.aws.useSigv4',
      '-remoteWrite.aws.region=us-east-1',
      `-remoteWrite.aws.accessKey=${BENCH_AWS_KEYS.AWS_ACCESS_KEY_ID}`,
      `-remoteWrite.aws.secretKey=${BENCH_AWS_KEYS.AWS_SECRET_ACCESS_KEY}`,
      '-remoteWrite.queues=4',
      '-loggerLevel=ERROR',
    ],
    async () => (await fetch(`http://127.0.0.1:${port}/health`)).ok,
  );
}
