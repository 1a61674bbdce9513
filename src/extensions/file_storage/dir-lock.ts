import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { Errors } from '../../errors/catalogue.js';
import { TributaryError } from '../../errors/tributary-error.js';
import type { Logger } from '../../telemetry/logger.js';
import { type QueueFs, errnoCode, writeAll } from './queue-fs.js';

/**
 * Exclusive ownership of a queue directory by one process, through a lock
 * file `LOCK` holding the owner's pid, host and (on Linux) process start
 * time. The file is created atomically (a complete temporary file linked to
 * the name, which fails if the name exists). A lock whose process is gone
 * (no such pid, a zombie, or the pid now belongs to a process started at
 * another time) is stale and taken over; a live owner makes acquire fail
 * with TRIB_ERR_STORAGE_LOCKED after waiting up to `timeoutMs`.
 *
 * Liveness can only be checked on this host. A lock written under another
 * host name (a container restarted with a new name on the same volume) is
 * taken over with a warning: a queue directory must not be shared between
 * hosts over a network file system.
 */
export const LOCK_FILE = 'LOCK';

interface Owner {
  readonly pid: number;
  readonly host: string;
  readonly start?: string;
}

export interface DirLock {
  readonly path: string;
  /** Removes the lock file if it is still ours. */
  release(): Promise<void>;
}

export async function acquireDirLock(fs: QueueFs, dir: string, opts: { timeoutMs: number; logger: Logger; fsync: boolean }): Promise<DirLock> {
  const path = join(dir, LOCK_FILE);
  const me: Owner = { pid: process.pid, host: hostname(), start: procStart(process.pid) };
  const nonce = randomBytes(6).toString('hex');
  const content = `${JSON.stringify({ ...me, created: new Date().toISOString(), nonce })}\n`;
  const tmp = join(dir, `${LOCK_FILE}.${process.pid}.${nonce}.tmp`);
  const f = await fs.open(tmp, 'replace');
  try {
    await writeAll(f, [Buffer.from(content)], 0);
    if (opts.fsync) await f.sync();
  } finally {
    await f.close();
  }
  const deadline = Date.now() + opts.timeoutMs;
  try {
    for (let attempt = 0; ; attempt++) {
      if (await tryLink(fs, tmp, path, content)) {
        if (opts.fsync) await fs.syncDir(dir);
        await sweepLeftovers(fs, dir);
        return { path, release: () => releaseIfOurs(fs, path, content) };
      }
      const raw = await readOrUndefined(fs, path);
      if (raw === undefined) continue; // removed meanwhile: try again
      const owner = parseOwner(raw);
      if (owner !== undefined && isAlive(owner)) {
        if (Date.now() >= deadline) {
          const who = owner.pid === process.pid ? 'this process (the queue is already open)' : `process ${owner.pid} on ${owner.host}`;
          throw new TributaryError(Errors.STORAGE_LOCKED, `queue directory ${dir} is in use by ${who}; lock file ${path}. Each gateway process needs its own file_storage directory.`);
        }
        await sleep(Math.min(50, Math.max(1, deadline - Date.now())));
        continue;
      }
      const why = owner === undefined ? 'unreadable' : owner.host !== hostname() ? `written on host ${owner.host}, which cannot be checked from here` : 'its process is gone';
      opts.logger.warn({ lock: path, owner: owner ?? raw.slice(0, 200) }, `taking over a stale queue lock (${why})`);
      await removeStale(fs, path, raw);
      if (attempt > 100) throw new TributaryError(Errors.STORAGE_LOCKED, `could not take the lock ${path}: other processes keep taking it`);
    }
  } finally {
    await fs.unlink(tmp).catch(() => undefined);
  }
}

/** Creates the lock from the complete temporary file; false if a lock exists. */
async function tryLink(fs: QueueFs, tmp: string, path: string, content: string): Promise<boolean> {
  try {
    await fs.link(tmp, path);
    return true;
  } catch (err) {
    const code = errnoCode(err);
    if (code === 'EEXIST') return false;
    if (code !== 'EPERM' && code !== 'ENOTSUP' && code !== 'EOPNOTSUPP') throw err;
  }
  // File systems without hard links: an exclusive create, then the content.
  try {
    const f = await fs.open(path, 'create');
    try {
      await writeAll(f, [Buffer.from(content)], 0);
    } finally {
      await f.close();
    }
    return true;
  } catch (err) {
    if (errnoCode(err) === 'EEXIST') return false;
    throw err;
  }
}

/**
 * Moves a stale lock aside and deletes it, unless another process took it
 * over in between (then its fresh lock is put back).
 */
async function removeStale(fs: QueueFs, path: string, staleRaw: string): Promise<void> {
  const aside = `${path}.stale-${process.pid}-${randomBytes(4).toString('hex')}`;
  try {
    await fs.rename(path, aside);
  } catch (err) {
    if (errnoCode(err) === 'ENOENT') return;
    throw err;
  }
  const moved = await readOrUndefined(fs, aside);
  if (moved !== undefined && moved !== staleRaw) await fs.link(aside, path).catch(() => undefined);
  await fs.unlink(aside).catch(() => undefined);
}

/** Deletes the temporary and set-aside lock files of processes that died while taking a lock. */
async function sweepLeftovers(fs: QueueFs, dir: string): Promise<void> {
  for (const name of await fs.readdir(dir)) {
    const m = /^LOCK\.(?:stale-)?(\d+)[.-][0-9a-f]+(?:\.tmp)?$/.exec(name);
    if (m !== null && !isAlive({ pid: Number(m[1]), host: hostname() })) await fs.unlink(join(dir, name)).catch(() => undefined);
  }
}

async function releaseIfOurs(fs: QueueFs, path: string, content: string): Promise<void> {
  if ((await readOrUndefined(fs, path)) === content) await fs.unlink(path).catch(() => undefined);
}

async function readOrUndefined(fs: QueueFs, path: string): Promise<string | undefined> {
  try {
    return (await fs.readFile(path)).toString('utf8');
  } catch (err) {
    if (errnoCode(err) === 'ENOENT') return undefined;
    throw err;
  }
}

function parseOwner(raw: string): Owner | undefined {
  try {
    const o = JSON.parse(raw) as Partial<Owner>;
    if (!Number.isSafeInteger(o.pid) || (o.pid as number) <= 0 || typeof o.host !== 'string') return undefined;
    return { pid: o.pid as number, host: o.host, start: typeof o.start === 'string' ? o.start : undefined };
  } catch {
    return undefined;
  }
}

function isAlive(owner: Owner): boolean {
  if (owner.host !== hostname()) return false;
  try {
    process.kill(owner.pid, 0);
  } catch (err) {
    if (errnoCode(err) !== 'EPERM') return false; // ESRCH: no such process
  }
  const stat = procStat(owner.pid);
  if (stat === undefined) return true; // no /proc: the pid exists, trust it
  if (stat.state === 'Z' || stat.state === 'X') return false;
  return owner.start === undefined || owner.start === stat.start;
}

/** State and start time (clock ticks since boot) of a process, from /proc on Linux. */
function procStat(pid: number): { state: string; start: string } | undefined {
  let s: string;
  try {
    s = readFileSync(`/proc/${pid}/stat`, 'latin1');
  } catch {
    return undefined;
  }
  // "pid (comm) state ppid ..."; comm may hold spaces and parentheses, so split after the last ')'.
  const fields = s.slice(s.lastIndexOf(')') + 2).split(' ');
  return fields.length > 19 ? { state: fields[0], start: fields[19] } : undefined;
}

function procStart(pid: number): string | undefined {
  return procStat(pid)?.start;
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
