/**
 * A fixed amount of plain JavaScript work (array writes over 32 MB, so
 * caches and memory count as they do for the gateway); prints the CPU
 * seconds it took. bench/workers.ts runs one alone and two at once to see
 * what running two busy processes side by side costs on this machine.
 */
const a = new Float64Array(4_000_000);
const t0 = process.cpuUsage();
for (let r = 0; r < 12; r++) for (let i = 0; i < a.length; i++) a[(i * 7919) % a.length] += i;
const c = process.cpuUsage(t0);
process.stdout.write(`${(c.user + c.system) / 1e6} ${a[5]}\n`);
