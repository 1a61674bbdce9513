import { join } from 'node:path';
import type { QueueOptions, RecordQueue } from '../../component/storage.js';
import { Errors } from '../../errors/catalogue.js';
import { TributaryError } from '../../errors/tributary-error.js';
import { DrainRate, Wakeup, admit, closedError } from '../../exporters/helper/queue-admission.js';
import { type Logger, silentLogger, throttle } from '../../telemetry/logger.js';
import { type DirLock, acquireDirLock } from './dir-lock.js';
import { type HeadPosition, writeHead } from './head-store.js';
import { type QueueFile, type QueueFs, nodeQueueFs, writeAll } from './queue-fs.js';
import { QUARANTINE_DIR, type Recovery, recoverQueue } from './recovery.js';
import { FRAME_HEADER_BYTES, FrameReader, MAX_RECORD_BYTES, SEGMENT_HEADER_BYTES, segmentHeader, segmentName, writeFrameHeader } from './segment-format.js';

/**
 * The persistent RecordQueue of file_storage: a directory of append-only
 * segment files (format in segment-format.ts) with the read position saved
 * in head.json and a LOCK file for exclusive ownership.
 *
 * Durability. push() resolves only once the record is written and fsync'd
 * (with `fsync: false`, once the operating system has it: it then survives
 * the process dying, not the machine). Pushes that arrive while a write is
 * under way are written together by the next write and share its fsync
 * (group commit), so many concurrent pushes cost one fsync. A failed write
 * rejects every push of its group with a retryable TRIB_ERR_STORAGE_IO and
 * its bytes are cut off again, so no part of it is ever handed out (if the
 * cut fails too, writing moves on to a new segment and recovery deals with
 * the remains).
 *
 * At-least-once, order kept. The read position is saved lazily: after
 * `persistHeadEvery` removes (remove() then waits for the save) or
 * `persistHeadIntervalMs` after a remove, whichever comes first, and on
 * close. A crash therefore hands out again at most `persistHeadEvery - 1`
 * records whose remove() had resolved, plus the record being sent; never
 * fewer records, never in another order. Segments are deleted as soon as
 * they are consumed, so the directory holds about what the queue holds.
 */
export interface FileQueueOptions extends QueueOptions {
  /** fsync each group commit, new segment and saved position (default true). */
  readonly fsync?: boolean;
  /** Start a new segment file rather than grow one past this size (default 8 MiB; a single larger group commit gets a segment of its own). */
  readonly segmentBytes?: number;
  /** The most one group commit writes, unless a single record is larger (default 4 MiB). */
  readonly maxBatchBytes?: number;
  /** Save the read position after this many removes at the latest (default 100). */
  readonly persistHeadEvery?: number;
  /** ...or this long after a remove (default 1 s). */
  readonly persistHeadIntervalMs?: number;
  /** How long open() waits for a lock held by a live process (default 0). */
  readonly lockTimeoutMs?: number;
  /** Permissions of the directory if open() creates it (default 0o750, minus the umask). */
  readonly directoryMode?: number;
  readonly fs?: QueueFs;
  readonly logger?: Logger;
  /** How messages name the queue (default: its directory). */
  readonly name?: string;
}

type Settings = Required<Omit<FileQueueOptions, keyof QueueOptions | 'name'>> & { readonly name: string };

interface Segment {
  readonly seq: number;
  readonly path: string;
  /** Where its durable (acknowledged) records end. */
  end: number;
  /** Records and payload bytes not yet removed. */
  records: number;
  bytes: number;
  /** No longer written to (every segment but the one being appended). */
  sealed: boolean;
  /** A write to it failed and its tail could not be cut: the next write rolls. */
  broken: boolean;
  file: QueueFile | undefined;
  reader: FrameReader | undefined;
}

interface Pending {
  readonly record: Buffer;
  readonly resolve: () => void;
  readonly reject: (err: unknown) => void;
}

/** Retry delay advertised with a write failure: disks rarely heal faster. */
const IO_RETRY_MS = 1_000;

export class FileQueue implements RecordQueue {
  readonly capacity: { readonly records: number; readonly bytes: number };
  /** What opening found (torn bytes cut, files quarantined), for logs and tests. */
  readonly recovered: Recovery;
  private lost = 0;

  private readonly s: Settings;
  private readonly segments: Segment[] = [];
  /** The read position in segments[0]. */
  private readOff: number;
  /** Every segment below this sequence number is consumed. */
  private consumedBelow: number;
  private nextSeq: number;
  private records: number;
  private bytes: number;
  private pendingRecords = 0;
  private pendingBytes = 0;
  private pending: Pending[] = [];
  private writing: Promise<void> | undefined;
  private current: { readonly payload: Buffer; readonly next: number } | undefined;
  private loading: Promise<void> | undefined;
  /** Removes whose position is not saved yet. */
  private unsaved = 0;
  private saving: Promise<void> = Promise.resolve();
  private timer: NodeJS.Timeout | undefined;
  private closed = false;
  private released = false;
  private closing: Promise<void> | undefined;
  private releasing: Promise<void> | undefined;
  private readonly drain = new DrainRate();
  private readonly wakeup = new Wakeup();
  private readonly log: ReturnType<typeof throttle>;

  /** Opens (creating or recovering) the queue in `dir`, taking its lock. */
  static async open(dir: string, opts: FileQueueOptions): Promise<FileQueue> {
    const s: Settings = {
      fsync: opts.fsync ?? true,
      segmentBytes: opts.segmentBytes ?? 8 << 20,
      maxBatchBytes: opts.maxBatchBytes ?? 4 << 20,
      persistHeadEvery: Math.max(1, opts.persistHeadEvery ?? 100),
      persistHeadIntervalMs: opts.persistHeadIntervalMs ?? 1_000,
      lockTimeoutMs: opts.lockTimeoutMs ?? 0,
      directoryMode: opts.directoryMode ?? 0o750,
      fs: opts.fs ?? nodeQueueFs,
      logger: opts.logger ?? silentLogger(),
      name: opts.name ?? `queue ${dir}`,
    };
    let lock: DirLock | undefined;
    try {
      await s.fs.mkdir(dir, s.directoryMode);
      lock = await acquireDirLock(s.fs, dir, { timeoutMs: s.lockTimeoutMs, logger: s.logger, fsync: s.fsync });
      const rec = await recoverQueue(s.fs, dir, { fsync: s.fsync, maxTornBytes: s.maxBatchBytes, logger: s.logger });
      s.logger.info(
        { dir, records: rec.records, bytes: rec.bytes, segments: rec.segments.length, tornBytes: rec.tornBytes, lostBytes: rec.lostBytes, quarantined: rec.quarantined.length },
        'persistent queue opened',
      );
      return new FileQueue(dir, opts, s, lock, rec);
    } catch (err) {
      await lock?.release().catch(() => undefined);
      if (err instanceof TributaryError) throw err;
      throw new TributaryError(Errors.STORAGE_IO, `cannot open ${s.name}: ${(err as Error).message}`, { cause: err, retryAfterMs: IO_RETRY_MS });
    }
  }

  private constructor(
    private readonly dir: string,
    opts: QueueOptions,
    s: Settings,
    private readonly lock: DirLock,
    rec: Recovery,
  ) {
    this.s = s;
    this.capacity = Object.freeze({ records: opts.maxRecords, bytes: opts.maxBytes });
    this.recovered = rec;
    for (const r of rec.segments) {
      this.segments.push({ seq: r.seq, path: join(dir, segmentName(r.seq)), end: r.end, records: r.records, bytes: r.bytes, sealed: true, broken: false, file: undefined, reader: undefined });
    }
    this.readOff = rec.readOffset;
    this.consumedBelow = rec.segments.length > 0 ? rec.segments[0].seq : rec.nextSeq;
    this.nextSeq = rec.nextSeq;
    this.records = rec.records;
    this.bytes = rec.bytes;
    this.log = throttle(s.logger);
  }

  /** Records lost to damage found while reading (each case is also logged). */
  get lostRecords(): number {
    return this.lost;
  }

  size(): { readonly records: number; readonly bytes: number } {
    return { records: this.records + this.pendingRecords, bytes: this.bytes + this.pendingBytes };
  }

  push(record: Buffer): Promise<void> {
    if (this.closed) return Promise.reject(closedError(this.s.name));
    if (record.length > MAX_RECORD_BYTES) {
      return Promise.reject(new TributaryError(Errors.QUEUE_RECORD_TOO_LARGE, `${this.s.name}: a record of ${record.length} bytes exceeds the ${MAX_RECORD_BYTES} bytes a persistent queue record may hold`));
    }
    const refused = admit(this.capacity, this.size(), record.length, this.drain, this.s.name);
    if (refused !== undefined) return Promise.reject(refused);
    this.pendingRecords++;
    this.pendingBytes += record.length;
    return new Promise<void>((resolve, reject) => {
      this.pending.push({ record, resolve, reject });
      this.kick();
    });
  }

  async head(): Promise<Buffer | undefined> {
    for (;;) {
      if (this.current !== undefined) return this.current.payload;
      if (this.released) return undefined;
      if (this.records > 0) {
        await this.loadHead();
        continue;
      }
      if (this.closed && this.pendingRecords === 0) return undefined;
      await this.wakeup.wait();
    }
  }

  async remove(): Promise<void> {
    if (this.released) return;
    if (this.current === undefined) {
      if (this.records === 0) throw new Error(`${this.s.name}: remove() on an empty queue`);
      await this.loadHead();
      if (this.current === undefined) return; // what was there turned out damaged and was skipped (logged)
    }
    const seg = this.segments[0];
    seg.records--;
    seg.bytes -= this.current.payload.length;
    this.records--;
    this.bytes -= this.current.payload.length;
    this.readOff = this.current.next;
    this.current = undefined;
    this.drain.noteRemoved();
    if (this.readOff >= seg.end && seg.sealed) await this.dropFirst();
    this.unsaved++;
    if (this.unsaved >= this.s.persistHeadEvery) await this.saveHead();
    else this.scheduleSave();
  }

  close(): Promise<void> {
    this.closing ??= (async () => {
      this.closed = true;
      this.wakeup.wake();
      while (this.writing !== undefined) await this.writing;
      await this.saveHead();
      this.wakeup.wake();
    })();
    return this.closing;
  }

  /**
   * Closes, saves the read position and lets go of the files and the lock.
   * Called by the storage extension at shutdown (or by whoever opened the
   * queue); afterwards head() resolves undefined and remove() does nothing.
   */
  release(): Promise<void> {
    this.releasing ??= (async () => {
      await this.close();
      if (this.timer !== undefined) clearTimeout(this.timer);
      this.timer = undefined;
      await this.loading?.catch(() => undefined);
      await this.saveHead();
      this.released = true;
      for (const seg of this.segments) await this.closeFile(seg);
      await this.lock.release().catch((err: unknown) => this.s.logger.warn({ err, dir: this.dir }, 'could not remove the queue lock file'));
      this.wakeup.wake();
    })();
    return this.releasing;
  }

  // --- writing -------------------------------------------------------------

  private kick(): void {
    if (this.writing !== undefined) return;
    this.writing = this.writeLoop()
      .catch((err: unknown) => this.s.logger.error({ err, dir: this.dir }, 'persistent queue writer failed'))
      .finally(() => {
        this.writing = undefined;
        if (this.pending.length > 0) this.kick();
      });
  }

  private async writeLoop(): Promise<void> {
    while (this.pending.length > 0) {
      const batch = this.takeBatch();
      let payloadBytes = 0;
      for (const p of batch) payloadBytes += p.record.length;
      let seg: Segment | undefined;
      try {
        seg = await this.writableSegment(FRAME_HEADER_BYTES * batch.length + payloadBytes);
        const headers = Buffer.allocUnsafe(FRAME_HEADER_BYTES * batch.length);
        const bufs: Buffer[] = [];
        batch.forEach((p, i) => {
          writeFrameHeader(headers, i * FRAME_HEADER_BYTES, p.record);
          bufs.push(headers.subarray(i * FRAME_HEADER_BYTES, (i + 1) * FRAME_HEADER_BYTES), p.record);
        });
        await writeAll(seg.file!, bufs, seg.end);
        if (this.s.fsync) await seg.file!.sync();
        seg.end += headers.length + payloadBytes;
        seg.records += batch.length;
        seg.bytes += payloadBytes;
        this.records += batch.length;
        this.bytes += payloadBytes;
        this.settle(batch, payloadBytes);
        for (const p of batch) p.resolve();
      } catch (err) {
        this.settle(batch, payloadBytes);
        const e = new TributaryError(Errors.STORAGE_IO, `${this.s.name}: cannot write to ${this.dir}: ${(err as Error).message}`, { cause: err, retryAfterMs: IO_RETRY_MS });
        for (const p of batch) p.reject(e);
        this.log('error', `write:${this.dir}`, { err, dir: this.dir, records: batch.length }, 'persistent queue write failed; the records were refused (retryable)');
        if (seg !== undefined) await this.cutUnacknowledged(seg);
      }
      this.wakeup.wake();
    }
  }

  /** Takes the pushes waiting, up to maxBatchBytes (at least one). */
  private takeBatch(): Pending[] {
    let n = 0;
    let bytes = 0;
    while (n < this.pending.length && (n === 0 || bytes + this.pending[n].record.length <= this.s.maxBatchBytes)) {
      bytes += this.pending[n].record.length;
      n++;
    }
    return this.pending.splice(0, n);
  }

  private settle(batch: readonly Pending[], payloadBytes: number): void {
    this.pendingRecords -= batch.length;
    this.pendingBytes -= payloadBytes;
  }

  /** After a failed write: cut what it may have left past the acknowledged end, or give up the segment. */
  private async cutUnacknowledged(seg: Segment): Promise<void> {
    try {
      await seg.file!.truncate(seg.end);
      if (this.s.fsync) await seg.file!.sync();
    } catch (err) {
      seg.broken = true;
      this.log('error', `cut:${this.dir}`, { err, segment: seg.path }, 'could not cut a failed write off a queue segment; writing moves to a new segment');
    }
  }

  /** The segment to append `bytes` to: the current one, unless it is broken or the bytes would take it past segmentBytes. */
  private async writableSegment(bytes: number): Promise<Segment> {
    const last = this.segments.at(-1);
    if (last !== undefined && !last.sealed) {
      if (!last.broken && (last.end === SEGMENT_HEADER_BYTES || last.end + bytes <= this.s.segmentBytes)) return last;
      last.sealed = true;
      if (last !== this.segments[0]) await this.closeFile(last);
      else if (this.readOff >= last.end && this.current === undefined && this.loading === undefined) await this.dropFirst();
    }
    const seq = this.nextSeq++;
    const path = join(this.dir, segmentName(seq));
    const file = await this.s.fs.open(path, 'create');
    try {
      await writeAll(file, [segmentHeader()], 0);
      if (this.s.fsync) {
        await file.sync();
        await this.s.fs.syncDir(this.dir);
      }
    } catch (err) {
      await file.close().catch(() => undefined);
      await this.s.fs.unlink(path).catch(() => undefined);
      throw err;
    }
    if (this.segments.length === 0) this.readOff = SEGMENT_HEADER_BYTES;
    const seg: Segment = { seq, path, end: SEGMENT_HEADER_BYTES, records: 0, bytes: 0, sealed: false, broken: false, file, reader: undefined };
    this.segments.push(seg);
    return seg;
  }

  // --- reading -------------------------------------------------------------

  private loadHead(): Promise<void> {
    this.loading ??= this.readHead().finally(() => (this.loading = undefined));
    return this.loading;
  }

  private async readHead(): Promise<void> {
    while (this.current === undefined && this.records > 0) {
      const seg = this.segments[0];
      if (this.readOff >= seg.end) {
        if (!seg.sealed) throw new Error(`${this.s.name}: ${this.records} records counted but none found (a bug; please report it)`);
        await this.dropFirst();
        continue;
      }
      try {
        seg.file ??= await this.s.fs.open(seg.path, 'read');
        seg.reader ??= new FrameReader(seg.file);
        const fr = await seg.reader.readAt(this.readOff, seg.end, true);
        if (fr.ok) this.current = { payload: fr.payload, next: fr.next };
        else await this.skipDamaged(seg, fr.reason);
      } catch (err) {
        await this.skipDamaged(seg, (err as Error).message);
      }
    }
  }

  /** A record that passed recovery no longer reads back: the rest of its segment is given up, loudly. */
  private async skipDamaged(seg: Segment, reason: string): Promise<void> {
    const lost = seg.records;
    this.records -= seg.records;
    this.bytes -= seg.bytes;
    seg.records = 0;
    seg.bytes = 0;
    this.readOff = seg.end;
    this.lost += lost;
    if (!seg.sealed) seg.broken = true;
    let copy: string | undefined = join(this.dir, QUARANTINE_DIR, `${segmentName(seg.seq)}.unreadable.${Date.now()}`);
    try {
      await this.s.fs.mkdir(join(this.dir, QUARANTINE_DIR));
      await this.s.fs.copyFile(seg.path, copy);
    } catch {
      copy = undefined;
    }
    this.s.logger.error({ segment: seg.path, reason, lostRecords: lost, quarantined: copy }, 'queue segment unreadable: the rest of it is skipped');
  }

  /** Deletes the consumed first segment; reading goes on at the start of the next. */
  private async dropFirst(): Promise<void> {
    const seg = this.segments.shift()!;
    this.readOff = SEGMENT_HEADER_BYTES;
    this.consumedBelow = seg.seq + 1;
    await this.closeFile(seg);
    await this.s.fs.unlink(seg.path).catch((err: unknown) => this.log('warn', `unlink:${this.dir}`, { err, segment: seg.path }, 'could not delete a consumed queue segment'));
  }

  private async closeFile(seg: Segment): Promise<void> {
    const f = seg.file;
    seg.file = undefined;
    seg.reader = undefined;
    await f?.close().catch(() => undefined);
  }

  // --- the saved read position --------------------------------------------

  private position(): HeadPosition {
    const first = this.segments[0];
    return first === undefined ? { seq: this.consumedBelow, offset: 0 } : { seq: first.seq, offset: this.readOff };
  }

  private scheduleSave(): void {
    if (this.timer !== undefined || this.released) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.saveHead();
    }, this.s.persistHeadIntervalMs);
    this.timer.unref();
  }

  /** Saves the position reached by the removes so far (queued behind a save under way); never rejects. */
  private saveHead(): Promise<void> {
    const run = this.saving.then(async () => {
      const n = this.unsaved;
      if (n === 0 || this.released) return;
      try {
        await writeHead(this.s.fs, this.dir, this.position(), this.s.fsync);
        this.unsaved -= n;
      } catch (err) {
        this.log('error', `head:${this.dir}`, { err, dir: this.dir }, 'could not save the queue read position; a restart may send more records again');
      }
    });
    this.saving = run;
    return run;
  }
}
