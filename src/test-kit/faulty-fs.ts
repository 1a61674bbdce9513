import type { OpenMode, QueueFile, QueueFs } from '../extensions/file_storage/queue-fs.js';
import { nodeQueueFs } from '../extensions/file_storage/queue-fs.js';

/**
 * The real file system with faults on demand, for the persistent queue's
 * tests: the next write can fail outright or after writing part of its
 * bytes (as a full disk does), a sync or truncate can fail, and every call
 * is counted. Root ignores file permissions, so this is how tests make a
 * disk refuse.
 */
export type FaultOp = 'write' | 'sync' | 'truncate' | 'open' | 'rename' | 'syncDir';

interface Fault {
  readonly op: FaultOp;
  readonly code: string;
  /** For writes: how many bytes reach the file before the error. */
  readonly partialBytes: number;
  /** Only paths containing this. */
  readonly pathPart: string;
  remaining: number;
}

export class FaultyFs implements QueueFs {
  readonly calls: Record<FaultOp, number> = { write: 0, sync: 0, truncate: 0, open: 0, rename: 0, syncDir: 0 };
  private faults: Fault[] = [];

  constructor(private readonly base: QueueFs = nodeQueueFs) {}

  /** Makes the next `times` calls of `op` (on paths containing `pathPart`) fail with `code`. */
  fail(op: FaultOp, opts: { code?: string; partialBytes?: number; times?: number; pathPart?: string } = {}): void {
    this.faults.push({ op, code: opts.code ?? 'EIO', partialBytes: opts.partialBytes ?? 0, pathPart: opts.pathPart ?? '', remaining: opts.times ?? 1 });
  }

  clear(): void {
    this.faults = [];
  }

  /** The fault to raise for this call, if any (counting the call). */
  take(op: FaultOp, path: string): Fault | undefined {
    this.calls[op]++;
    const f = this.faults.find((x) => x.op === op && x.remaining > 0 && path.includes(x.pathPart));
    if (f !== undefined) f.remaining--;
    return f;
  }

  async open(path: string, mode: OpenMode): Promise<QueueFile> {
    const f = this.take('open', path);
    if (f !== undefined) throw errno(f.code, 'open', path);
    return new FaultyFile(this, path, await this.base.open(path, mode));
  }

  readFile(path: string): Promise<Buffer> {
    return this.base.readFile(path);
  }

  readdir(dir: string): Promise<string[]> {
    return this.base.readdir(dir);
  }

  mkdir(dir: string, mode?: number): Promise<void> {
    return this.base.mkdir(dir, mode);
  }

  async rename(from: string, to: string): Promise<void> {
    const f = this.take('rename', from);
    if (f !== undefined) throw errno(f.code, 'rename', from);
    return this.base.rename(from, to);
  }

  unlink(path: string): Promise<void> {
    return this.base.unlink(path);
  }

  link(from: string, to: string): Promise<void> {
    return this.base.link(from, to);
  }

  copyFile(from: string, to: string): Promise<void> {
    return this.base.copyFile(from, to);
  }

  async syncDir(dir: string): Promise<void> {
    const f = this.take('syncDir', dir);
    if (f !== undefined) throw errno(f.code, 'fsync', dir);
    return this.base.syncDir(dir);
  }
}

class FaultyFile implements QueueFile {
  constructor(
    private readonly fs: FaultyFs,
    private readonly path: string,
    private readonly base: QueueFile,
  ) {}

  async writev(buffers: readonly Buffer[], position: number): Promise<number> {
    const f = this.fs.take('write', this.path);
    if (f === undefined) return this.base.writev(buffers, position);
    if (f.partialBytes > 0) {
      const all = Buffer.concat(buffers as Buffer[]);
      await this.base.writev([all.subarray(0, Math.min(f.partialBytes, all.length))], position);
    }
    throw errno(f.code, 'write', this.path);
  }

  read(into: Buffer, length: number, position: number): Promise<number> {
    return this.base.read(into, length, position);
  }

  async sync(): Promise<void> {
    const f = this.fs.take('sync', this.path);
    if (f !== undefined) throw errno(f.code, 'fsync', this.path);
    return this.base.sync();
  }

  async truncate(length: number): Promise<void> {
    const f = this.fs.take('truncate', this.path);
    if (f !== undefined) throw errno(f.code, 'ftruncate', this.path);
    return this.base.truncate(length);
  }

  size(): Promise<number> {
    return this.base.size();
  }

  close(): Promise<void> {
    return this.base.close();
  }
}

function errno(code: string, syscall: string, path: string): NodeJS.ErrnoException {
  return Object.assign(new Error(`${code}: injected failure, ${syscall} '${path}'`), { code, syscall, path });
}
