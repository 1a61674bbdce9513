import { duration, int, section, z } from '../../config/schema.js';

/**
 * The memory_limiter processor's config: the Collector's keys. The limit is
 * on the process's resident set (RSS), what an out-of-memory killer sees.
 * Above the soft limit (limit - spike limit) data is refused with a
 * retryable error; above the limit itself garbage collection is forced too.
 */
export const memoryLimiterSchema = section({
  check_interval: duration('1s'),
  /** The hard limit in MiB; or use limit_percentage. */
  limit_mib: int(0, 0),
  /** Headroom below the limit for growth between two checks; default 20% of the limit. */
  spike_limit_mib: int(0, 0),
  /** The hard limit as a percentage of the memory available (the container's limit, else the machine's). */
  limit_percentage: int(0, 0, 100),
  spike_limit_percentage: int(0, 0, 100),
  min_gc_interval_when_soft_limited: duration('10s'),
  min_gc_interval_when_hard_limited: duration('0s'),
});

export type MemoryLimiterConfig = z.infer<typeof memoryLimiterSchema>;

export function validateMemoryLimiter(c: MemoryLimiterConfig): string[] {
  const out: string[] = [];
  if (c.check_interval <= 0) out.push('check_interval: must be a duration greater than 0 (got 0)');
  if (c.limit_mib === 0 && c.limit_percentage === 0) out.push('limit_mib: set limit_mib or limit_percentage');
  if (c.limit_mib > 0 && c.limit_percentage > 0) out.push('limit_percentage: set either limit_mib or limit_percentage, not both');
  if (c.limit_mib > 0 && c.spike_limit_mib >= c.limit_mib) out.push(`spike_limit_mib: must be less than limit_mib (${c.limit_mib}) (got ${c.spike_limit_mib})`);
  if (c.limit_percentage > 0 && c.spike_limit_percentage >= c.limit_percentage) {
    out.push(`spike_limit_percentage: must be less than limit_percentage (${c.limit_percentage}) (got ${c.spike_limit_percentage})`);
  }
  return out;
}

const MIB = 1024 * 1024;

/** Hard and soft limits in bytes; `total` is the memory available, for the percentage keys. */
export function limitsOf(c: MemoryLimiterConfig, total: number): { hard: number; soft: number } {
  if (c.limit_mib > 0) {
    const hard = c.limit_mib * MIB;
    const spike = c.spike_limit_mib > 0 ? c.spike_limit_mib * MIB : Math.floor(hard / 5);
    return { hard, soft: hard - spike };
  }
  const hard = Math.floor((total * c.limit_percentage) / 100);
  const spike = c.spike_limit_percentage > 0 ? Math.floor((total * c.spike_limit_percentage) / 100) : Math.floor(hard / 5);
  return { hard, soft: hard - spike };
}
