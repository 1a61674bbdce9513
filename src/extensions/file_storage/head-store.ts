import { join } from 'node:path';
import type { QueueFs } from './queue-fs.js';
import { errnoCode, writeAll } from './queue-fs.js';

/**
 * The saved read position of a queue, in `head.json`: every record before
 * (segment `seq`, byte `offset`) was removed. A position in a segment that no
 * longer exists means the start of the next one that does. Written
 * atomically: a temporary file is written and synced, renamed over the old
 * one, and the directory synced, so a crash leaves the old or the new
 * position, never a torn one.
 */
export interface HeadPosition {
  readonly seq: number;
  readonly offset: number;
}

export const HEAD_FILE = 'head.json';
const HEAD_TMP = 'head.json.tmp';

/** The saved position; undefined if none was saved, 'invalid' if the file cannot be read as one. */
export async function readHead(fs: QueueFs, dir: string): Promise<HeadPosition | undefined | 'invalid'> {
  let raw: Buffer;
  try {
    raw = await fs.readFile(join(dir, HEAD_FILE));
  } catch (err) {
    if (errnoCode(err) === 'ENOENT') return undefined;
    throw err;
  }
  try {
    const o = JSON.parse(raw.toString('utf8')) as { version?: unknown; segment?: unknown; offset?: unknown };
    if (o.version === 1 && Number.isSafeInteger(o.segment) && Number.isSafeInteger(o.offset) && (o.offset as number) >= 0) {
      return { seq: o.segment as number, offset: o.offset as number };
    }
  } catch {
    // fall through: not JSON
  }
  return 'invalid';
}

export async function writeHead(fs: QueueFs, dir: string, pos: HeadPosition, fsync: boolean): Promise<void> {
  const tmp = join(dir, HEAD_TMP);
  const f = await fs.open(tmp, 'replace');
  try {
    const body = Buffer.from(`${JSON.stringify({ version: 1, segment: pos.seq, offset: pos.offset })}\n`);
    await writeAll(f, [body], 0);
    if (fsync) await f.sync();
  } finally {
    await f.close();
  }
  await fs.rename(tmp, join(dir, HEAD_FILE));
  if (fsync) await fs.syncDir(dir);
}

export function isHeadTemp(name: string): boolean {
  return name === HEAD_TMP;
}
