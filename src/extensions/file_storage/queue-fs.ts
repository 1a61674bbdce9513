import { type FileHandle, copyFile, link, mkdir, open, readFile, readdir, rename, unlink } from 'node:fs/promises';

/**
 * The file operations the persistent queue uses, behind an interface so that
 * tests can make any of them fail (a full disk, an I/O error, a write cut in
 * half) without needing a read-only mount, which root would ignore anyway.
 * Every write the queue does goes through here.
 */
export interface QueueFile {
  /** Writes the buffers at `position`; may write less than asked (returns how much). */
  writev(buffers: readonly Buffer[], position: number): Promise<number>;
  /** Reads into `into` from `position`; returns how many bytes were read (fewer at the end of the file). */
  read(into: Buffer, length: number, position: number): Promise<number>;
  sync(): Promise<void>;
  truncate(length: number): Promise<void>;
  size(): Promise<number>;
  close(): Promise<void>;
}

/** 'read': existing, read only; 'update': existing, read and write; 'create': new (fails if it exists), read and write; 'replace': created or emptied, write. */
export type OpenMode = 'read' | 'update' | 'create' | 'replace';

export interface QueueFs {
  open(path: string, mode: OpenMode): Promise<QueueFile>;
  readFile(path: string): Promise<Buffer>;
  readdir(dir: string): Promise<string[]>;
  mkdir(dir: string, mode?: number): Promise<void>;
  rename(from: string, to: string): Promise<void>;
  unlink(path: string): Promise<void>;
  /** Creates `to` as another name of `from`; fails with EEXIST if `to` exists (the atomic create the lock relies on). */
  link(from: string, to: string): Promise<void>;
  copyFile(from: string, to: string): Promise<void>;
  /** Makes a directory's entries (created, renamed files) durable. */
  syncDir(dir: string): Promise<void>;
}

const FLAGS: Record<OpenMode, string> = { read: 'r', update: 'r+', create: 'wx+', replace: 'w' };

class NodeQueueFile implements QueueFile {
  constructor(private readonly fh: FileHandle) {}

  async writev(buffers: readonly Buffer[], position: number): Promise<number> {
    return (await this.fh.writev(buffers as Buffer[], position)).bytesWritten;
  }

  async read(into: Buffer, length: number, position: number): Promise<number> {
    return (await this.fh.read(into, 0, length, position)).bytesRead;
  }

  sync(): Promise<void> {
    return this.fh.sync();
  }

  truncate(length: number): Promise<void> {
    return this.fh.truncate(length);
  }

  async size(): Promise<number> {
    return (await this.fh.stat()).size;
  }

  close(): Promise<void> {
    return this.fh.close();
  }
}

/** The real file system (node:fs/promises). */
export const nodeQueueFs: QueueFs = {
  open: async (path, mode) => new NodeQueueFile(await open(path, FLAGS[mode])),
  readFile: (path) => readFile(path),
  readdir: (dir) => readdir(dir),
  mkdir: async (dir, mode) => {
    await mkdir(dir, { recursive: true, mode });
  },
  rename: (from, to) => rename(from, to),
  unlink: (path) => unlink(path),
  link: (from, to) => link(from, to),
  copyFile: (from, to) => copyFile(from, to),
  syncDir: async (dir) => {
    const fh = await open(dir, 'r');
    try {
      await fh.sync();
    } finally {
      await fh.close();
    }
  },
};

export function errnoCode(err: unknown): string | undefined {
  return typeof err === 'object' && err !== null && 'code' in err && typeof err.code === 'string' ? err.code : undefined;
}

/** Writes all of `buffers` at `position`, going on after short writes; a write error leaves an unknown part written. */
export async function writeAll(file: QueueFile, buffers: readonly Buffer[], position: number): Promise<void> {
  let rest = buffers.filter((b) => b.length > 0);
  let pos = position;
  while (rest.length > 0) {
    let n = await file.writev(rest, pos);
    if (n <= 0) throw Object.assign(new Error('a write made no progress'), { code: 'EIO' });
    pos += n;
    let i = 0;
    while (i < rest.length && n >= rest[i].length) n -= rest[i++].length;
    rest = rest.slice(i);
    if (n > 0) rest[0] = rest[0].subarray(n);
  }
}
