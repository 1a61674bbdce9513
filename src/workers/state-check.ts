import { availableParallelism } from 'node:os';
import type { ServiceSection } from '../config/service-schema.js';

/**
 * With several worker processes, each worker builds the whole graph, so a
 * component that keeps state per stream keeps it per worker: a stream whose
 * requests land on two workers gets two half-states (wrong cumulative sums,
 * a delta computed from another sender's value, a series limit counted
 * twice, a scrape page showing only one worker's series). Such components
 * are refused with workers > 1 unless the operator accepts per-worker state
 * with `service::allow_per_worker_state: true` (sound when every sender's
 * streams reach one worker, for example one sender per gateway).
 * The file exporter is refused for the same reason: one file, several
 * writers. docs/workers.md explains each.
 */
export const PER_STREAM_STATE: Readonly<Record<'processor' | 'exporter', Readonly<Record<string, string>>>> = {
  processor: {
    deltatocumulative: 'adds up each stream\'s deltas',
    cumulativetodelta: 'subtracts each stream\'s previous value',
    cardinality_guard: 'counts each tenant\'s series',
  },
  exporter: {
    prometheus: 'serves the series it received on a page that a scrape reaches in one worker only',
    awscloudwatchmetrics: 'turns cumulative values into deltas per series',
    awsemf: 'turns cumulative values into deltas per series',
    file: 'writes one file, which every worker would open (and, without append, truncate) on its own',
  },
};

/** How many worker processes `workers` means on this machine. */
export function workerCount(workers: ServiceSection['workers'], cores = availableParallelism()): number {
  return workers === 'auto' ? Math.max(1, cores) : workers;
}

export interface PipelineRefs {
  readonly name: string;
  readonly processors: readonly string[];
  readonly exporters: readonly string[];
}

/** Problems for buildGatewayConfig: one per stateful component in a pipeline, when workers > 1 and not allowed. */
export function perWorkerStateProblems(service: ServiceSection, pipelines: readonly PipelineRefs[]): string[] {
  if (service.allow_per_worker_state || workerCount(service.workers) === 1) return [];
  const out: string[] = [];
  const seen = new Set<string>();
  for (const p of pipelines) {
    for (const [kind, refs] of [['processor', p.processors], ['exporter', p.exporters]] as const) {
      refs.forEach((ref, i) => {
        const type = ref.split('/')[0];
        const why = PER_STREAM_STATE[kind][type];
        if (why === undefined || seen.has(`${kind}:${ref}`)) return;
        seen.add(`${kind}:${ref}`);
        out.push(
          `service::pipelines::${p.name}::${kind}s::${i}: ${kind} "${ref}" ${why}; with service::workers ${JSON.stringify(service.workers)} every worker process runs its own instance; ` +
            'set service::workers: 1, or set service::allow_per_worker_state: true if each stream always reaches the same worker (see docs/workers.md)',
        );
      });
    }
  }
  return out;
}
