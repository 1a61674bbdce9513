import { mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { isStorageExtension } from '../../component/storage.js';
import { lifecycleSuite } from '../../test-kit/lifecycle-suite.js';
import { drain, rec, recNo, rejection } from '../../test-kit/record-queue-suite.js';
import { testHost, testSettings } from '../../test-kit/settings.js';
import { fileStorageSchema } from './config.js';
import { fileStorageFactory } from './factory.js';
import { FileStorage, safeName } from './file-storage.js';

const lifecycleDir = join(tmpdir(), `trib-file-storage-lifecycle-${process.pid}`);
lifecycleSuite(fileStorageFactory, { directory: lifecycleDir });

const dirs: string[] = [lifecycleDir];
const running: FileStorage[] = [];

async function newDir(): Promise<string> {
  const d = await mkdtemp(join(tmpdir(), 'trib-fstore-'));
  dirs.push(d);
  return d;
}

async function startStorage(raw: Record<string, unknown>): Promise<FileStorage> {
  const ext = new FileStorage(testSettings('extension', 'file_storage/q'), fileStorageSchema.parse(raw));
  running.push(ext);
  await ext.start(testHost());
  return ext;
}

afterEach(async () => {
  for (const e of running.splice(0)) await e.shutdown();
});
afterAll(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

const OPTS = { maxRecords: 100, maxBytes: 1 << 20 };

describe('file_storage config', () => {
  it('has safe defaults', () => {
    expect(fileStorageSchema.parse({})).toEqual({
      directory: './data/file_storage',
      timeout: 1000,
      create_directory: true,
      directory_permissions: '0750',
      fsync: true,
    });
  });

  it("accepts the Collector's keys, compaction included", () => {
    const c = fileStorageSchema.parse({
      directory: '/var/lib/otelcol/mydir',
      timeout: '2s',
      fsync: false,
      create_directory: false,
      directory_permissions: '0700',
      compaction: { on_start: true, on_rebound: true, directory: '/tmp/', max_transaction_size: 65_536, rebound_needed_threshold_mib: 100, rebound_trigger_threshold_mib: 10, check_interval: '5s', cleanup_on_start: true },
    });
    expect(c.timeout).toBe(2000);
    expect(c.compaction?.on_start).toBe(true);
    expect(fileStorageSchema.parse({ compaction: null }).compaction).toBeDefined();
  });

  it.each([
    [{ directory_permissions: 750 }, 'directory_permissions'],
    [{ directory_permissions: '0999' }, 'directory_permissions'],
    [{ timeout: 'soon' }, 'timeout'],
    [{ directory: '' }, 'directory'],
    [{ compaction: { on_start: 'yes' } }, 'compaction'],
    [{ sync: true }, 'sync'],
  ])('rejects %j', (raw, key) => {
    const r = fileStorageSchema.safeParse(raw);
    expect(r.success).toBe(false);
    expect(JSON.stringify(r.error?.issues)).toContain(key);
  });
});

describe('file_storage extension', () => {
  it('is a storage extension', async () => {
    expect(isStorageExtension(await startStorage({ directory: await newDir() }))).toBe(true);
  });

  it('creates its directory (create_directory defaults to true)', async () => {
    const dir = join(await newDir(), 'a', 'b');
    await startStorage({ directory: dir });
    expect((await stat(dir)).isDirectory()).toBe(true);
  });

  it('fails to start on a missing directory with create_directory: false', async () => {
    const dir = join(await newDir(), 'missing');
    const ext = new FileStorage(testSettings('extension', 'file_storage'), fileStorageSchema.parse({ directory: dir, create_directory: false }));
    const err = await rejection(ext.start(testHost()));
    expect(err.code).toBe('TRIB_ERR_START_FAILED');
    expect(err.message).toContain('create_directory');
  });

  it('opens one directory per owner and name, and releases every queue at shutdown', async () => {
    const dir = await newDir();
    const ext = await startStorage({ directory: dir });
    const a = await ext.openQueue('prometheusremotewrite/amp', 'shard-0', OPTS);
    const b = await ext.openQueue('prometheusremotewrite/amp', 'shard-1', OPTS);
    expect(a.capacity).toEqual({ records: 100, bytes: 1 << 20 });
    for (let i = 0; i < 5; i++) await a.push(rec(i));
    await b.push(rec(100));
    expect((await drain(a, 2)).map(recNo)).toEqual([0, 1]);
    expect((await readdir(dir)).sort()).toEqual(['prometheusremotewrite~002Famp']);
    expect((await readdir(join(dir, 'prometheusremotewrite~002Famp'))).sort()).toEqual(['shard-0', 'shard-1']);
    const again = await rejection(ext.openQueue('prometheusremotewrite/amp', 'shard-0', OPTS));
    expect(again.code).toBe('TRIB_ERR_STORAGE_LOCKED');
    await ext.shutdown();
    expect(await a.head()).toBeUndefined();
    expect(await readdir(join(dir, 'prometheusremotewrite~002Famp', 'shard-0'))).not.toContain('LOCK');
    const ext2 = await startStorage({ directory: dir });
    const a2 = await ext2.openQueue('prometheusremotewrite/amp', 'shard-0', OPTS);
    expect((await drain(a2, 3)).map(recNo)).toEqual([2, 3, 4]);
  });

  it('a second instance on the same directory cannot open a queue the first holds', async () => {
    const dir = await newDir();
    await (await startStorage({ directory: dir })).openQueue('x', 'q', OPTS);
    const other = await startStorage({ directory: dir, timeout: '50ms' });
    expect((await rejection(other.openQueue('x', 'q', OPTS))).code).toBe('TRIB_ERR_STORAGE_LOCKED');
  });

  it('refuses to open queues when not running', async () => {
    const ext = new FileStorage(testSettings('extension', 'file_storage'), fileStorageSchema.parse({ directory: await newDir() }));
    expect((await rejection(ext.openQueue('x', 'q', OPTS))).code).toBe('TRIB_ERR_SERVICE_DRAINING');
  });
});

describe('safeName', () => {
  it.each([
    ['prometheusremotewrite/amp', 'prometheusremotewrite~002Famp'],
    ['otlp_http-2.x', 'otlp_http-2.x'],
    ['a~b', 'a~007Eb'],
    ['.hidden', '~002Ehidden'],
    ['..', '~002E.'],
    ['', '~'],
    ['é', '~00E9'],
  ])('%j -> %j', (input, out) => {
    expect(safeName(input)).toBe(out);
  });

  it('keeps long names short and distinct', () => {
    const a = safeName('x'.repeat(300));
    const b = safeName(`${'x'.repeat(299)}y`);
    expect(a.length).toBeLessThanOrEqual(120);
    expect(a).not.toBe(b);
  });
});

describe('file_storage with several workers (service::workers)', () => {
  const workerHost = (index: number, count: number) => ({ ...testHost(), worker: () => ({ index, count, forward: async () => undefined, handle: () => () => undefined }) });

  async function startAs(directory: string, index: number, count: number): Promise<FileStorage> {
    const ext = new FileStorage(testSettings('extension', 'file_storage'), fileStorageSchema.parse({ directory }));
    running.push(ext);
    await ext.start(count === 1 ? testHost() : workerHost(index, count));
    return ext;
  }

  async function fill(ext: FileStorage, name: string, from: number, n: number): Promise<void> {
    const q = await ext.openQueue('prometheusremotewrite', name, OPTS);
    for (let i = from; i < from + n; i++) await q.push(rec(i));
  }

  it('gives each worker its own directory, and worker 0 alone adopts the queues of workers beyond the new count', async () => {
    const dir = await newDir();
    const w0 = await startAs(dir, 0, 3);
    const w1 = await startAs(dir, 1, 3);
    const w2 = await startAs(dir, 2, 3);
    await fill(w0, 'shard-0-of-3', 0, 5);
    await fill(w1, 'shard-1-of-3', 100, 4);
    await fill(w2, 'shard-2-of-3', 200, 3);
    for (const e of running.splice(0)) await e.shutdown();
    expect((await readdir(dir)).sort()).toEqual(['worker-0', 'worker-1', 'worker-2']);

    // Restart with two workers: worker-2 is an orphan; worker 0 adopts it, worker 1 gets nothing.
    const n0 = await startAs(dir, 0, 2);
    const n1 = await startAs(dir, 1, 2);
    expect(await n1.adoptOrphans('prometheusremotewrite')).toEqual([]);
    const adopted = await n0.adoptOrphans('prometheusremotewrite');
    expect(adopted).toHaveLength(1);
    expect((await drain(adopted[0])).map(recNo)).toEqual([200, 201, 202]);
    // Its own queues are not adopted twice.
    expect(await n0.adoptOrphans('prometheusremotewrite')).toHaveLength(0);
    for (const e of running.splice(0)) await e.shutdown();
    // Drained, the orphan directory is gone; the others keep their data.
    expect((await readdir(dir)).sort()).toEqual(['worker-0', 'worker-1']);

    // Back to one process: it adopts both workers' queues, in full.
    const single = await startAs(dir, 0, 1);
    const all = await single.adoptOrphans('prometheusremotewrite');
    const got = (await Promise.all(all.map((q) => drain(q)))).flat().map(recNo).sort((a, b) => a - b);
    expect(got).toEqual([0, 1, 2, 3, 4, 100, 101, 102, 103]);
  });

  it('adopts the single-process queues when the gateway moves to several workers', async () => {
    const dir = await newDir();
    await fill(await startAs(dir, 0, 1), 'shard-0-of-1', 0, 4);
    for (const e of running.splice(0)) await e.shutdown();
    const w0 = await startAs(dir, 0, 2);
    const adopted = await w0.adoptOrphans('prometheusremotewrite');
    expect(adopted).toHaveLength(1);
    expect((await drain(adopted[0])).map(recNo)).toEqual([0, 1, 2, 3]);
  });
});
