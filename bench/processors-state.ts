import { spawn } from 'node:child_process';
import { join } from 'node:path';

/**
 * deltatocumulative state per stream, measured in a child process run with
 * --expose-gc (see kit/state-child.ts): heap + external memory after forced
 * GCs with the processor alive, minus the same once it is released. Target:
 * at most 250 bytes per stream at 1 million streams.
 */
function child(kind: string, streams: number): Promise<{ bytesPerStream: number; reportedPerStream: number; streams: number }> {
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, ['--expose-gc', join(import.meta.dirname, 'kit', 'state-child.js'), kind, String(streams)], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    p.stdout.on('data', (d: Buffer) => (out += d.toString()));
    p.on('exit', (code) => (code === 0 ? resolve(JSON.parse(out.trim().split('\n').pop()!)) : reject(new Error(`state child ${kind} exited with ${code}: ${out}`))));
  });
}

export async function benchProcessorsState(): Promise<{ lines: string[] }> {
  const lines: string[] = [];
  for (const [kind, streams, what] of [
    ['sum', 1_000_000, 'delta sums'],
    ['histogram', 1_000_000, 'explicit histograms, 16 buckets (the SDK default bounds)'],
    ['exponential', 1_000_000, 'exponential histograms, 20 positive buckets'],
  ] as const) {
    const r = await child(kind, streams);
    lines.push(`deltatocumulative, ${r.streams.toLocaleString('en')} streams of ${what}: ${r.bytesPerStream.toFixed(0)} bytes per stream measured (self-metric reports ${r.reportedPerStream.toFixed(0)})`);
  }
  lines.push('target: at most 250 bytes per stream at 1 million streams');
  return { lines };
}
