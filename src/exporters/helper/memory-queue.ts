import type { QueueOptions, RecordQueue } from '../../component/storage.js';
import { DrainRate, Wakeup, admit, closedError } from './queue-admission.js';

/**
 * The bounded in-memory RecordQueue (sending_queue without storage). Records
 * are kept as pushed, without copying; a push resolves as soon as the record
 * is held, so whatever the queue holds is lost if the process dies. After
 * close() pushes are refused and the reader drains what is left, then gets
 * undefined.
 */
export class MemoryQueue implements RecordQueue {
  readonly capacity: { readonly records: number; readonly bytes: number };
  private items: Buffer[] = [];
  private first = 0;
  private bytes = 0;
  private closed = false;
  private readonly drain = new DrainRate();
  private readonly wakeup = new Wakeup();

  constructor(
    opts: QueueOptions,
    private readonly what = 'memory queue',
  ) {
    this.capacity = Object.freeze({ records: opts.maxRecords, bytes: opts.maxBytes });
  }

  push(record: Buffer): Promise<void> {
    if (this.closed) return Promise.reject(closedError(this.what));
    const refused = admit(this.capacity, this.size(), record.length, this.drain, this.what);
    if (refused !== undefined) return Promise.reject(refused);
    this.items.push(record);
    this.bytes += record.length;
    this.wakeup.wake();
    return Promise.resolve();
  }

  async head(): Promise<Buffer | undefined> {
    for (;;) {
      if (this.first < this.items.length) return this.items[this.first];
      if (this.closed) return undefined;
      await this.wakeup.wait();
    }
  }

  remove(): Promise<void> {
    if (this.first >= this.items.length) return Promise.reject(new Error(`${this.what}: remove() on an empty queue`));
    this.bytes -= this.items[this.first].length;
    this.items[this.first++] = EMPTY;
    // Drop the consumed prefix once it is both large and most of the array, so removal stays O(1) amortised.
    if (this.first >= 1024 && this.first * 2 >= this.items.length) {
      this.items = this.items.slice(this.first);
      this.first = 0;
    }
    this.drain.noteRemoved();
    return Promise.resolve();
  }

  size(): { readonly records: number; readonly bytes: number } {
    return { records: this.items.length - this.first, bytes: this.bytes };
  }

  close(): Promise<void> {
    this.closed = true;
    this.wakeup.wake();
    return Promise.resolve();
  }
}

const EMPTY = Buffer.alloc(0);
