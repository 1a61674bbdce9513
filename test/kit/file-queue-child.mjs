/**
 * The process the crash test kills: it opens a persistent queue from the
 * build (dist/) and, by mode, pushes numbered records as fast as it can
 * (printing "A <seq>" once each push resolved), removes records (printing
 * "H <cycle> <seq>" once head() gave it and "R <cycle> <seq>" once its
 * remove resolved), or both. Output to a pipe is
 * synchronous on Linux, so a printed line means the promise had resolved.
 *
 * usage: node file-queue-child.mjs <dist dir> <queue dir> <cycle> <write|read|both> <persistHeadEvery>
 */
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { makeRecord, readRecord } from './numbered-records.mjs';

const [dist, dir, cycleArg, mode, everyArg] = process.argv.slice(2);
const cycle = Number(cycleArg);
const { FileQueue } = await import(pathToFileURL(join(dist, 'extensions', 'file_storage', 'file-queue.js')).href);

// Never outlive a test that lost track of this process.
setTimeout(() => process.exit(3), 60_000);

const q = await FileQueue.open(dir, { maxRecords: 0, maxBytes: 0, segmentBytes: 256 << 10, persistHeadEvery: Number(everyArg), lockTimeoutMs: 2_000 });
const out = (line) => process.stdout.write(`${line}\n`);
out('OPEN');

const MAX_RECORDS = 4_000;
const IN_FLIGHT = 32;

async function write() {
  let next = 0;
  const pushOne = async () => {
    while (next < MAX_RECORDS) {
      const seq = next++;
      await q.push(makeRecord(cycle, seq));
      out(`A ${seq}`);
    }
  };
  // Concurrent pushes, queued in call order: the queue writes them in order and resolves them in order.
  await Promise.all(Array.from({ length: IN_FLIGHT }, pushOne));
  out('WROTE');
}

async function read() {
  for (;;) {
    const b = await q.head();
    if (b === undefined) return;
    const r = readRecord(b);
    out(r === undefined ? `BAD ${b.length}` : `H ${r.cycle} ${r.seq}`);
    await q.remove();
    out(r === undefined ? 'R bad' : `R ${r.cycle} ${r.seq}`);
  }
}

const work = [];
if (mode === 'write' || mode === 'both') work.push(write());
if (mode === 'read' || mode === 'both') work.push(read());
await Promise.all(work);
