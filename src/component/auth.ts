import type { PeerCertificate as TlsPeerCertificate } from 'node:tls';
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
  /** Subject of a verified client certificate, when the connection used mutual TLS ("CN=a,O=b"). */
  readonly peerCertificateSubject?: string;
  /** The verified client certificate itself (subject fields and alternative names), under the same condition. */
  readonly peerCertificate?: PeerCertificate;
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

/**
 * A client certificate the TLS layer verified against the receiver's
 * client_ca_file. Transports build it with `verifiedPeerCertificate` only
 * for connections whose chain was verified, so an authenticator can trust
 * every field.
 */
export interface PeerCertificate {
  /** Subject fields by their short names (CN, O, OU, C...); a field may repeat. */
  readonly subject: Readonly<Record<string, readonly string[]>>;
  /** subjectAltName entries by type: DNS, IP, URI, email. */
  readonly altNames: Readonly<Record<'DNS' | 'IP' | 'URI' | 'email', readonly string[]>>;
  /** The subject as one line, fields in certificate order: "CN=site-a,O=Acme". */
  readonly subjectLine: string;
}

const ALT_TYPES: Readonly<Record<string, keyof PeerCertificate['altNames']>> = { DNS: 'DNS', 'IP Address': 'IP', URI: 'URI', email: 'email' };

/**
 * The certificate Node's TLS socket reports, as authenticators see it; undefined
 * when there is none. Callers pass only certificates of authorized sockets.
 */
export function verifiedPeerCertificate(cert: Partial<TlsPeerCertificate> | null | undefined): PeerCertificate | undefined {
  if (cert === null || cert === undefined || cert.raw === undefined) return undefined;
  const subject: Record<string, string[]> = {};
  const parts: string[] = [];
  for (const [k, v] of Object.entries(cert.subject ?? {})) {
    const values = (Array.isArray(v) ? v : [v]).map(String);
    subject[k] = values;
    for (const one of values) parts.push(`${k}=${one}`);
  }
  const altNames: Record<keyof PeerCertificate['altNames'], string[]> = { DNS: [], IP: [], URI: [], email: [] };
  for (const [type, value] of splitAltNames(cert.subjectaltname ?? '')) {
    const t = ALT_TYPES[type];
    if (t !== undefined) altNames[t].push(value);
  }
  return { subject, altNames, subjectLine: parts.join(',') };
}

/**
 * Splits Node's subjectaltname text ("DNS:a, IP Address:127.0.0.1, URI:x").
 * Node writes a value holding a comma or quote as a JSON string, so quoted
 * values are read back with JSON.parse.
 */
function splitAltNames(text: string): [string, string][] {
  const out: [string, string][] = [];
  const re = /\s*([^:,]+):("(?:[^"\\]|\\.)*"|[^,]*)\s*(?:,|$)/gy;
  let m: RegExpExecArray | null;
  while (re.lastIndex < text.length && (m = re.exec(text)) !== null) {
    let value = m[2];
    if (value.startsWith('"')) {
      try {
        value = JSON.parse(value) as string;
      } catch {
        continue;
      }
    }
    out.push([m[1].trim(), value.trim()]);
  }
  return out;
}
