import { Errors } from '../errors/catalogue.js';
import { TributaryError } from '../errors/tributary-error.js';
import type { Extension, Host } from './component.js';

/**
 * A FIFO of opaque records with one reader, the contract shared by the
 * in-memory queue and the persistent one (file_storage). The reader looks at
 * the head, sends it, and removes it only when done, so that after a crash or
 * restart the persistent queue hands out again whatever was not removed, in
 * the same order (at-least-once, order kept).
 *
 * Ownership: once push() is called the caller no longer touches the buffer
 * (the memory queue keeps it as is); the buffer head() returns belongs to the
 * reader. Any number of callers may push concurrently; records are queued in
 * the order push() was called. There is exactly one reader.
 */
export interface RecordQueue {
  /**
   * Appends a record. Resolves once it is held as promised: in memory for the
   * memory queue, written to disk (and fsync'd, unless the storage has fsync
   * off) for the persistent queue. A record becomes visible to head() only
   * when its push resolves, and a rejected push leaves nothing visible.
   * Rejects with:
   * - a retryable TRIB_ERR_QUEUE_FULL, with retryAfterMs, when the record
   *   would exceed the capacity;
   * - a permanent TRIB_ERR_QUEUE_RECORD_TOO_LARGE when the record alone is
   *   larger than the byte capacity (it could never fit);
   * - a retryable TRIB_ERR_STORAGE_IO when the disk refuses the write;
   * - a retryable TRIB_ERR_SERVICE_DRAINING once close() was called.
   */
  push(record: Buffer): Promise<void>;
  /**
   * The oldest record not yet removed, waiting for one while the queue is
   * open and empty. Calling it again before remove() returns the same record.
   * After close() it keeps returning the records left, so the reader can
   * drain them, and resolves undefined once none is left (a persistent
   * queue's reader may stop earlier: what it leaves stays on disk).
   */
  head(): Promise<Buffer | undefined>;
  /**
   * Removes the oldest record (the one head() returned). Rejects if the queue
   * holds none. For the persistent queue the new read position is saved
   * lazily; see its documentation for how many removed records a crash may
   * hand out again.
   */
  remove(): Promise<void>;
  /** Records and payload bytes held, counting pushes accepted but not yet resolved (what the capacity is checked against). */
  size(): { readonly records: number; readonly bytes: number };
  readonly capacity: { readonly records: number; readonly bytes: number };
  /**
   * Stops accepting pushes, waits for pushes already accepted to settle and
   * wakes a waiting head() (which resolves undefined if nothing is left).
   * Safe to call twice. A persistent queue keeps its data and its files stay
   * open for the reader to drain; the storage extension that opened it
   * releases its files and lock when it shuts down.
   */
  close(): Promise<void>;
}

export interface QueueOptions {
  /** At most this many records (0: no limit on the count). */
  readonly maxRecords: number;
  /** At most this many bytes of records, counting payloads only (0: no limit on bytes). */
  readonly maxBytes: number;
}

/** A storage extension (file_storage) hands out named persistent queues. */
export interface StorageExtension extends Extension {
  readonly isStorageExtension: true;
  /**
   * Opens (creating or recovering) the queue named `name` for `owner` (a
   * component id). Call it from start(): the extension starts before the
   * exporters and releases every queue it opened when it shuts down, after
   * them. Rejects with TRIB_ERR_STORAGE_LOCKED if the queue is already open,
   * in this process or another.
   */
  openQueue(owner: string, name: string, opts: QueueOptions): Promise<RecordQueue>;
  /**
   * With worker processes (service::workers): the queues of `owner` that
   * workers which no longer run left behind, opened and closed for pushes,
   * for the caller to drain with readers of its own. Call from start(),
   * after openQueue. Returns none except in the worker that adopts them.
   */
  adoptOrphans?(owner: string): Promise<RecordQueue[]>;
}

export function isStorageExtension(e: Extension | undefined): e is StorageExtension {
  return e !== undefined && (e as Partial<StorageExtension>).isStorageExtension === true;
}

export function mustStorageExtension(host: Host, id: string, who: string): StorageExtension {
  const ext = host.getExtension(id);
  if (ext === undefined) {
    throw new TributaryError(Errors.START_FAILED, `${who}: sending_queue::storage "${id}" is not a running extension (add it under extensions and service::extensions)`);
  }
  if (!isStorageExtension(ext)) throw new TributaryError(Errors.START_FAILED, `${who}: extension "${id}" is not a storage extension`);
  return ext;
}
