import { totalmem } from 'node:os';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

/**
 * Measures the process's memory every check_interval and says whether it
 * is below the soft limit (0), between the soft and the hard limit (1) or
 * above the hard limit (2), as the Collector's memory limiter does. Above
 * the soft limit it forces a garbage collection at most every
 * min_gc_interval_when_soft_limited, above the hard limit at most every
 * min_gc_interval_when_hard_limited, and measures again after it, so that
 * garbage alone does not keep data refused.
 *
 * The soft limit is compared with the resident set less half of what the
 * process does not hold (V8's heap, buffers, and what the first reading
 * found resident outside both: code, stacks, native libraries). After a
 * burst, memory the C allocator has freed often stays resident: it is not
 * handed back to the kernel, and only part of it is reused (each thread has
 * its own arena). Compared whole with the soft limit it kept an idle gateway
 * refusing (CI once saw one at 154 MiB resident with a 150 MiB soft limit
 * refuse for 30 s with an empty queue); left out altogether it let a gateway
 * under sustained overload grow past its hard limit (204 MiB for 200). Half
 * keeps both within bounds in the overload tests. The hard limit is always
 * the resident set: that is what an out-of-memory killer counts.
 */

export interface MemoryReading {
  /** Resident set size, bytes: what an out-of-memory killer counts. */
  readonly rss: number;
  readonly heapUsed: number;
  readonly heapTotal?: number;
  readonly external?: number;
  /**
   * Bytes the process holds: V8's heap as committed (a forced collection shrinks it), buffers, and
   * what the first reading found resident outside both. Memory the C allocator has freed but kept
   * is not in it. Absent means "use rss".
   */
  readonly held?: number;
}

export type Level = 0 | 1 | 2;

export interface MonitorOptions {
  readonly soft: number;
  readonly hard: number;
  readonly softGcIntervalMs: number;
  readonly hardGcIntervalMs: number;
  readonly read?: () => MemoryReading;
  /** Forces a full collection; false when the runtime does not allow it. */
  readonly gc?: () => boolean;
  readonly now?: () => number;
  readonly onChange?: (level: Level, previous: Level, r: MemoryReading) => void;
  readonly onGc?: () => void;
}

let overhead: number | undefined;

export function readMemory(): MemoryReading {
  const u = process.memoryUsage();
  // What is resident besides V8's heap and buffers (code, stacks, native libraries), as before any load.
  overhead ??= Math.max(0, u.rss - u.heapTotal - u.external);
  return { rss: u.rss, heapUsed: u.heapUsed, heapTotal: u.heapTotal, external: u.external, held: u.heapTotal + u.external + overhead };
}

/** What the soft limit is compared with: the resident set, less half of it that the process does not hold. */
export function usedBytes(r: MemoryReading): number {
  return r.held === undefined || r.held >= r.rss ? r.rss : (r.rss + r.held) / 2;
}

let gcFn: (() => void) | null | undefined;

/**
 * A full garbage collection: `gc` when node runs with --expose-gc, else the
 * same function obtained by turning the flag on at run time (the V8 flag
 * only makes `gc` visible to contexts created afterwards).
 */
export function forceGc(): boolean {
  if (gcFn === undefined) {
    gcFn = null;
    const g = (globalThis as { gc?: () => void }).gc;
    if (typeof g === 'function') gcFn = g;
    else {
      try {
        setFlagsFromString('--expose-gc');
        const f = runInNewContext('gc') as unknown;
        if (typeof f === 'function') gcFn = f as () => void;
      } catch {
        gcFn = null;
      }
    }
  }
  if (gcFn === null) return false;
  gcFn();
  return true;
}

/** Memory available to the process: the container's limit when there is one, else the machine's. */
export function availableMemory(): number {
  const total = totalmem();
  const constrained = (process as { constrainedMemory?: () => number | undefined }).constrainedMemory?.();
  return constrained !== undefined && constrained > 0 && constrained < total ? constrained : total;
}

export class MemoryMonitor {
  level: Level = 0;
  reading: MemoryReading = { rss: 0, heapUsed: 0 };
  /** usedBytes(reading): what the soft limit was compared with. */
  used = 0;
  private lastGc = -Infinity;
  private readonly read: () => MemoryReading;
  private readonly gc: () => boolean;
  private readonly now: () => number;

  constructor(private readonly o: MonitorOptions) {
    this.read = o.read ?? readMemory;
    this.gc = o.gc ?? forceGc;
    this.now = o.now ?? Date.now;
  }

  check(): void {
    let r = this.read();
    let level = this.levelOf(r);
    if (level > 0) {
      const gap = level === 2 ? this.o.hardGcIntervalMs : this.o.softGcIntervalMs;
      const now = this.now();
      if (now - this.lastGc >= gap && this.gc()) {
        this.lastGc = now;
        this.o.onGc?.();
        r = this.read();
        level = this.levelOf(r);
      }
    }
    const previous = this.level;
    this.level = level;
    this.reading = r;
    this.used = usedBytes(r);
    if (level !== previous) this.o.onChange?.(level, previous, r);
  }

  private levelOf(r: MemoryReading): Level {
    return r.rss >= this.o.hard ? 2 : usedBytes(r) >= this.o.soft ? 1 : 0;
  }
}
