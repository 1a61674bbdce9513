/**
 * The error catalogue: every error a client or operator can see has a stable
 * code, says how to fix it, and says whether retrying can help. The table in
 * docs/errors.md is generated from this file (see docs-errors.test.ts).
 */

export interface ErrorDef {
  /** Stable identifier, `TRIB_ERR_<AREA>_<WHAT>`. Never reused for another meaning. */
  readonly code: string;
  /** Whether the same request may succeed later (overload, outage) or never will. */
  readonly retryable: boolean;
  /** HTTP status the receivers answer with. */
  readonly http: number;
  /** gRPC status code the receivers answer with. */
  readonly grpc: GrpcCode;
  /** One line for the docs table: what it means and what to do. */
  readonly doc: string;
}

/** The gRPC status codes Tributary answers with (numbers per the gRPC spec). */
export const GrpcCode = {
  OK: 0,
  CANCELLED: 1,
  UNKNOWN: 2,
  INVALID_ARGUMENT: 3,
  DEADLINE_EXCEEDED: 4,
  PERMISSION_DENIED: 7,
  RESOURCE_EXHAUSTED: 8,
  FAILED_PRECONDITION: 9,
  UNIMPLEMENTED: 12,
  INTERNAL: 13,
  UNAVAILABLE: 14,
  UNAUTHENTICATED: 16,
} as const;
export type GrpcCode = (typeof GrpcCode)[keyof typeof GrpcCode];

function def(code: string, retryable: boolean, http: number, grpc: GrpcCode, doc: string): ErrorDef {
  return Object.freeze({ code, retryable, http, grpc, doc });
}

export const Errors = {
  CONFIG_INVALID: def('TRIB_ERR_CONFIG_INVALID', false, 0, GrpcCode.INVALID_ARGUMENT,
    'The configuration does not validate; every problem is listed with its path. Fix them and run `tributary validate`.'),
  CONFIG_SOURCE: def('TRIB_ERR_CONFIG_SOURCE', false, 0, GrpcCode.INVALID_ARGUMENT,
    'A --config source could not be read (missing file, unreadable parameter or object).'),
  START_FAILED: def('TRIB_ERR_START_FAILED', false, 0, GrpcCode.INTERNAL,
    'A component failed to start (for example its port is taken); components already started were shut down.'),

  DECODE_PROTOBUF: def('TRIB_ERR_DECODE_PROTOBUF', false, 400, GrpcCode.INVALID_ARGUMENT,
    'The body is not a valid protobuf message of the expected type (truncated or corrupt). Check the client encoder.'),
  DECODE_JSON: def('TRIB_ERR_DECODE_JSON', false, 400, GrpcCode.INVALID_ARGUMENT,
    'The body is not valid JSON or not valid OTLP/JSON. The message names the field.'),
  DECODE_TEXT: def('TRIB_ERR_DECODE_TEXT', false, 400, GrpcCode.INVALID_ARGUMENT,
    'A text payload (Influx line protocol, query parameters) could not be parsed; the message names the line.'),
  DECOMPRESS: def('TRIB_ERR_BODY_DECOMPRESS', false, 400, GrpcCode.INVALID_ARGUMENT,
    'The body could not be decompressed with the declared Content-Encoding.'),
  EMPTY_BODY: def('TRIB_ERR_BODY_EMPTY', false, 400, GrpcCode.INVALID_ARGUMENT,
    'The request had no body where one is required.'),
  MEDIA_TYPE: def('TRIB_ERR_BODY_MEDIA_TYPE', false, 415, GrpcCode.INVALID_ARGUMENT,
    'The Content-Type is not one this endpoint accepts; the message lists the accepted types.'),
  ENCODING_UNSUPPORTED: def('TRIB_ERR_BODY_ENCODING', false, 415, GrpcCode.UNIMPLEMENTED,
    'The Content-Encoding is not supported; the message lists the supported encodings.'),
  BODY_TOO_LARGE: def('TRIB_ERR_BODY_TOO_LARGE', false, 413, GrpcCode.RESOURCE_EXHAUSTED,
    'The body, after decompression, exceeds the receiver\'s max_request_body_size. Send smaller batches or raise the limit.'),
  INVALID_DATA: def('TRIB_ERR_DATA_INVALID', false, 400, GrpcCode.INVALID_ARGUMENT,
    'The request decoded but its data is invalid (for example a metric with no name); the message says which.'),

  UNAUTHENTICATED: def('TRIB_ERR_AUTH_UNAUTHENTICATED', false, 401, GrpcCode.UNAUTHENTICATED,
    'No valid credentials were presented.'),
  FORBIDDEN: def('TRIB_ERR_AUTH_FORBIDDEN', false, 403, GrpcCode.PERMISSION_DENIED,
    'The credentials are valid but not allowed here.'),
  AUTH_CREDENTIALS: def('TRIB_ERR_AUTH_CREDENTIALS', true, 503, GrpcCode.UNAVAILABLE,
    'An outgoing request could not be signed because no valid AWS credentials could be had right now (STS, IMDS or the container endpoint unreachable, no credentials configured yet). Retried; the message says which source failed.'),
  AUTH_SIGNING: def('TRIB_ERR_AUTH_SIGNING', false, 500, GrpcCode.INTERNAL,
    'An outgoing request cannot be signed as configured (for example sigv4auth cannot tell the service or region from the endpoint host). Set the keys the message names.'),

  QUEUE_FULL: def('TRIB_ERR_QUEUE_FULL', true, 503, GrpcCode.UNAVAILABLE,
    'A bounded queue or buffer is full because a downstream is slow or down. Retry after the advertised delay.'),
  QUEUE_RECORD_TOO_LARGE: def('TRIB_ERR_QUEUE_RECORD_TOO_LARGE', false, 413, GrpcCode.RESOURCE_EXHAUSTED,
    'One record is larger than the whole byte capacity of the queue, so it can never be queued. Raise the queue\'s byte limit or send smaller batches.'),
  STORAGE_IO: def('TRIB_ERR_STORAGE_IO', true, 503, GrpcCode.UNAVAILABLE,
    'A persistent queue could not write to its directory (disk full, I/O error); the data was not accepted. Free space or fix the volume; retry after the advertised delay.'),
  STORAGE_LOCKED: def('TRIB_ERR_STORAGE_LOCKED', false, 0, GrpcCode.FAILED_PRECONDITION,
    'A file_storage queue directory is held by another running process (the message names its pid and lock file). Give each gateway process its own directory.'),
  RATE_LIMITED: def('TRIB_ERR_LIMIT_RATE', true, 429, GrpcCode.RESOURCE_EXHAUSTED,
    'The caller sends faster than its configured rate. Retry after the advertised delay.'),
  MEMORY_LIMITED: def('TRIB_ERR_LIMIT_MEMORY', true, 503, GrpcCode.UNAVAILABLE,
    'The memory_limiter is above its soft limit and refuses data until memory is freed. Retry after the advertised delay.'),
  SHUTTING_DOWN: def('TRIB_ERR_SERVICE_DRAINING', true, 503, GrpcCode.UNAVAILABLE,
    'The gateway is draining for shutdown. Retry against another replica or after restart.'),

  WORKER_UNAVAILABLE: def('TRIB_ERR_WORKER_UNAVAILABLE', true, 503, GrpcCode.UNAVAILABLE,
    'With service::workers above 1, the worker process that owns these series is restarting or did not answer in time; retry (clients do). See docs/workers.md.'),
  EXPORT_RETRYABLE: def('TRIB_ERR_EXPORT_RETRYABLE', true, 503, GrpcCode.UNAVAILABLE,
    'A downstream failed in a way that may recover (5xx, 429, network). Retried per retry_on_failure.'),
  EXPORT_PERMANENT: def('TRIB_ERR_EXPORT_PERMANENT', false, 400, GrpcCode.INVALID_ARGUMENT,
    'A downstream rejected the data for good (4xx other than 429); retrying cannot help. The downstream message is logged.'),
  EXPORT_TIMEOUT: def('TRIB_ERR_EXPORT_TIMEOUT', true, 503, GrpcCode.UNAVAILABLE,
    'A downstream did not answer within the exporter timeout.'),

  INTERNAL: def('TRIB_ERR_SERVICE_INTERNAL', false, 500, GrpcCode.INTERNAL,
    'An unexpected error in Tributary; the request was not accepted. Please report it with the log line.'),
} as const satisfies Record<string, ErrorDef>;

export type ErrorName = keyof typeof Errors;
