import { Errors } from '../errors/catalogue.js';
import { TributaryError } from '../errors/tributary-error.js';
import type { Extension, Host } from './component.js';

/**
 * A FIFO of opaque records with one reader, the contract shared by the
 * in-memory queue and the persistent one (file_storage). The reader looks at
 * the head, sends it, and removes it only when done, so that after a crash or
 * restart the persistent queue hands out again whatever was not removed, in
 * the same order (at-least-once, order kept).
 */
export interface RecordQueue {
  /**
   * Appends a record. Resolves once it is held as promised: in memory for the
   * memory queue, on disk (fsync'd) for the persistent queue. Rejects with a
   * retryable TRIB_ERR_QUEUE_FULL when the record would exceed the capacity,
   * and with a retryable error when the disk refuses the write.
   */
  push(record: Buffer): Promise<void>;
  /** The oldest record not yet removed; waits for one. Resolves undefined once closed and, if `drain`, empty. */
  head(): Promise<Buffer | undefined>;
  /** Removes the record that head() returned. */
  remove(): Promise<void>;
  /** Records and bytes held. */
  size(): { readonly records: number; readonly bytes: number };
  readonly capacity: { readonly records: number; readonly bytes: number };
  /** Stops accepting pushes; wakes a waiting head() with undefined. Persistent queues keep their data. */
  close(): Promise<void>;
}

export interface QueueOptions {
  /** At most this many records (0: no limit on the count). */
  readonly maxRecords: number;
  /** At most this many bytes of records (0: no limit on bytes). */
  readonly maxBytes: number;
}

/** A storage extension (file_storage) hands out named persistent queues. */
export interface StorageExtension extends Extension {
  readonly isStorageExtension: true;
  /** Opens (creating or recovering) the queue named `name` for `owner` (a component id). */
  openQueue(owner: string, name: string, opts: QueueOptions): Promise<RecordQueue>;
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
