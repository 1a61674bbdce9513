import { createHash } from 'node:crypto';
import { readdir, rm, rmdir, stat } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import type { CreateSettings, Host } from '../../component/component.js';
import { Lifecycle } from '../../component/lifecycle.js';
import type { QueueOptions, RecordQueue, StorageExtension } from '../../component/storage.js';
import { Errors } from '../../errors/catalogue.js';
import { TributaryError } from '../../errors/tributary-error.js';
import type { FileStorageConfig } from './config.js';
import { FileQueue } from './file-queue.js';
import { nodeQueueFs, type QueueFs } from './queue-fs.js';

/**
 * The file_storage extension: hands out persistent queues, one directory
 * each, `<directory>/<owner>/<name>/` with both parts sanitised, and
 * releases them all (read positions saved, files closed, locks removed) at
 * shutdown. Extensions shut down after the exporters, so an exporter's
 * reader can drain its queue until then.
 */
export class FileStorage implements StorageExtension {
  readonly isStorageExtension = true;
  private readonly life = new Lifecycle();
  /** `directory`, or `directory/worker-<n>` in worker n of several (service::workers). */
  private root: string;
  private readonly base: string;
  private worker: { readonly index: number; readonly count: number } = { index: 0, count: 1 };
  private readonly queues = new Map<string, Promise<FileQueue>>();
  /** Queues taken over from workers that no longer run; deleted at shutdown once drained. */
  private readonly adopted = new Map<string, FileQueue>();

  constructor(
    private readonly set: CreateSettings,
    private readonly config: FileStorageConfig,
    private readonly fs: QueueFs = nodeQueueFs,
  ) {
    this.base = resolve(config.directory);
    this.root = this.base;
  }

  start(host: Host): Promise<void> {
    return this.life.start(async () => {
      const w = host.worker?.();
      if (w !== undefined && w.count > 1) {
        this.worker = w;
        this.root = join(this.base, workerDir(w.index));
      }
      if (this.config.compaction !== undefined) {
        this.set.logger.info('compaction settings have no effect in Tributary: consumed queue segments are deleted as the queue drains');
      }
      if (this.config.create_directory) {
        await this.fs.mkdir(this.root, this.mode());
        return;
      }
      const st = await stat(this.base).catch(() => undefined);
      if (st === undefined || !st.isDirectory()) {
        throw new TributaryError(Errors.START_FAILED, `${this.set.id}: directory ${this.base} does not exist; create it or set create_directory: true`);
      }
      // The per-worker directory is ours to create inside the one the operator made.
      if (this.root !== this.base) await this.fs.mkdir(this.root, this.mode());
    });
  }

  /**
   * Worker 0 (or the single process) takes over the queues `owner` left in
   * directories no running worker uses: `worker-<m>` for m at or above the
   * worker count, and, with several workers, the single-process layout
   * directly under `directory`. A restart with fewer workers (or from one to
   * several) thus loses nothing. Each queue is returned closed for pushes:
   * its reader sends what it holds; once empty it is deleted at shutdown. A
   * queue still locked by a live process is left alone (logged).
   */
  async adoptOrphans(owner: string): Promise<RecordQueue[]> {
    if (!this.life.running || this.worker.index !== 0) return [];
    const roots: string[] = [];
    for (const name of await readdir(this.base).catch(() => [] as string[])) {
      const m = /^worker-(\d+)$/.exec(name);
      if (m !== null && (this.worker.count === 1 || Number(m[1]) >= this.worker.count)) roots.push(join(this.base, name));
    }
    if (this.worker.count > 1) roots.push(this.base);
    const out: RecordQueue[] = [];
    for (const root of roots) {
      const ownerDir = join(root, safeName(owner));
      for (const q of await readdir(ownerDir).catch(() => [] as string[])) {
        const dir = join(ownerDir, q);
        if (this.queues.has(dir)) continue;
        const queue = await FileQueue.open(dir, {
          maxRecords: 0,
          maxBytes: 0,
          fsync: this.config.fsync,
          lockTimeoutMs: this.config.timeout,
          directoryMode: this.mode(),
          logger: this.set.logger.child({ queue: `${owner}/${q}`, adopted: dir }),
          name: `${this.set.id} adopted queue ${dir}`,
        }).catch((err: unknown) => {
          this.set.logger.warn({ err: (err as Error).message, dir }, 'could not take over a queue left by another worker; it stays on disk');
          return undefined;
        });
        if (queue === undefined) continue;
        await queue.close();
        this.queues.set(dir, Promise.resolve(queue));
        this.adopted.set(dir, queue);
        const held = queue.size().records;
        if (held > 0) {
          this.set.logger.info({ dir, records: held }, 'took over a queue left by a worker that no longer runs; sending what it holds');
          out.push(queue);
        }
      }
    }
    return out;
  }

  shutdown(): Promise<void> {
    return this.life.shutdown(async () => {
      const opened = await Promise.allSettled(this.queues.values());
      for (const r of opened) if (r.status === 'fulfilled') await r.value.release();
      for (const [dir, q] of this.adopted) {
        if (q.size().records > 0) continue;
        await rm(dir, { recursive: true, force: true });
        // The owner and worker directories go too once nothing is left in them.
        await rmdir(dirname(dir)).catch(() => undefined);
        if (dirname(dirname(dir)) !== this.base) await rmdir(dirname(dirname(dir))).catch(() => undefined);
      }
    });
  }

  async openQueue(owner: string, name: string, opts: QueueOptions): Promise<RecordQueue> {
    if (!this.life.running) throw new TributaryError(Errors.SHUTTING_DOWN, `${this.set.id} is not running; cannot open queue ${owner}/${name}`);
    const dir = join(this.root, safeName(owner), safeName(name));
    if (this.queues.has(dir)) throw new TributaryError(Errors.STORAGE_LOCKED, `${this.set.id}: queue ${owner}/${name} is already open (${dir})`);
    const opening = FileQueue.open(dir, {
      ...opts,
      fsync: this.config.fsync,
      lockTimeoutMs: this.config.timeout,
      directoryMode: this.mode(),
      logger: this.set.logger.child({ queue: `${owner}/${name}` }),
      name: `${this.set.id} queue ${owner}/${name}`,
    });
    this.queues.set(dir, opening);
    try {
      return await opening;
    } catch (err) {
      this.queues.delete(dir);
      throw err;
    }
  }

  private mode(): number {
    return Number.parseInt(this.config.directory_permissions, 8);
  }
}

/** The directory of worker n's queues under `directory`. */
export function workerDir(index: number): string {
  return `worker-${index}`;
}

/**
 * A component id or queue name as one safe path segment: letters, digits,
 * '.', '-' and '_' are kept, every other UTF-16 unit (and '~', and a leading
 * '.') becomes '~' and its 4-digit hex code, as the Collector's file_storage
 * names its files, so that distinct names stay distinct. Long names are cut
 * and given a hash so they stay unique.
 */
export function safeName(s: string): string {
  let out = '';
  for (let i = 0; i < s.length; i++) {
    const ch = s[i];
    const keep = /[A-Za-z0-9_-]/.test(ch) || (ch === '.' && i > 0);
    out += keep ? ch : `~${s.charCodeAt(i).toString(16).toUpperCase().padStart(4, '0')}`;
  }
  if (out === '') return '~';
  if (out.length > 120) out = `${out.slice(0, 100)}~${createHash('sha256').update(s).digest('hex').slice(0, 16)}`;
  return out;
}
