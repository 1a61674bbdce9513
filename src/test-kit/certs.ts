import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { testTempDir } from './temp-dirs.js';

/**
 * A throwaway certificate authority for TLS tests, made with the openssl
 * program (Debian package openssl): a CA, then server and client
 * certificates it signs, with chosen subjects and alternative names.
 * EC P-256 keys, valid for a day. A missing openssl fails the test with
 * the command that installs it.
 */

export interface CertFiles {
  readonly cert: string;
  readonly key: string;
}

export interface IssueOptions {
  /** openssl -subj form: "/CN=site-paris/O=Acme". */
  readonly subject: string;
  /** subjectAltName entries: "DNS:x", "IP:127.0.0.1", "URI:spiffe://x". */
  readonly altNames?: readonly string[];
  readonly usage: 'server' | 'client';
}

function openssl(args: readonly string[]): void {
  const r = spawnSync('openssl', args, { encoding: 'utf8' });
  if (r.error !== undefined && (r.error as NodeJS.ErrnoException).code === 'ENOENT') {
    throw new Error('this test makes certificates with openssl, which is not installed; install it with: apt-get install -y openssl');
  }
  if (r.error !== undefined || r.status !== 0) throw new Error(`openssl ${args[0]} failed: ${r.error?.message ?? r.stderr}`);
}

const EC = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];

export class TestCa implements CertFiles {
  readonly cert: string;
  readonly key: string;

  constructor(
    readonly dir: string = testTempDir('tributary-ca-'),
    name = 'Tributary Test CA',
  ) {
    this.cert = join(dir, `${slug(name)}.pem`);
    this.key = join(dir, `${slug(name)}.key`);
    openssl(['req', '-x509', ...EC, '-keyout', this.key, '-out', this.cert, '-days', '1', '-subj', `/CN=${name}`,
      '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign']);
  }

  /** Issues a certificate into `<dir>/<file>.pem` and `.key` (overwriting: a renewal for reload tests). */
  issue(file: string, o: IssueOptions): CertFiles {
    const cert = join(this.dir, `${file}.pem`);
    const key = join(this.dir, `${file}.key`);
    const ext = ['-addext', 'basicConstraints=CA:FALSE', '-addext', `extendedKeyUsage=${o.usage === 'server' ? 'serverAuth' : 'clientAuth'}`];
    if (o.altNames !== undefined && o.altNames.length > 0) ext.push('-addext', `subjectAltName=${o.altNames.join(',')}`);
    openssl(['req', '-x509', '-CA', this.cert, '-CAkey', this.key, ...EC, '-keyout', key, '-out', cert, '-days', '1', '-subj', o.subject, ...ext]);
    return { cert, key };
  }

  /** A server certificate for 127.0.0.1 and localhost. */
  server(file = 'server'): CertFiles {
    return this.issue(file, { subject: '/CN=127.0.0.1', altNames: ['IP:127.0.0.1', 'DNS:localhost'], usage: 'server' });
  }

  pem(): Buffer {
    return readFileSync(this.cert);
  }
}

function slug(s: string): string {
  return s.toLowerCase().replace(/[^a-z0-9]+/g, '-');
}
