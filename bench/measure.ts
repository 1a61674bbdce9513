/**
 * CPU-time measurement for benchmarks: rates are per CPU-second of this
 * process (user + system), which drifts less than wall time on shared
 * machines. Rounds alternate between contenders so that drift hits both.
 */

export function cpuSeconds(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
}

export interface Contender {
  readonly name: string;
  /** Runs one unit of work and returns how many items it processed. */
  readonly run: () => number;
}

export interface Rate {
  readonly name: string;
  readonly itemsPerCpuSecond: number;
}

/** Runs each contender in alternating rounds for about `seconds` CPU-seconds in all; returns the best-of-rounds median rate. */
export function compare(contenders: readonly Contender[], seconds = 6, rounds = 6): Rate[] {
  for (const c of contenders) for (let i = 0; i < 30; i++) c.run(); // warm-up: let the JIT settle
  const perRound = seconds / rounds / contenders.length;
  const rates = contenders.map(() => [] as number[]);
  for (let r = 0; r < rounds; r++) {
    contenders.forEach((c, k) => {
      let items = 0;
      const t0 = cpuSeconds();
      let t = t0;
      while (t - t0 < perRound) {
        items += c.run();
        t = cpuSeconds();
      }
      rates[k].push(items / (t - t0));
    });
  }
  return contenders.map((c, k) => ({ name: c.name, itemsPerCpuSecond: median(rates[k]) }));
}

export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 === 1 ? s[m] : (s[m - 1] + s[m]) / 2;
}

export function fmtRate(r: number): string {
  return r >= 1e6 ? `${(r / 1e6).toFixed(2)} M/s` : `${(r / 1e3).toFixed(1)} k/s`;
}

export interface AsyncContender {
  readonly name: string;
  /** Runs one unit of asynchronous work and returns how many items it processed. */
  readonly run: () => Promise<number>;
}

export interface AsyncRate extends Rate {
  /** Items per second of elapsed time: what waiting on a disk or a network costs shows here, not in CPU time. */
  readonly itemsPerWallSecond: number;
}

/**
 * compare() for work that waits (I/O): rounds last about `seconds / rounds /
 * contenders` of elapsed time each, and report both CPU and elapsed rates.
 */
export async function compareAsync(contenders: readonly AsyncContender[], seconds = 6, rounds = 3): Promise<AsyncRate[]> {
  for (const c of contenders) await c.run(); // warm-up
  const perRound = seconds / rounds / contenders.length;
  const cpu = contenders.map(() => [] as number[]);
  const wall = contenders.map(() => [] as number[]);
  for (let r = 0; r < rounds; r++) {
    for (const [k, c] of contenders.entries()) {
      let items = 0;
      const c0 = cpuSeconds();
      const w0 = performance.now() / 1e3;
      let w = w0;
      while (w - w0 < perRound) {
        items += await c.run();
        w = performance.now() / 1e3;
      }
      cpu[k].push(items / (cpuSeconds() - c0));
      wall[k].push(items / (w - w0));
    }
  }
  return contenders.map((c, k) => ({ name: c.name, itemsPerCpuSecond: median(cpu[k]), itemsPerWallSecond: median(wall[k]) }));
}

export function fmtBytes(b: number): string {
  return b >= 1 << 20 ? `${(b / (1 << 20)).toFixed(1)} MiB` : `${(b / 1024).toFixed(1)} KiB`;
}
