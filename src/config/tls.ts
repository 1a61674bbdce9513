import { readFileSync } from 'node:fs';
import { bool, duration, oneOf, section, str, z } from './schema.js';

/**
 * TLS settings with the Collector's configtls keys. Server side:
 * cert_file/key_file, client_ca_file for mutual TLS, min_version (TLS 1.2 by
 * default; older versions are refused), reload_interval to pick up renewed
 * certificates without restart.
 */
export const serverTlsSchema = section({
  cert_file: str(),
  key_file: str(),
  ca_file: str(),
  client_ca_file: str(),
  min_version: oneOf(['1.2', '1.3'], '1.2'),
  max_version: oneOf(['1.2', '1.3']),
  reload_interval: duration('0s'),
  /** Tributary: a cert_file/key_file pair is required unless this is set (plain text). */
  insecure: bool(false),
});
export type ServerTlsConfig = z.infer<typeof serverTlsSchema>;

export const clientTlsSchema = section({
  ca_file: str(),
  cert_file: str(),
  key_file: str(),
  insecure: bool(false),
  insecure_skip_verify: bool(false),
  server_name_override: str(),
  min_version: oneOf(['1.2', '1.3'], '1.2'),
});
export type ClientTlsConfig = z.infer<typeof clientTlsSchema>;

export function validateServerTls(t: ServerTlsConfig | undefined, path = 'tls'): string[] {
  if (t === undefined || t.insecure) return [];
  const out: string[] = [];
  if (t.cert_file === undefined || t.key_file === undefined) out.push(`${path}: cert_file and key_file are both required for TLS`);
  return out;
}

export interface ServerTlsMaterial {
  readonly cert: Buffer;
  readonly key: Buffer;
  readonly ca?: Buffer;
  readonly requestCert: boolean;
  readonly minVersion: 'TLSv1.2' | 'TLSv1.3';
  readonly maxVersion?: 'TLSv1.2' | 'TLSv1.3';
}

/** Reads the files named by a server TLS config (at start and on each reload). */
export function readServerTls(t: ServerTlsConfig): ServerTlsMaterial {
  const ca = t.client_ca_file ?? undefined;
  return {
    cert: readFileSync(t.cert_file!),
    key: readFileSync(t.key_file!),
    ca: ca === undefined ? undefined : readFileSync(ca),
    requestCert: ca !== undefined,
    minVersion: t.min_version === '1.3' ? 'TLSv1.3' : 'TLSv1.2',
    maxVersion: t.max_version === undefined ? undefined : t.max_version === '1.3' ? 'TLSv1.3' : 'TLSv1.2',
  };
}
