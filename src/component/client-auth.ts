import { Errors } from '../errors/catalogue.js';
import { TributaryError } from '../errors/tributary-error.js';
import type { Extension, Host } from './component.js';

/**
 * What an authenticator extension offers exporters (the Collector's
 * extensionauth.HTTPClient): it adds credentials to an outgoing request.
 * sigv4auth signs with AWS Signature Version 4.
 */
export interface OutgoingRequest {
  readonly method: string;
  readonly url: URL;
  /** Headers already set (lower-case names). The signer may read but must not change them. */
  readonly headers: Readonly<Record<string, string>>;
  readonly body: Uint8Array;
}

export interface ClientAuthenticator extends Extension {
  readonly isClientAuthenticator: true;
  /**
   * Returns the headers to add (for SigV4: authorization, x-amz-date,
   * x-amz-content-sha256, and x-amz-security-token for temporary
   * credentials). Credentials are fetched or refreshed as needed. Throws a
   * TributaryError: retryable when credentials cannot be had right now (STS
   * or IMDS unreachable), permanent when the configuration cannot work.
   */
  authorize(req: OutgoingRequest): Promise<Record<string, string>>;
  /**
   * Told that the server refused the credentials as expired (for AWS: 403
   * with ExpiredToken / "security token ... is expired"), so the next
   * authorize() loads fresh ones. Optional: static credentials cannot expire.
   */
  credentialsExpired?(): void;
}

/**
 * Whether a 401/403 answer says the credentials expired (a temporary AWS
 * session token past its end), as opposed to being wrong: the first is
 * retried with fresh credentials, the second is permanent.
 */
export function saysCredentialsExpired(status: number, body: string): boolean {
  return (status === 403 || status === 401) && /ExpiredToken|security token included in the request is expired|token has expired|Signature expired/i.test(body);
}

export function isClientAuthenticator(e: Extension | undefined): e is ClientAuthenticator {
  return e !== undefined && (e as Partial<ClientAuthenticator>).isClientAuthenticator === true;
}

/** Looks up an exporter's authenticator at start; a wrong id or type is a startup error. */
export function mustClientAuthenticator(host: Host, id: string | undefined, who: string): ClientAuthenticator | undefined {
  if (id === undefined) return undefined;
  const ext = host.getExtension(id);
  if (ext === undefined) {
    throw new TributaryError(Errors.START_FAILED, `${who}: auth.authenticator "${id}" is not a running extension (add it under extensions and service::extensions)`);
  }
  if (!isClientAuthenticator(ext)) throw new TributaryError(Errors.START_FAILED, `${who}: extension "${id}" cannot authenticate outgoing requests`);
  return ext;
}
