import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RecordQueue } from '../src/component/storage.js';
import { MemoryQueue } from '../src/exporters/helper/memory-queue.js';
import { FileQueue } from '../src/extensions/file_storage/file-queue.js';
import { type AsyncContender, compareAsync, fmtRate } from './measure.js';

/**
 * Exporter queues: push + head + remove of 28 KB records (a snappy-compressed
 * remote-write request of 2,000 samples), with many pushes in flight as
 * several pipelines feeding one exporter would have. The persistent queue
 * fsyncs (the file_storage default); group commit lets concurrent pushes
 * share an fsync, shown beside one push at a time.
 */
const RECORD_BYTES = 28 * 1024;

/** Pushes `n` records with `inFlight` pushes outstanding while one reader removes them; resolves when all are removed. */
async function pump(q: RecordQueue, record: Buffer, n: number, inFlight: number): Promise<number> {
  const reader = (async () => {
    for (let i = 0; i < n; i++) {
      await q.head();
      await q.remove();
    }
  })();
  let next = 0;
  const writer = async (): Promise<void> => {
    while (next < n) {
      next++;
      await q.push(record);
    }
  };
  await Promise.all(Array.from({ length: inFlight }, writer));
  await reader;
  return n;
}

export async function benchQueue(): Promise<{ lines: string[] }> {
  const record = Buffer.alloc(RECORD_BYTES, 0x5a);
  const dir = await mkdtemp(join(tmpdir(), 'tributary-bench-queue-'));
  const limits = { maxRecords: 0, maxBytes: 0 };
  const mem = new MemoryQueue(limits);
  const grouped = await FileQueue.open(join(dir, 'grouped'), limits);
  const single = await FileQueue.open(join(dir, 'single'), limits);
  const nosync = await FileQueue.open(join(dir, 'nosync'), { ...limits, fsync: false });
  const contenders: AsyncContender[] = [
    { name: 'memory queue, 64 pushes in flight', run: () => pump(mem, record, 2000, 64) },
    { name: 'file queue, fsync, 64 pushes in flight (group commit)', run: () => pump(grouped, record, 1000, 64) },
    { name: 'file queue, fsync, 1 push at a time', run: () => pump(single, record, 100, 1) },
    { name: 'file queue, fsync off, 64 pushes in flight', run: () => pump(nosync, record, 1000, 64) },
  ];
  try {
    const rates = await compareAsync(contenders, 8, 3);
    const mb = (r: number): string => `${((r * RECORD_BYTES) / 1e6).toFixed(0)} MB/s`;
    return {
      lines: [
        `record: ${RECORD_BYTES} bytes; each item is one push + head + remove`,
        ...rates.map((r) => `${r.name}: ${fmtRate(r.itemsPerCpuSecond)} per CPU-second (${mb(r.itemsPerCpuSecond)}), ${fmtRate(r.itemsPerWallSecond)} elapsed (${mb(r.itemsPerWallSecond)})`),
      ],
    };
  } finally {
    for (const q of [grouped, single, nosync]) await q.release();
    await rm(dir, { recursive: true, force: true });
  }
}
