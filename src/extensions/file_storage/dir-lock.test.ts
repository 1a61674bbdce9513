import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../../telemetry/logger.js';
import { rejection } from '../../test-kit/record-queue-suite.js';
import { LOCK_FILE, acquireDirLock } from './dir-lock.js';
import { nodeQueueFs } from './queue-fs.js';

const children: ChildProcess[] = [];
const dirs: string[] = [];

afterEach(async () => {
  for (const c of children.splice(0)) if (c.exitCode === null && c.signalCode === null && c.pid !== undefined) process.kill(c.pid, 'SIGKILL');
  for (const d of dirs.splice(0)) await rm(d, { recursive: true, force: true });
});

async function newDir(): Promise<string> {
  const d = await mkdtemp(join(tmpdir(), 'trib-lock-'));
  dirs.push(d);
  return d;
}

/** A live process that is not this one, stopped by its pid. */
function sleeper(): { child: ChildProcess; exited: Promise<void> } {
  const child = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1e6)'], { stdio: 'ignore' });
  children.push(child);
  return { child, exited: new Promise((r) => child.on('exit', () => r())) };
}

const acquire = (dir: string, timeoutMs = 0) => acquireDirLock(nodeQueueFs, dir, { timeoutMs, logger: silentLogger(), fsync: true });

describe('queue directory lock', () => {
  it('fails while a live process owns the lock, naming it, and takes over once it died', async () => {
    const dir = await newDir();
    const { child, exited } = sleeper();
    await writeFile(join(dir, LOCK_FILE), JSON.stringify({ pid: child.pid, host: hostname() }));
    const err = await rejection(acquire(dir));
    expect(err.code).toBe('TRIB_ERR_STORAGE_LOCKED');
    expect(err.message).toContain(`process ${child.pid}`);
    process.kill(child.pid!, 'SIGKILL');
    await exited;
    const lock = await acquire(dir);
    await lock.release();
    expect(await readdir(dir)).toEqual([]);
  });

  it('waits up to its timeout for a live owner to go away', async () => {
    const dir = await newDir();
    const { child } = sleeper();
    await writeFile(join(dir, LOCK_FILE), JSON.stringify({ pid: child.pid, host: hostname() }));
    setTimeout(() => process.kill(child.pid!, 'SIGKILL'), 150);
    const lock = await acquire(dir, 10_000);
    await lock.release();
  });

  it('refuses a second owner in the same process until the first releases', async () => {
    const dir = await newDir();
    const first = await acquire(dir);
    expect((await rejection(acquire(dir))).message).toMatch(/this process/);
    await first.release();
    await (await acquire(dir)).release();
  });

  it('takes over a lock written on another host, and sweeps the leftovers of dead lockers', async () => {
    const dir = await newDir();
    await writeFile(join(dir, LOCK_FILE), JSON.stringify({ pid: 1, host: `not-${hostname()}` }));
    const { child, exited } = sleeper();
    process.kill(child.pid!, 'SIGKILL');
    await exited;
    await writeFile(join(dir, `${LOCK_FILE}.${child.pid}.00aa11bb22cc.tmp`), 'x');
    const lock = await acquire(dir);
    expect((await readdir(dir)).sort()).toEqual([LOCK_FILE]);
    await lock.release();
  });
});
