import type { AuthRequest, ServerAuthenticator } from '../../component/auth.js';
import type { AuthInfo, CreateSettings, Host } from '../../component/component.js';
import { Lifecycle } from '../../component/lifecycle.js';
import { throttle } from '../../telemetry/logger.js';
import { forbidden, unauthenticated } from '../helper/server-auth.js';
import type { MtlsAuthConfig } from './config.js';
import { CertificateRules } from './rules.js';

/**
 * Identity from a client certificate: the receiver's TLS layer verifies the
 * chain against its `tls.client_ca_file` (and refuses the handshake without
 * one); this maps the verified certificate's subject and alternative names
 * to attributes by rules. The subject line ("CN=site-paris,O=Acme") is the
 * auth subject. 401 when the request came without a verified certificate
 * (plain HTTP, or a receiver without client_ca_file); 403 when the
 * certificate fits no rule. No file to reload: revoking a site means
 * removing its rule, or issuing certificates from a CA that can be replaced
 * (tls reload_interval re-reads client_ca_file).
 */
export class MtlsAuth implements ServerAuthenticator {
  readonly isServerAuthenticator = true;
  private readonly life = new Lifecycle();
  private readonly id: string;
  private readonly rules: CertificateRules;
  private readonly warn: ReturnType<typeof throttle>;

  constructor(set: CreateSettings, config: MtlsAuthConfig) {
    this.id = set.id.toString();
    this.rules = new CertificateRules(config.rules);
    this.warn = throttle(set.logger);
  }

  start(_host: Host): Promise<void> {
    return this.life.start(async () => undefined);
  }

  shutdown(): Promise<void> {
    return this.life.shutdown(async () => undefined);
  }

  async authenticate(req: AuthRequest): Promise<AuthInfo> {
    const cert = req.peerCertificate;
    if (cert === undefined) {
      throw unauthenticated('no verified client certificate: connect over TLS with a certificate the receiver\'s tls.client_ca_file trusts', undefined);
    }
    const attributes = this.rules.attributesOf(cert);
    if (attributes === undefined) {
      this.warn('warn', `unmapped:${cert.subjectLine}`, { extension: this.id, subject: cert.subjectLine, remote: req.remoteAddress }, 'client certificate fits no mtlsauth rule');
      throw forbidden(`client certificate "${cert.subjectLine}" fits no rule of ${this.id}`);
    }
    return { authenticator: this.id, subject: cert.subjectLine, attributes };
  }
}
