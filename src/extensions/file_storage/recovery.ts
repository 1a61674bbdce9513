import { basename, join } from 'node:path';
import { Errors } from '../../errors/catalogue.js';
import { TributaryError } from '../../errors/tributary-error.js';
import type { Logger } from '../../telemetry/logger.js';
import { type HeadPosition, isHeadTemp, readHead } from './head-store.js';
import type { QueueFile, QueueFs } from './queue-fs.js';
import { FrameReader, SEGMENT_HEADER_BYTES, checkSegmentHeader, segmentName, segmentSeq } from './segment-format.js';

/**
 * Opening a queue directory after a clean stop or a crash: every segment is
 * read and every record's CRC checked.
 *
 * - A segment shorter than its header holds no record (a crash while it was
 *   being created) and is deleted.
 * - The last segment may end in a torn tail: the part of a group commit that
 *   was being written when the process or machine died, never acknowledged.
 *   It is cut off (counted in `tornBytes`) if it is no longer than one group
 *   commit could write (`maxTornBytes`).
 * - Any other bad record (in an earlier segment, or a bad tail too long to be
 *   torn) is corruption: the file is copied into `quarantine/`, the records
 *   before the bad one are kept, the rest of the segment is cut (counted in
 *   `lostBytes`) and the error is logged. A segment with a foreign header is
 *   moved into `quarantine/` whole; one written in a newer format makes
 *   opening fail instead (a downgrade must not set data aside).
 * - Segments before the saved read position were consumed and are deleted.
 */
export interface RecoveredSegment {
  readonly seq: number;
  /** Where its complete records end. */
  readonly end: number;
  /** Records and payload bytes from the read position (for the first segment) or the header on. */
  readonly records: number;
  readonly bytes: number;
}

export interface Recovery {
  readonly segments: readonly RecoveredSegment[];
  /** The read position in segments[0]. */
  readonly readOffset: number;
  /** The sequence number for the next segment (above every one seen and the saved position). */
  readonly nextSeq: number;
  readonly records: number;
  readonly bytes: number;
  readonly tornBytes: number;
  readonly lostBytes: number;
  readonly quarantined: readonly string[];
}

export const QUARANTINE_DIR = 'quarantine';

export interface RecoveryOptions {
  readonly fsync: boolean;
  readonly maxTornBytes: number;
  readonly logger: Logger;
}

export async function recoverQueue(fs: QueueFs, dir: string, opts: RecoveryOptions): Promise<Recovery> {
  const names = await fs.readdir(dir);
  for (const n of names) if (isHeadTemp(n)) await fs.unlink(join(dir, n)).catch(() => undefined);
  const saved = await readHead(fs, dir);
  if (saved === 'invalid') opts.logger.warn({ dir }, 'queue read position unreadable: reading from the oldest segment (records may be sent again)');
  const head: HeadPosition = saved === undefined || saved === 'invalid' ? { seq: 0, offset: 0 } : saved;
  const seqs = names.map(segmentSeq).filter((s): s is number => s !== undefined).sort((a, b) => a - b);
  const st = { tornBytes: 0, lostBytes: 0, quarantined: [] as string[] };
  const segments: RecoveredSegment[] = [];
  let readOffset = SEGMENT_HEADER_BYTES;
  for (let i = 0; i < seqs.length; i++) {
    const seq = seqs[i];
    const path = join(dir, segmentName(seq));
    if (seq < head.seq) {
      await fs.unlink(path); // consumed before the stop; its deletion had not happened or not reached the disk
      continue;
    }
    const from = seq === head.seq ? Math.max(head.offset, SEGMENT_HEADER_BYTES) : SEGMENT_HEADER_BYTES;
    const scanned = await scanSegment(fs, dir, path, from, i === seqs.length - 1, opts, st);
    if (scanned === undefined) continue;
    if (segments.length === 0) readOffset = scanned.start;
    segments.push({ seq, end: scanned.end, records: scanned.records, bytes: scanned.bytes });
  }
  const nextSeq = Math.max(head.seq, seqs.length > 0 ? seqs[seqs.length - 1] : 0) + 1;
  return {
    segments,
    readOffset,
    nextSeq,
    records: segments.reduce((a, s) => a + s.records, 0),
    bytes: segments.reduce((a, s) => a + s.bytes, 0),
    ...st,
  };
}

interface Scanned {
  /** The read position: `from`, or the last record boundary before it if `from` is not one. */
  readonly start: number;
  readonly end: number;
  readonly records: number;
  readonly bytes: number;
}

async function scanSegment(
  fs: QueueFs,
  dir: string,
  path: string,
  from: number,
  last: boolean,
  opts: RecoveryOptions,
  st: { tornBytes: number; lostBytes: number; quarantined: string[] },
): Promise<Scanned | undefined> {
  const f = await fs.open(path, 'update');
  let closed = false;
  const close = async (): Promise<void> => {
    if (!closed) await f.close();
    closed = true;
  };
  try {
    const size = await f.size();
    if (size < SEGMENT_HEADER_BYTES) {
      await close();
      await fs.unlink(path);
      st.tornBytes += size;
      opts.logger.warn({ segment: path, bytes: size }, 'deleted a queue segment cut short while it was being created (it held no records)');
      return undefined;
    }
    const header = Buffer.alloc(SEGMENT_HEADER_BYTES);
    await f.read(header, SEGMENT_HEADER_BYTES, 0);
    const bad = checkSegmentHeader(header);
    if (bad?.newer === true) {
      throw new TributaryError(Errors.START_FAILED, `queue segment ${path}: ${bad.reason}; run the Tributary version that wrote it until the queue drains, or move the directory away`);
    }
    if (bad !== undefined) {
      await close();
      const to = await quarantine(fs, dir, path, 'bad-header', (q) => fs.rename(path, q));
      st.quarantined.push(to);
      st.lostBytes += size;
      opts.logger.error({ segment: path, quarantined: to, reason: bad.reason }, 'queue segment unreadable: moved to quarantine, its records are not sent');
      return undefined;
    }
    const reader = new FrameReader(f);
    let pos = SEGMENT_HEADER_BYTES;
    let start = SEGMENT_HEADER_BYTES;
    let records = 0;
    let bytes = 0;
    let reason: string | undefined;
    while (pos < size) {
      const fr = await reader.readAt(pos, size, false);
      if (!fr.ok) {
        reason = fr.reason;
        break;
      }
      if (fr.next <= from) start = fr.next;
      else {
        records++;
        bytes += fr.payload.length;
      }
      pos = fr.next;
    }
    if (from !== start) {
      opts.logger.warn({ segment: path, saved: from, used: start }, 'saved read position is not a record boundary: reading from the record before it');
    }
    if (reason !== undefined) await cutTail(fs, dir, path, f, pos, size, last, reason, opts, st);
    return { start, end: pos, records, bytes };
  } finally {
    await close();
  }
}

async function cutTail(
  fs: QueueFs,
  dir: string,
  path: string,
  f: QueueFile,
  validEnd: number,
  size: number,
  last: boolean,
  reason: string,
  opts: RecoveryOptions,
  st: { tornBytes: number; lostBytes: number; quarantined: string[] },
): Promise<void> {
  const cut = size - validEnd;
  if (last && cut <= opts.maxTornBytes) {
    st.tornBytes += cut;
    opts.logger.warn({ segment: path, offset: validEnd, bytes: cut, reason }, 'cut a torn tail off the queue (records being written when the process stopped; never acknowledged)');
  } else {
    const to = await quarantine(fs, dir, path, 'corrupt', (q) => fs.copyFile(path, q));
    st.quarantined.push(to);
    st.lostBytes += cut;
    opts.logger.error(
      { segment: path, offset: validEnd, bytes: cut, reason, quarantined: to },
      'queue segment corrupt: records before the damage are kept, the rest of the segment is lost (a copy of the file is in quarantine)',
    );
  }
  await f.truncate(validEnd);
  if (opts.fsync) await f.sync();
}

async function quarantine(fs: QueueFs, dir: string, path: string, why: string, move: (to: string) => Promise<void>): Promise<string> {
  const qdir = join(dir, QUARANTINE_DIR);
  await fs.mkdir(qdir);
  const to = join(qdir, `${basename(path)}.${why}.${Date.now()}`);
  await move(to);
  return to;
}
