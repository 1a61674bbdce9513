import { ProtoWriter } from '../proto/writer.js';
import { ProtoReader } from '../proto/reader.js';

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

/**
 * The retry delay a google.rpc.Status asks for (its RetryInfo detail), or
 * undefined when it has none or cannot be read: a client reading a
 * server's error never fails on it.
 */
export function decodeRetryDelayMs(status: Buffer): number | undefined {
  try {
    const r = new ProtoReader(status, 'google.rpc.Status');
    const end = status.length;
    while (r.pos < end) {
      const t = r.uint32();
      if (t !== 26 /* 3:LEN details */) {
        r.skip(t, end);
        continue;
      }
      const anyEnd = r.lenEnd(end);
      let type = '';
      let value: Buffer | undefined;
      while (r.pos < anyEnd) {
        const at = r.uint32();
        if (at === 10) type = r.string(anyEnd);
        else if (at === 18) value = Buffer.from(r.bytes(anyEnd));
        else r.skip(at, anyEnd);
      }
      if (type === RETRY_INFO_TYPE && value !== undefined) return retryInfoMs(value);
    }
  } catch {
    return undefined;
  }
  return undefined;
}

function retryInfoMs(b: Buffer): number | undefined {
  const r = new ProtoReader(b, 'google.rpc.RetryInfo');
  let ms: number | undefined;
  while (r.pos < b.length) {
    const t = r.uint32();
    if (t !== 10) {
      r.skip(t, b.length);
      continue;
    }
    const dEnd = r.lenEnd(b.length);
    let seconds = 0;
    let nanos = 0;
    while (r.pos < dEnd) {
      const dt = r.uint32();
      if (dt === 8) seconds = r.uint32();
      else if (dt === 16) nanos = r.uint32();
      else r.skip(dt, dEnd);
    }
    ms = seconds * 1000 + Math.round(nanos / 1e6);
  }
  return ms;
}

/** ExportMetricsServiceResponse's partial_success.rejected_data_points and error_message (0 and '' when absent or unreadable). */
export function decodeExportResponse(b: Buffer): { rejected: number; message: string } {
  let rejected = 0;
  let message = '';
  try {
    const r = new ProtoReader(b, 'ExportMetricsServiceResponse');
    while (r.pos < b.length) {
      const t = r.uint32();
      if (t !== 10) {
        r.skip(t, b.length);
        continue;
      }
      const pEnd = r.lenEnd(b.length);
      while (r.pos < pEnd) {
        const pt = r.uint32();
        if (pt === 8) rejected = r.uint32();
        else if (pt === 18) message = r.string(pEnd);
        else r.skip(pt, pEnd);
      }
    }
  } catch {
    return { rejected, message };
  }
  return { rejected, message };
}
