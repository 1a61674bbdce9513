import { ProtoWriter } from '../proto/writer.js';

/**
 * google.rpc.Status and the error details OTLP uses (google/rpc/status.proto,
 * error_details.proto): Status{code=1, message=2, details=3 (Any)},
 * Any{type_url=1, value=2}, RetryInfo{retry_delay=1 (Duration{seconds=1, nanos=2})},
 * BadRequest{field_violations=1 {field=1, description=2}}.
 */

export const RETRY_INFO_TYPE = 'type.googleapis.com/google.rpc.RetryInfo';
export const BAD_REQUEST_TYPE = 'type.googleapis.com/google.rpc.BadRequest';

export interface StatusInfo {
  readonly code: number;
  readonly message: string;
  readonly retryDelayMs?: number;
  readonly badRequest?: string;
}

function writeRetryInfo(w: ProtoWriter, ms: number): void {
  w.tag(1, 2).fork(); // retry_delay
  const seconds = Math.floor(ms / 1000);
  const nanos = Math.round((ms % 1000) * 1e6);
  if (seconds > 0) w.tag(1, 0).uint64(seconds);
  if (nanos > 0) w.tag(2, 0).uint32(nanos);
  w.join();
}

export function encodeStatus(s: StatusInfo): Buffer {
  const w = new ProtoWriter(256);
  if (s.code !== 0) w.tag(1, 0).int32(s.code);
  if (s.message !== '') w.tag(2, 2).string(s.message);
  if (s.retryDelayMs !== undefined) {
    w.tag(3, 2).fork();
    w.tag(1, 2).string(RETRY_INFO_TYPE);
    w.tag(2, 2).fork();
    writeRetryInfo(w, s.retryDelayMs);
    w.join();
    w.join();
  }
  if (s.badRequest !== undefined) {
    w.tag(3, 2).fork();
    w.tag(1, 2).string(BAD_REQUEST_TYPE);
    w.tag(2, 2).fork();
    w.tag(1, 2).fork();
    w.tag(2, 2).string(s.badRequest);
    w.join();
    w.join();
    w.join();
  }
  return w.finish();
}

/** The proto3 JSON form, for OTLP/HTTP JSON error bodies. */
export function statusJson(s: StatusInfo): Record<string, unknown> {
  const details: Record<string, unknown>[] = [];
  if (s.retryDelayMs !== undefined) details.push({ '@type': RETRY_INFO_TYPE, retryDelay: `${(s.retryDelayMs / 1000).toFixed(3).replace(/\.?0+$/, '')}s` });
  if (s.badRequest !== undefined) details.push({ '@type': BAD_REQUEST_TYPE, fieldViolations: [{ description: s.badRequest }] });
  const o: Record<string, unknown> = { code: s.code, message: s.message };
  if (details.length > 0) o.details = details;
  return o;
}

/** ExportMetricsServiceResponse: partial_success=1 {rejected_data_points=1 (int64), error_message=2}. */
export function encodeExportResponse(rejected: number, message: string): Buffer {
  if (rejected === 0 && message === '') return Buffer.alloc(0);
  const w = new ProtoWriter(128);
  w.tag(1, 2).fork();
  if (rejected !== 0) w.tag(1, 0).uint64(rejected);
  if (message !== '') w.tag(2, 2).string(message);
  w.join();
  return w.finish();
}

export function exportResponseJson(rejected: number, message: string): Record<string, unknown> {
  if (rejected === 0 && message === '') return {};
  return { partialSuccess: { rejectedDataPoints: String(rejected), errorMessage: message } };
}
