import { randomBytes } from 'node:crypto';
import { appendFile, mkdtemp, readFile, readdir, rm, stat, unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { FaultyFs } from '../../test-kit/faulty-fs.js';
import { drain, rec, recNo, recordQueueSuite, rejection } from '../../test-kit/record-queue-suite.js';
import { FileQueue, type FileQueueOptions } from './file-queue.js';
import { LOCK_FILE } from './dir-lock.js';
import { HEAD_FILE } from './head-store.js';
import { QUARANTINE_DIR } from './recovery.js';
import { SEGMENT_HEADER_BYTES, segmentSeq } from './segment-format.js';

const opened: FileQueue[] = [];
const dirs: string[] = [];

async function newDir(): Promise<string> {
  const d = await mkdtemp(join(tmpdir(), 'trib-fq-'));
  dirs.push(d);
  return d;
}

async function openQ(dir: string, opts: Partial<FileQueueOptions> = {}): Promise<FileQueue> {
  const q = await FileQueue.open(dir, { maxRecords: 0, maxBytes: 0, ...opts });
  opened.push(q);
  return q;
}

async function cleanup(): Promise<void> {
  for (const q of opened.splice(0)) await q.release();
  for (const d of dirs.splice(0)) await rm(d, { recursive: true, force: true });
}

async function segmentFiles(dir: string): Promise<string[]> {
  return (await readdir(dir)).filter((n) => segmentSeq(n) !== undefined).sort();
}

/** Simulates a crash of the owner: the queue is dropped without release, its lock file removed as a takeover would. */
async function crash(dir: string): Promise<void> {
  await unlink(join(dir, LOCK_FILE));
}

recordQueueSuite('persistent queue', async (opts) => openQ(await newDir(), opts), cleanup);

describe('persistent queue', () => {
  afterEach(cleanup);

  it('keeps every record, in order, across a clean close and reopen', async () => {
    const dir = await newDir();
    const q1 = await openQ(dir, { segmentBytes: 4096 });
    for (let i = 0; i < 200; i++) await q1.push(rec(i, 100 + i));
    expect((await drain(q1, 50)).map(recNo)).toEqual(Array.from({ length: 50 }, (_, i) => i));
    await q1.release();
    const q2 = await openQ(dir, { segmentBytes: 4096 });
    expect(q2.size().records).toBe(150);
    await q2.close();
    const rest = await drain(q2);
    expect(rest.map(recNo)).toEqual(Array.from({ length: 150 }, (_, i) => i + 50));
    rest.forEach((b) => expect(b.length).toBe(100 + recNo(b)));
    await q2.release();
    const q3 = await openQ(dir);
    expect(q3.size()).toEqual({ records: 0, bytes: 0 });
  });

  it('reads back an empty record, whatever memory backs it', async () => {
    const dir = await newDir();
    const q1 = await openQ(dir);
    await q1.push(randomBytes(0));
    await q1.push(Buffer.alloc(0));
    await q1.release();
    const q2 = await openQ(dir);
    expect(q2.recovered.lostBytes + q2.recovered.tornBytes).toBe(0);
    expect((await drain(q2, 2)).map((b) => b.length)).toEqual([0, 0]);
  });

  it('rolls segments at the size limit and deletes each once consumed', async () => {
    const dir = await newDir();
    const q = await openQ(dir, { segmentBytes: 2048 });
    for (let i = 0; i < 100; i++) await q.push(rec(i, 500));
    expect(await segmentFiles(dir)).toHaveLength(25); // 4 records of 508 bytes after the 8-byte header
    await drain(q, 100);
    expect(await segmentFiles(dir)).toHaveLength(1); // the one being appended stays
    await q.push(rec(100));
    expect(recNo((await q.head())!)).toBe(100);
  });

  it('shares one fsync among concurrent pushes (group commit)', async () => {
    const fs = new FaultyFs();
    const q = await openQ(await newDir(), { fs });
    const before = fs.calls.sync;
    await Promise.all(Array.from({ length: 200 }, (_, i) => q.push(rec(i, 1000))));
    const syncs = fs.calls.sync - before;
    expect(syncs).toBeGreaterThan(0);
    expect(syncs).toBeLessThanOrEqual(10);
  });

  it('does not fsync with fsync off, and still keeps records across a reopen', async () => {
    const dir = await newDir();
    const fs = new FaultyFs();
    const q = await openQ(dir, { fs, fsync: false });
    for (let i = 0; i < 10; i++) await q.push(rec(i));
    expect(fs.calls.sync).toBe(0);
    await q.release();
    expect((await drain(await openQ(dir), 10)).map(recNo)).toEqual(Array.from({ length: 10 }, (_, i) => i));
  });

  it('after a crash hands out again at most persistHeadEvery - 1 removed records, never loses one', async () => {
    const dir = await newDir();
    const q1 = await openQ(dir, { persistHeadEvery: 40, persistHeadIntervalMs: 3_600_000 });
    for (let i = 0; i < 200; i++) await q1.push(rec(i));
    await drain(q1, 119); // saves at 40 and 80; 39 removes unsaved
    await crash(dir);
    const q2 = await openQ(dir);
    const first = recNo((await q2.head())!);
    expect(first).toBe(80);
    expect(119 - first).toBeLessThanOrEqual(39);
    expect((await drain(q2, 200 - first)).map(recNo)).toEqual(Array.from({ length: 200 - first }, (_, i) => i + first));
  });

  it('saves the read position on a timer when removes are few', async () => {
    const dir = await newDir();
    const q1 = await openQ(dir, { persistHeadEvery: 1000, persistHeadIntervalMs: 20 });
    for (let i = 0; i < 5; i++) await q1.push(rec(i));
    await drain(q1, 3);
    const deadline = Date.now() + 5000;
    while (!(await readFile(join(dir, HEAD_FILE), 'utf8').catch(() => '')).includes('"offset"') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    await new Promise((r) => setTimeout(r, 50));
    await crash(dir);
    const q2 = await openQ(dir);
    expect((await drain(q2, 2)).map(recNo)).toEqual([3, 4]);
  });

  it('cuts a torn tail (records cut by a crash) and keeps the records before it', async () => {
    const dir = await newDir();
    const q1 = await openQ(dir);
    for (let i = 0; i < 10; i++) await q1.push(rec(i, 300));
    await q1.release();
    const [seg] = await segmentFiles(dir);
    const path = join(dir, seg);
    const good = (await stat(path)).size;
    // A frame header announcing 300 bytes, and only 50 of them: a write cut by a crash.
    const torn = Buffer.alloc(58, 7);
    torn.writeUInt32BE(300, 0);
    await appendFile(path, torn);
    const q2 = await openQ(dir);
    expect(q2.recovered.tornBytes).toBe(58);
    expect(q2.recovered.quarantined).toEqual([]);
    expect((await stat(path)).size).toBe(good);
    expect((await drain(q2, 10)).map(recNo)).toEqual(Array.from({ length: 10 }, (_, i) => i));
    await q2.push(rec(10));
    await q2.release();
    expect((await drain(await openQ(dir), 1)).map(recNo)).toEqual([10]);
  });

  it('never reads a zero-filled tail (a file extended before its data reached the disk) as records', async () => {
    const dir = await newDir();
    const q1 = await openQ(dir);
    for (let i = 0; i < 3; i++) await q1.push(rec(i));
    await q1.release();
    const [seg] = await segmentFiles(dir);
    await appendFile(join(dir, seg), Buffer.alloc(4096));
    const q2 = await openQ(dir);
    expect(q2.recovered.tornBytes).toBe(4096);
    expect(q2.size().records).toBe(3);
  });

  it('quarantines a corrupt segment, keeps the records before the damage and everything after the segment', async () => {
    const dir = await newDir();
    const q1 = await openQ(dir, { segmentBytes: 1000 });
    for (let i = 0; i < 12; i++) await q1.push(rec(i, 300)); // 3 records per segment
    await q1.release();
    const segs = await segmentFiles(dir);
    expect(segs.length).toBe(4);
    const second = join(dir, segs[1]);
    const bytes = await readFile(second);
    bytes[SEGMENT_HEADER_BYTES + 308 + 100] ^= 0xff; // inside the payload of the segment's second record (number 4)
    await writeFile(second, bytes);
    const q2 = await openQ(dir, { segmentBytes: 1000 });
    expect(q2.recovered.quarantined).toHaveLength(1);
    expect(q2.recovered.lostBytes).toBe(2 * 308);
    const quarantined = await readdir(join(dir, QUARANTINE_DIR));
    expect(quarantined).toHaveLength(1);
    expect(quarantined[0]).toMatch(/corrupt/);
    expect((await readFile(join(dir, QUARANTINE_DIR, quarantined[0]))).equals(bytes)).toBe(true);
    expect((await drain(q2, 10)).map(recNo)).toEqual([0, 1, 2, 3, 6, 7, 8, 9, 10, 11]);
  });

  it('moves a segment with a foreign header into quarantine whole', async () => {
    const dir = await newDir();
    const q1 = await openQ(dir, { segmentBytes: 1000 });
    for (let i = 0; i < 6; i++) await q1.push(rec(i, 300));
    await q1.release();
    const segs = await segmentFiles(dir);
    const first = join(dir, segs[0]);
    const bytes = await readFile(first);
    bytes.write('XXXX', 0, 'latin1');
    await writeFile(first, bytes);
    const q2 = await openQ(dir, { segmentBytes: 1000 });
    expect(q2.recovered.quarantined).toHaveLength(1);
    expect(await segmentFiles(dir)).not.toContain(segs[0]);
    expect((await drain(q2, 3)).map(recNo)).toEqual([3, 4, 5]);
  });

  it('skips, counts and quarantines a segment damaged after it was written, without failing the reader', async () => {
    const dir = await newDir();
    const q = await openQ(dir, { segmentBytes: 1000 });
    for (let i = 0; i < 9; i++) await q.push(rec(i, 300)); // 3 segments of 3 records
    const second = join(dir, (await segmentFiles(dir))[1]);
    const bytes = await readFile(second);
    bytes[SEGMENT_HEADER_BYTES + 20] ^= 0xff;
    await writeFile(second, bytes);
    expect((await drain(q, 6)).map(recNo)).toEqual([0, 1, 2, 6, 7, 8]);
    expect(q.lostRecords).toBe(3);
    expect(q.size()).toEqual({ records: 0, bytes: 0 });
    expect((await readdir(join(dir, QUARANTINE_DIR)))[0]).toMatch(/unreadable/);
  });

  it('refuses to open a queue written in a newer format rather than set it aside', async () => {
    const dir = await newDir();
    const q1 = await openQ(dir);
    await q1.push(rec(0));
    await q1.release();
    const [seg] = await segmentFiles(dir);
    const bytes = await readFile(join(dir, seg));
    bytes.writeUInt16BE(2, 4);
    await writeFile(join(dir, seg), bytes);
    const err = await rejection(FileQueue.open(dir, { maxRecords: 0, maxBytes: 0 }));
    expect(err.code).toBe('TRIB_ERR_START_FAILED');
    expect(err.message).toMatch(/newer/);
    expect(await segmentFiles(dir)).toEqual([seg]);
    expect(await readdir(dir)).not.toContain(LOCK_FILE);
  });

  it('reads from the record before a saved position that is not a record boundary', async () => {
    const dir = await newDir();
    const q1 = await openQ(dir);
    for (let i = 0; i < 4; i++) await q1.push(rec(i, 100));
    await q1.release();
    const [seg] = await segmentFiles(dir);
    await writeFile(join(dir, HEAD_FILE), JSON.stringify({ version: 1, segment: segmentSeq(seg), offset: SEGMENT_HEADER_BYTES + 108 + 50 }));
    expect((await drain(await openQ(dir), 3)).map(recNo)).toEqual([1, 2, 3]);
  });

  it('starts from the oldest record when the saved position is unreadable', async () => {
    const dir = await newDir();
    const q1 = await openQ(dir);
    for (let i = 0; i < 4; i++) await q1.push(rec(i));
    await drain(q1, 2);
    await q1.release();
    await writeFile(join(dir, HEAD_FILE), '{"version":1,"segm');
    expect((await drain(await openQ(dir), 4)).map(recNo)).toEqual([0, 1, 2, 3]);
  });

  describe('write failures', () => {
    it('a write cut short by a full disk rejects the push retryably and leaves no half record', async () => {
      const dir = await newDir();
      const fs = new FaultyFs();
      const q1 = await openQ(dir, { fs });
      await q1.push(rec(0, 500));
      fs.fail('write', { code: 'ENOSPC', partialBytes: 200, pathPart: '.seg' });
      const err = await rejection(q1.push(rec(1, 500)));
      expect(err.code).toBe('TRIB_ERR_STORAGE_IO');
      expect(err.retryable).toBe(true);
      expect(err.retryAfterMs).toBeGreaterThan(0);
      expect(err.message).toMatch(/ENOSPC/);
      expect(q1.size()).toEqual({ records: 1, bytes: 500 });
      await q1.push(rec(2, 500));
      expect((await drain(q1, 1)).map(recNo)).toEqual([0]);
      await q1.release();
      const q2 = await openQ(dir);
      expect(q2.recovered.tornBytes).toBe(0);
      expect((await drain(q2, 1)).map(recNo)).toEqual([2]);
      expect(q2.size().records).toBe(0);
    });

    it('a failed fsync rejects every push of the group and cuts their bytes off', async () => {
      const dir = await newDir();
      const fs = new FaultyFs();
      const q1 = await openQ(dir, { fs });
      await q1.push(rec(0));
      fs.fail('sync', { pathPart: '.seg' });
      const results = await Promise.allSettled([q1.push(rec(1)), q1.push(rec(2)), q1.push(rec(3))]);
      expect(results[0].status).toBe('rejected');
      await q1.push(rec(4));
      const expected = [0, ...results.map((r, i) => (r.status === 'fulfilled' ? i + 1 : -1)).filter((n) => n > 0), 4];
      expect((await drain(q1, expected.length)).map(recNo)).toEqual(expected);
      await q1.push(rec(5));
      await q1.release();
      expect((await drain(await openQ(dir), 1)).map(recNo)).toEqual([5]);
    });

    it('if the failed write cannot be cut off either, writing moves to a new segment and recovery copes', async () => {
      const dir = await newDir();
      const fs = new FaultyFs();
      const q1 = await openQ(dir, { fs });
      await q1.push(rec(0, 400));
      fs.fail('write', { code: 'EIO', partialBytes: 100, pathPart: '.seg' });
      fs.fail('truncate', { code: 'EIO' });
      await expect(q1.push(rec(1, 400))).rejects.toThrow(/EIO/);
      await q1.push(rec(2, 400));
      expect(await segmentFiles(dir)).toHaveLength(2);
      expect((await drain(q1, 2)).map(recNo)).toEqual([0, 2]);
      await q1.push(rec(3, 400));
      await q1.release();
      const q2 = await openQ(dir);
      expect((await drain(q2, 1)).map(recNo)).toEqual([3]);
      expect(q2.size().records).toBe(0);
    });

    it('a failure creating a segment rejects the push; the next one works', async () => {
      const dir = await newDir();
      const fs = new FaultyFs();
      const q = await openQ(dir, { fs });
      fs.fail('open', { code: 'ENOSPC', pathPart: '.seg' });
      expect((await rejection(q.push(rec(0)))).code).toBe('TRIB_ERR_STORAGE_IO');
      await q.push(rec(1));
      expect((await drain(q, 1)).map(recNo)).toEqual([1]);
    });

    it('a failure saving the read position does not fail remove() and is retried', async () => {
      const dir = await newDir();
      const fs = new FaultyFs();
      const q1 = await openQ(dir, { fs, persistHeadEvery: 2 });
      for (let i = 0; i < 6; i++) await q1.push(rec(i));
      fs.fail('rename', { pathPart: HEAD_FILE });
      await drain(q1, 4); // the save after 2 removes fails, the one after 3 succeeds
      await crash(dir);
      expect((await drain(await openQ(dir), 3)).map(recNo)).toEqual([3, 4, 5]);
    });
  });

  describe('ownership', () => {
    it('refuses a second open of the same directory while the first holds it', async () => {
      const dir = await newDir();
      await openQ(dir);
      const err = await rejection(FileQueue.open(dir, { maxRecords: 0, maxBytes: 0 }));
      expect(err.code).toBe('TRIB_ERR_STORAGE_LOCKED');
      expect(err.message).toContain(join(dir, LOCK_FILE));
    });

    it('releases the lock on release(), so the directory can be opened again', async () => {
      const dir = await newDir();
      const q = await openQ(dir);
      await q.release();
      await q.release();
      expect(await readdir(dir)).not.toContain(LOCK_FILE);
      await openQ(dir);
    });

    it('takes over a lock whose pid now belongs to another process (pid reused), or that is unreadable', async () => {
      const dir = await newDir();
      await writeFile(join(dir, LOCK_FILE), JSON.stringify({ pid: process.pid, host: (await import('node:os')).hostname(), start: '1' }));
      const q = await openQ(dir);
      await q.release();
      await writeFile(join(dir, LOCK_FILE), 'garbage');
      await openQ(dir);
    });
  });
});
