import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { FileQueue } from '../src/extensions/file_storage/file-queue.js';
import { TributaryError } from '../src/errors/tributary-error.js';
import { ROOT, tempDir } from './kit/gateway.js';
import { readRecord } from './kit/numbered-records.mjs';

/**
 * The persistent queue under SIGKILL: a child process pushes numbered records
 * as fast as it can and/or removes them, printing each number once push() or
 * remove() resolved; the test kills it mid-stream, several times, then drains
 * the queue itself and checks the promises the queue makes: every
 * acknowledged record is there, in order, with no gap and no damage, and a
 * record already removed comes back only right after a restart, at most
 * PERSIST_EVERY - 1 of them.
 */

const DIST = join(ROOT, 'dist');
const CHILD = join(ROOT, 'test', 'kit', 'file-queue-child.mjs');
const PERSIST_EVERY = 50;
/** Pushes the child keeps in flight: the most that can be on disk unacknowledged. */
const IN_FLIGHT = 32;

interface Key {
  readonly cycle: number;
  readonly seq: number;
}

interface ChildRun {
  readonly acked: number[];
  readonly removed: Key[];
  /** The record whose remove() was under way when the child died (given by head(), never reported removed). */
  inflight: Key | undefined;
  readonly bad: string[];
}

/** What one reader handed on, in order; a remove cut by the kill may or may not have taken effect. */
interface Session {
  readonly keys: readonly Key[];
  readonly inflight?: Key;
}

const children: ChildProcess[] = [];

afterAll(() => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null && c.pid !== undefined) process.kill(c.pid, 'SIGKILL');
});

/**
 * Runs the child until `enough` holds (or it has been quiet for a second, or
 * 20 s passed), then SIGKILLs it by pid and waits for it to be gone.
 * `whileOpen` runs once the child has opened the queue.
 */
async function runAndKill(dir: string, cycle: number, mode: 'write' | 'read' | 'both', enough: (r: ChildRun) => boolean, whileOpen?: () => Promise<void>): Promise<ChildRun> {
  const child = spawn(process.execPath, [CHILD, DIST, dir, String(cycle), mode, String(PERSIST_EVERY)], { stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  const run: ChildRun = { acked: [], removed: [], inflight: undefined, bad: [] };
  const exited = new Promise<void>((r) => child.on('exit', () => r()));
  let err = '';
  let partial = '';
  let opened!: () => void;
  const open = new Promise<void>((r) => (opened = r));
  let lastOutput = Date.now();
  child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  child.stdout!.on('data', (d: Buffer) => {
    lastOutput = Date.now();
    const lines = (partial + d.toString()).split('\n');
    partial = lines.pop()!;
    for (const l of lines) {
      const [kind, a, b] = l.split(' ');
      if (kind === 'A') run.acked.push(Number(a));
      else if (kind === 'H') run.inflight = { cycle: Number(a), seq: Number(b) };
      else if (kind === 'R' && a === 'bad') run.bad.push(l);
      else if (kind === 'R') {
        run.removed.push({ cycle: Number(a), seq: Number(b) });
        run.inflight = undefined;
      }
      else if (kind === 'BAD') run.bad.push(l);
      else if (kind === 'OPEN') opened();
    }
  });
  const gone = exited.then(() => {
    throw new Error(`child exited by itself (code ${child.exitCode}): ${err}`);
  });
  await Promise.race([open, gone]);
  if (whileOpen !== undefined) await whileOpen();
  const deadline = Date.now() + 20_000;
  while (!enough(run) && Date.now() - lastOutput < 1_000 && Date.now() < deadline && child.exitCode === null) await new Promise((r) => setTimeout(r, 5));
  if (child.exitCode !== null) throw new Error(`child exited by itself (code ${child.exitCode}): ${err}`);
  process.kill(child.pid!, 'SIGKILL');
  gone.catch(() => undefined);
  await exited;
  return run;
}

/**
 * Checks the delivered stream (each reader session in order: the children
 * that removed records, then the final drain) against what was acknowledged.
 * A session's in-flight record counts as delivered unless the next session
 * starts with it.
 */
function problems(sessions: readonly Session[], acked: ReadonlyMap<number, readonly number[]>): string[] {
  const out: string[] = [];
  const id = (k: Key): string => `${k.cycle}:${k.seq}`;
  const before = (a: Key, b: Key): boolean => a.cycle < b.cycle || (a.cycle === b.cycle && a.seq < b.seq);
  const unique: Key[] = [];
  const seen = new Set<string>();
  sessions.forEach(({ keys: s }, n) => {
    const cut = n > 0 ? sessions[n - 1].inflight : undefined;
    let cutAdded = false;
    if (cut !== undefined && !seen.has(id(cut)) && (s.length === 0 || id(s[0]) !== id(cut))) {
      seen.add(id(cut));
      unique.push(cut);
      cutAdded = true;
    }
    let i = 0;
    if (s.length > 0 && seen.has(id(s[0]))) {
      const j = unique.findIndex((k) => id(k) === id(s[0]));
      // The record whose remove() the kill cut short comes back with the replay, but it was never reported removed.
      const replay = unique.length - j - (cutAdded ? 1 : 0);
      if (replay > PERSIST_EVERY - 1) out.push(`session ${n} sent ${replay} removed records again (bound ${PERSIST_EVERY - 1})`);
      for (; i < s.length && j + i < unique.length; i++) if (id(s[i]) !== id(unique[j + i])) out.push(`session ${n}: replay out of order at ${id(s[i])}`);
    }
    for (; i < s.length; i++) {
      if (seen.has(id(s[i]))) out.push(`session ${n}: ${id(s[i])} again, not right after a restart`);
      else if (unique.length > 0 && !before(unique[unique.length - 1], s[i])) out.push(`session ${n}: ${id(s[i])} out of order`);
      seen.add(id(s[i]));
      unique.push(s[i]);
    }
  });
  for (const [cycle, seqs] of acked) {
    const got = unique.filter((k) => k.cycle === cycle).map((k) => k.seq);
    got.forEach((seq, i) => {
      if (seq !== i) out.push(`cycle ${cycle}: record ${i} missing (a gap before ${seq})`);
    });
    const maxAcked = seqs.length === 0 ? -1 : Math.max(...seqs);
    if (got.length <= maxAcked) out.push(`cycle ${cycle}: acknowledged up to ${maxAcked}, only ${got.length} delivered`);
    if (got.length - 1 > maxAcked + IN_FLIGHT) out.push(`cycle ${cycle}: ${got.length} delivered, more than could be in flight past ${maxAcked}`);
  }
  return out;
}

describe('persistent queue under SIGKILL', () => {
  it('keeps every acknowledged record, in order, without damage, across repeated kills of writers and readers', async () => {
    if (!existsSync(join(DIST, 'extensions', 'file_storage', 'file-queue.js'))) {
      throw new Error(`${DIST} has no file_storage build: run "npx tsc -p tsconfig.build.json" (npm test builds it)`);
    }
    const dir = await tempDir('tributary-queue-crash-');
    const acked = new Map<number, number[]>();
    const sessions: Session[] = [];
    const bad: string[] = [];
    const plan: { mode: 'write' | 'read' | 'both'; enough: (r: ChildRun) => boolean }[] = [
      { mode: 'write', enough: (r) => r.acked.length >= 400 + Math.floor(Math.random() * 400) },
      { mode: 'both', enough: (r) => r.acked.length >= 300 && r.removed.length >= 300 },
      { mode: 'read', enough: (r) => r.removed.length >= 250 },
      { mode: 'both', enough: (r) => r.acked.length >= 200 && r.removed.length >= 400 + Math.floor(Math.random() * 300) },
      { mode: 'write', enough: (r) => r.acked.length >= 300 },
      { mode: 'read', enough: (r) => r.removed.length >= 150 },
    ];
    for (const [cycle, step] of plan.entries()) {
      const checkLocked = async (): Promise<void> => {
        const err = await FileQueue.open(dir, { maxRecords: 0, maxBytes: 0 }).then(
          async (q) => {
            await q.release();
            return undefined;
          },
          (e: unknown) => e,
        );
        expect(err instanceof TributaryError && err.code === 'TRIB_ERR_STORAGE_LOCKED', `open while the child holds the queue: ${String(err)}`).toBe(true);
      };
      const run = await runAndKill(dir, cycle, step.mode, step.enough, cycle === 0 ? checkLocked : undefined);
      if (step.mode !== 'read') acked.set(cycle, run.acked);
      if (step.mode !== 'write') sessions.push({ keys: run.removed, inflight: run.inflight });
      bad.push(...run.bad);
    }
    expect(bad).toEqual([]);
    expect([...acked.values()].reduce((a, s) => a + s.length, 0)).toBeGreaterThan(1000);

    const q = await FileQueue.open(dir, { maxRecords: 0, maxBytes: 0 });
    await q.close();
    const final: Key[] = [];
    for (let b = await q.head(); b !== undefined; b = await q.head()) {
      const r = readRecord(b);
      if (r === undefined) bad.push(`damaged record of ${b.length} bytes`);
      else final.push(r);
      await q.remove();
    }
    await q.release();
    sessions.push({ keys: final });
    expect(bad).toEqual([]);
    expect(problems(sessions, acked)).toEqual([]);
    expect(existsSync(join(dir, 'quarantine')), 'nothing was corrupt, so nothing may be quarantined').toBe(false);

    const again = await FileQueue.open(dir, { maxRecords: 0, maxBytes: 0 });
    expect(again.size()).toEqual({ records: 0, bytes: 0 });
    await again.release();
    expect((await readdir(dir)).filter((n) => n.endsWith('.seg')).length).toBeLessThanOrEqual(1);
  }, 180_000);

  it('the checker itself finds losses, gaps, reordering and replays beyond the bound', () => {
    const k = (cycle: number, seq: number): Key => ({ cycle, seq });
    const acked = new Map([[0, [0, 1, 2]]]);
    const one = (...keys: Key[]): Session => ({ keys });
    expect(problems([one(k(0, 0), k(0, 1), k(0, 2))], acked)).toEqual([]);
    expect(problems([one(k(0, 0), k(0, 1)), one(k(0, 1), k(0, 2))], acked)).toEqual([]);
    expect(problems([{ keys: [k(0, 0)], inflight: k(0, 1) }, one(k(0, 2))], acked)).toEqual([]);
    expect(problems([{ keys: [k(0, 0)], inflight: k(0, 1) }, one(k(0, 1), k(0, 2))], acked)).toEqual([]);
    expect(problems([one(k(0, 0)), one(k(0, 2))], acked).join()).toMatch(/missing/);
    expect(problems([one(k(0, 0), k(0, 2))], acked).join()).toMatch(/missing/);
    expect(problems([one(k(0, 1), k(0, 0), k(0, 2))], acked).join()).toMatch(/out of order/);
    expect(problems([one(k(0, 0), k(0, 1), k(0, 1), k(0, 2))], acked).join()).toMatch(/not right after a restart/);
    const many = Array.from({ length: 60 }, (_, i) => k(0, i));
    expect(problems([one(...many), one(...many.slice(5))], new Map([[0, many.map((x) => x.seq)]])).join()).toMatch(/55 removed records again/);
    // 49 reported removed plus the one whose remove() was cut short: within the bound; one more is not.
    const sixty = new Map([[0, many.map((x) => x.seq)]]);
    expect(problems([{ keys: many.slice(0, 59), inflight: k(0, 59) }, one(...many.slice(10))], sixty)).toEqual([]);
    expect(problems([{ keys: many.slice(0, 59), inflight: k(0, 59) }, one(...many.slice(9))], sixty).join()).toMatch(/50 removed records again/);
  });
});
