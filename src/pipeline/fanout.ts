import type { Consumer, RequestContext } from '../component/component.js';
import { Errors } from '../errors/catalogue.js';
import { TributaryError, asTributaryError } from '../errors/tributary-error.js';
import { cloneBatch } from '../model/batch.js';
import type { MetricBatch } from '../model/metric.js';

/**
 * Sends each batch to several consumers. Copies are decided once, here, at
 * build time: consumers that only read share the batch; each consumer that
 * mutates gets its own copy, except that when every consumer mutates, the
 * last one takes the original.
 */
export function fanout(consumers: readonly Consumer[]): Consumer {
  if (consumers.length === 1) return consumers[0];
  const anyReader = consumers.some((c) => !c.mutates);
  const lastMutator = anyReader ? -1 : consumers.length - 1;
  const needsCopy = consumers.map((c, i) => c.mutates && i !== lastMutator);
  return {
    mutates: false,
    async consume(batch: MetricBatch, ctx: RequestContext): Promise<void> {
      // Copies are made before any consumer runs, so no consumer sees another's changes.
      const inputs = needsCopy.map((copy) => (copy ? cloneBatch(batch) : batch));
      combineResults(await Promise.allSettled(consumers.map((c, i) => c.consume(inputs[i], ctx))));
    },
  };
}

/**
 * Throws the error of several consumers that were given data at once, or
 * returns if none failed: retryable if any part can succeed later, as the
 * Collector combines consumer errors, with the longest Retry-After.
 */
export function combineResults(results: readonly PromiseSettledResult<void>[]): void {
  const errors = results.flatMap((r) => (r.status === 'rejected' ? [asTributaryError(r.reason)] : []));
  if (errors.length === 0) return;
  if (errors.length === 1) throw errors[0];
  const retryable = errors.find((e) => e.retryable);
  const msg = errors.map((e) => e.message).join('; ');
  if (retryable !== undefined) {
    const retryAfterMs = Math.max(...errors.map((e) => e.retryAfterMs ?? 0)) || undefined;
    throw new TributaryError(retryable.def, msg, { retryAfterMs });
  }
  throw new TributaryError(errors[0].def ?? Errors.EXPORT_PERMANENT, msg);
}
