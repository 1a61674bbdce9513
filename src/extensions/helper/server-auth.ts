import type { AuthRequest } from '../../component/auth.js';
import { Errors } from '../../errors/catalogue.js';
import { TributaryError } from '../../errors/tributary-error.js';

/** Pieces every server authenticator uses: reading the credential header, and the 401/403 errors. */

/** The first value of a header (HTTP) or metadata entry (gRPC); names are matched lower-case. */
export function headerValue(headers: AuthRequest['headers'], name: string): string | undefined {
  const v = headers[name.toLowerCase()];
  if (v === undefined) return undefined;
  return typeof v === 'string' ? v : v[0];
}

/**
 * Splits an Authorization value, `<scheme> <credentials>` (RFC 9110, section
 * 11.4). The scheme is compared case-insensitively by callers, as the RFC says.
 */
export function splitAuthorization(value: string): { readonly scheme: string; readonly credentials: string } {
  const v = value.trim();
  const sp = v.search(/\s/);
  if (sp < 0) return { scheme: v, credentials: '' };
  return { scheme: v.slice(0, sp), credentials: v.slice(sp).trim() };
}

/** 401: no credential, or one that is not valid. `challenge` becomes WWW-Authenticate over HTTP. */
export function unauthenticated(message: string, challenge: string | undefined): TributaryError {
  return new TributaryError(Errors.UNAUTHENTICATED, message, { challenge });
}

/** 403: a valid credential that is not allowed on this receiver. */
export function forbidden(message: string): TributaryError {
  return new TributaryError(Errors.FORBIDDEN, message);
}
