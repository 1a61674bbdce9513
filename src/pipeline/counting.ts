import type { Consumer, RequestContext } from '../component/component.js';
import { isRetryable } from '../errors/tributary-error.js';
import { countPoints, type MetricBatch } from '../model/metric.js';

/**
 * Wraps a consumer to count data points in, and points refused, for one node
 * of one pipeline. Counting happens here, in the pipeline, so that no
 * component has to remember to do it.
 */
export function counting(
  inner: Consumer,
  onIn: ((n: number, ctx: RequestContext) => void) | undefined,
  onOk: ((n: number, ctx: RequestContext) => void) | undefined,
  onRefused: (n: number, retryable: boolean, ctx: RequestContext) => void,
): Consumer {
  return {
    mutates: inner.mutates,
    async consume(batch: MetricBatch, ctx: RequestContext): Promise<void> {
      // Count before handing on: after consume() the batch is no longer ours to read.
      const n = countPoints(batch);
      onIn?.(n, ctx);
      try {
        await inner.consume(batch, ctx);
      } catch (err) {
        onRefused(n, isRetryable(err), ctx);
        throw err;
      }
      onOk?.(n, ctx);
    },
  };
}
