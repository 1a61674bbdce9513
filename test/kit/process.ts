import { type ChildProcess, spawn } from 'node:child_process';
import { waitUntil } from './ports.js';

/**
 * A peer server run by a test: started with its output captured, considered
 * up when `ready` says so, stopped by its own process id.
 */
export interface PeerProcess {
  readonly proc: ChildProcess;
  output(): string;
  stop(): Promise<void>;
  /** Stops it hard (SIGKILL), as a crash would. */
  kill(): Promise<void>;
}

export async function startPeer(name: string, cmd: string, args: string[], ready: () => Promise<boolean>, opts: { cwd?: string; env?: Record<string, string> } = {}): Promise<PeerProcess> {
  const proc = spawn(cmd, args, { cwd: opts.cwd, env: { ...process.env, ...opts.env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  proc.stdout!.on('data', (d: Buffer) => (out = (out + d.toString()).slice(-20_000)));
  proc.stderr!.on('data', (d: Buffer) => (out = (out + d.toString()).slice(-20_000)));
  const exited = new Promise<void>((resolve) => proc.on('exit', () => resolve()));
  let dead = false;
  void exited.then(() => (dead = true));
  const signal = (sig: NodeJS.Signals): void => {
    if (!dead && proc.pid !== undefined) process.kill(proc.pid, sig);
  };
  try {
    await waitUntil(async () => {
      if (dead) throw new Error('exited');
      return ready();
    }, `${name} to start`, 30_000);
  } catch (err) {
    signal('SIGKILL');
    throw new Error(`${name} did not start (${(err as Error).message}): ${out}`);
  }
  if (dead) throw new Error(`${name} exited during start: ${out}`);
  return {
    proc,
    output: () => out,
    stop: async () => {
      signal('SIGTERM');
      const t = setTimeout(() => signal('SIGKILL'), 10_000);
      await exited;
      clearTimeout(t);
    },
    kill: async () => {
      signal('SIGKILL');
      await exited;
    },
  };
}
