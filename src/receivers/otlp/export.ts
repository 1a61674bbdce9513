import type { Consumer, RequestContext } from '../../component/component.js';
import type { DecodeResult } from '../../model/otlp/decode-result.js';
import type { SelfMetrics } from '../../telemetry/self-metrics.js';
import { countPoints } from '../../model/metric.js';

/**
 * The transport-independent part of an OTLP export: hand the valid data on,
 * and report what was rejected. Throws what the consumer throws (the caller
 * maps it to a status).
 */
export interface ExportOutcome {
  readonly rejected: number;
  readonly message: string;
}

export async function exportDecoded(decoded: DecodeResult, next: Consumer, ctx: RequestContext, metrics: SelfMetrics): Promise<ExportOutcome> {
  if (decoded.rejectedPoints > 0) metrics.receiverRefused.inc({ receiver: ctx.receiver, transport: ctx.transport }, decoded.rejectedPoints);
  if (countPoints(decoded.batch) > 0) await next.consume(decoded.batch, ctx);
  return { rejected: decoded.rejectedPoints, message: decoded.rejectMessage };
}
