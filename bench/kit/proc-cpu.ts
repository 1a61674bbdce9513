import { readFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';

/** CPU seconds (user + system) a process has used so far, from /proc (Linux). */
const TICKS = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;

export function processCpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // Fields after the command name (which may contain spaces) start after the last ')'.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const utime = Number(fields[11]);
  const stime = Number(fields[12]);
  return (utime + stime) / TICKS;
}

/** CPU seconds of a process and all its threads' children (for a gateway with worker processes, pass every pid). */
export function totalCpuSeconds(pids: readonly number[]): number {
  return pids.reduce((a, p) => a + processCpuSeconds(p), 0);
}
