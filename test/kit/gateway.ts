import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { NODE_FLAGS } from '../../src/node-flags.js';
import { testTempDir } from '../../src/test-kit/temp-dirs.js';
import { waitUntil } from './ports.js';

/**
 * Runs the built gateway (dist/cli.js) as a separate process, as operators
 * run it (with the product's NODE_FLAGS), so tests can signal and kill it. Stopped by its own process id.
 */

export const ROOT = resolve(import.meta.dirname, '..', '..');
export const CLI = join(ROOT, 'dist', 'cli.js');

export interface GatewayProcess {
  readonly proc: ChildProcess;
  readonly dir: string;
  /** Everything the process wrote to stderr/stdout so far (JSON log lines). */
  logs(): string;
  /** Resolves with the exit code. */
  readonly exited: Promise<number | null>;
  signal(sig: NodeJS.Signals): void;
  stop(): Promise<number | null>;
}

/** A temporary directory, removed after the test file (see src/test-kit/temp-dirs.ts). */
export async function tempDir(prefix = 'tributary-test-'): Promise<string> {
  return testTempDir(prefix);
}

/**
 * Starts the built gateway with `configYaml` (undefined: no --config, so the
 * embedded default, usually with --set overrides in `args`).
 */
export async function startGateway(configYaml: string | undefined, opts: { readyUrl?: string; env?: Record<string, string>; dir?: string; args?: string[]; readyTimeoutMs?: number } = {}): Promise<GatewayProcess> {
  if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run "npm run build" first (npm test does this)`);
  const dir = opts.dir ?? (await tempDir());
  const cfgArgs: string[] = [];
  if (configYaml !== undefined) {
    const cfgPath = join(dir, 'config.yaml');
    await writeFile(cfgPath, configYaml);
    cfgArgs.push('--config', cfgPath);
  }
  const proc = spawn(process.execPath, [...NODE_FLAGS, CLI, ...cfgArgs, ...(opts.args ?? [])], {
    cwd: dir,
    env: { ...process.env, ...opts.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  proc.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  proc.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<number | null>((res) => proc.on('exit', (code) => res(code)));
  const g: GatewayProcess = {
    proc,
    dir,
    logs: () => out,
    exited,
    signal: (sig) => {
      if (proc.exitCode === null && proc.pid !== undefined) process.kill(proc.pid, sig);
    },
    stop: async () => {
      g.signal('SIGTERM');
      const t = setTimeout(() => g.signal('SIGKILL'), 20_000);
      const code = await exited;
      clearTimeout(t);
      return code;
    },
  };
  const ready = waitUntil(async () => {
    if (opts.readyUrl !== undefined) return (await fetch(opts.readyUrl)).ok;
    return out.includes('"gateway running"');
  }, 'the gateway to be ready', opts.readyTimeoutMs ?? 20_000).then(() => 'ready' as const);
  let outcome: 'ready' | 'exited';
  try {
    outcome = await Promise.race([ready, exited.then(() => 'exited' as const)]);
  } catch (err) {
    g.signal('SIGKILL');
    throw new Error(`gateway did not start (${(err as Error).message}); its output:\n${out}`);
  }
  if (outcome === 'exited') throw new Error(`gateway exited during start (code ${proc.exitCode}); its output:\n${out}`);
  return g;
}
