import type { AuthRequest, ServerAuthenticator } from '../component/auth.js';
import type { AuthInfo } from '../component/component.js';
import { Errors } from '../errors/catalogue.js';
import { TributaryError } from '../errors/tributary-error.js';

/**
 * A server authenticator for receiver tests: accepts the requests whose
 * Authorization header is one of `accepted` (as the identity it maps to),
 * refuses the rest with TRIB_ERR_AUTH_UNAUTHENTICATED, and records every
 * request it was shown.
 */
export class RecordingAuthenticator implements ServerAuthenticator {
  readonly isServerAuthenticator = true;
  readonly seen: AuthRequest[] = [];

  constructor(private readonly accepted: Readonly<Record<string, AuthInfo>>) {}

  async start(): Promise<void> {}
  async shutdown(): Promise<void> {}

  async authenticate(req: AuthRequest): Promise<AuthInfo> {
    this.seen.push(req);
    const h = req.headers.authorization;
    const info = typeof h === 'string' ? this.accepted[h] : undefined;
    if (info === undefined) throw new TributaryError(Errors.UNAUTHENTICATED, 'no valid credentials');
    return info;
  }
}
