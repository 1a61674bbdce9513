import type { AuthInfo, Extension, Host } from './component.js';
import { Errors } from '../errors/catalogue.js';
import { TributaryError } from '../errors/tributary-error.js';

/**
 * What an authenticator extension offers receivers (the Collector's
 * extensionauth.Server). It throws TRIB_ERR_AUTH_UNAUTHENTICATED (401) when
 * no valid credential was presented and TRIB_ERR_AUTH_FORBIDDEN (403) when
 * the credential is valid but not allowed.
 */
export interface AuthRequest {
  /** Request headers (HTTP) or metadata (gRPC), keys lower-case. */
  readonly headers: Readonly<Record<string, string | readonly string[] | undefined>>;
  readonly transport: 'http' | 'grpc';
  readonly remoteAddress?: string;
  /** Subject of a verified client certificate, when the connection used mutual TLS. */
  readonly peerCertificateSubject?: string;
  /** HTTP method, path and raw body, for schemes that sign the request (SigV4). */
  readonly method?: string;
  readonly path?: string;
  readonly body?: Buffer;
}

export interface ServerAuthenticator extends Extension {
  readonly isServerAuthenticator: true;
  authenticate(req: AuthRequest): Promise<AuthInfo>;
}

export function isServerAuthenticator(e: Extension | undefined): e is ServerAuthenticator {
  return e !== undefined && (e as Partial<ServerAuthenticator>).isServerAuthenticator === true;
}

/** Looks up a receiver's authenticator at start; a wrong id or type is a startup error. */
export function mustServerAuthenticator(host: Host, id: string | undefined, who: string): ServerAuthenticator | undefined {
  if (id === undefined) return undefined;
  const ext = host.getExtension(id);
  if (ext === undefined) {
    throw new TributaryError(Errors.START_FAILED, `${who}: auth.authenticator "${id}" is not a running extension (add it under extensions and service::extensions)`);
  }
  if (!isServerAuthenticator(ext)) throw new TributaryError(Errors.START_FAILED, `${who}: extension "${id}" cannot authenticate incoming requests`);
  return ext;
}
