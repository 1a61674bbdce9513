import { Errors, type ErrorDef } from './catalogue.js';

export interface TributaryErrorOptions {
  /** For retryable errors: how long the caller should wait before retrying. */
  readonly retryAfterMs?: number;
  readonly cause?: unknown;
  /**
   * The code a wire protocol with its own error vocabulary names this error by
   * (for example the AWS Query code `InvalidParameterValue`); see
   * errors/transport.ts for how it decides the answer.
   */
  readonly apiCode?: string;
  /**
   * For TRIB_ERR_AUTH_UNAUTHENTICATED over HTTP: the `WWW-Authenticate`
   * challenge (RFC 9110, section 11.6.1) naming the scheme the receiver expects.
   */
  readonly challenge?: string;
}

/**
 * The one error type that crosses component boundaries. Consumers reject with
 * it so that receivers can answer with the right status without guessing.
 */
export class TributaryError extends Error {
  readonly def: ErrorDef;
  readonly retryAfterMs: number | undefined;
  readonly apiCode: string | undefined;
  readonly challenge: string | undefined;

  constructor(def: ErrorDef, message: string, options: TributaryErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'TributaryError';
    this.def = def;
    this.retryAfterMs = options.retryAfterMs;
    this.apiCode = options.apiCode;
    this.challenge = options.challenge;
  }

  get code(): string {
    return this.def.code;
  }

  get retryable(): boolean {
    return this.def.retryable;
  }
}

/** Wraps anything thrown into a TributaryError; unknown errors are internal (permanent). */
export function asTributaryError(err: unknown): TributaryError {
  if (err instanceof TributaryError) return err;
  const message = err instanceof Error ? err.message : String(err);
  return new TributaryError(Errors.INTERNAL, message, { cause: err });
}

export function isRetryable(err: unknown): boolean {
  return err instanceof TributaryError && err.retryable;
}
