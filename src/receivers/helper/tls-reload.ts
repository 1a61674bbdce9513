import type { SecureContextOptions } from 'node:tls';
import * as grpc from '@grpc/grpc-js';
import { type ServerTlsConfig, type ServerTlsMaterial, readServerTls } from '../../config/tls.js';
import type { Logger } from '../../telemetry/logger.js';

/**
 * Certificate reload for receivers (configtls `reload_interval`): every
 * interval the files are read again and, when their content changed, the
 * new certificate, key and client CA serve new connections; connections
 * already open keep theirs. A read that fails (a renewal caught half-written)
 * keeps what is in use and logs why.
 */
export class TlsReloader {
  private timer: NodeJS.Timeout | undefined;
  private current: ServerTlsMaterial;

  constructor(
    private readonly config: ServerTlsConfig,
    initial: ServerTlsMaterial,
    private readonly logger: Logger,
    private readonly apply: (m: ServerTlsMaterial) => void,
  ) {
    this.current = initial;
  }

  start(): void {
    if (this.timer !== undefined || this.config.reload_interval <= 0) return;
    this.timer = setInterval(() => this.check(), this.config.reload_interval);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer !== undefined) clearInterval(this.timer);
    this.timer = undefined;
  }

  /** Reads the files now; returns whether a changed certificate was installed. */
  check(): boolean {
    let next: ServerTlsMaterial;
    try {
      next = readServerTls(this.config);
    } catch (err) {
      this.logger.warn({ err: (err as Error).message }, 'TLS certificate reload failed; keeping the current certificate');
      return false;
    }
    if (sameMaterial(next, this.current)) return false;
    try {
      this.apply(next);
    } catch (err) {
      this.logger.warn({ err: (err as Error).message }, 'TLS certificate reload failed (certificate and key do not load together?); keeping the current certificate');
      return false;
    }
    this.current = next;
    this.logger.info({ cert_file: this.config.cert_file }, 'TLS certificate reloaded');
    return true;
  }
}

function sameMaterial(a: ServerTlsMaterial, b: ServerTlsMaterial): boolean {
  return a.cert.equals(b.cert) && a.key.equals(b.key) && (a.ca === undefined ? b.ca === undefined : b.ca !== undefined && a.ca.equals(b.ca));
}

/** What a secure context is built from: the files, and the protocol bounds (TLS 1.2 at least). */
export function secureContextOptions(m: ServerTlsMaterial): SecureContextOptions {
  return { cert: m.cert, key: m.key, ca: m.ca, minVersion: m.minVersion, maxVersion: m.maxVersion };
}

/**
 * gRPC server credentials that honour min_version/max_version (grpc-js's
 * createSsl has no such setting) and can be swapped while the server runs:
 * grpc-js installs what `update` passes on every listening socket.
 */
export class ReloadableGrpcCredentials extends grpc.ServerCredentials {
  constructor(m: ServerTlsMaterial) {
    super({ requestCert: m.requestCert, rejectUnauthorized: m.requestCert, minVersion: m.minVersion, maxVersion: m.maxVersion }, secureContextOptions(m));
  }

  update(m: ServerTlsMaterial): void {
    this.updateSecureContextOptions(secureContextOptions(m));
  }

  _equals(other: grpc.ServerCredentials): boolean {
    return other === this;
  }
}
