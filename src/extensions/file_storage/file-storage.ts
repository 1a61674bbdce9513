import { createHash } from 'node:crypto';
import { stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
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
  private readonly root: string;
  private readonly queues = new Map<string, Promise<FileQueue>>();

  constructor(
    private readonly set: CreateSettings,
    private readonly config: FileStorageConfig,
    private readonly fs: QueueFs = nodeQueueFs,
  ) {
    this.root = resolve(config.directory);
  }

  start(_host: Host): Promise<void> {
    return this.life.start(async () => {
      if (this.config.compaction !== undefined) {
        this.set.logger.info('compaction settings have no effect in Tributary: consumed queue segments are deleted as the queue drains');
      }
      if (this.config.create_directory) {
        await this.fs.mkdir(this.root, this.mode());
        return;
      }
      const st = await stat(this.root).catch(() => undefined);
      if (st === undefined || !st.isDirectory()) {
        throw new TributaryError(Errors.START_FAILED, `${this.set.id}: directory ${this.root} does not exist; create it or set create_directory: true`);
      }
    });
  }

  shutdown(): Promise<void> {
    return this.life.shutdown(async () => {
      const opened = await Promise.allSettled(this.queues.values());
      for (const r of opened) if (r.status === 'fulfilled') await r.value.release();
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
