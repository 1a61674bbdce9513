import type { AuthRequest, ServerAuthenticator } from '../../component/auth.js';
import type { AuthInfo, CreateSettings, Host } from '../../component/component.js';
import { Lifecycle } from '../../component/lifecycle.js';
import { Errors } from '../../errors/catalogue.js';
import { TributaryError } from '../../errors/tributary-error.js';
import { throttle } from '../../telemetry/logger.js';
import { notAllowed } from '../helper/allowed.js';
import type { SecretSet } from '../helper/secrets.js';
import { forbidden, headerValue, splitAuthorization, unauthenticated } from '../helper/server-auth.js';
import { WatchedFile } from '../helper/watched-file.js';
import { type BearerTokenAuthConfig, type TokenEntry, schemesOf } from './config.js';
import { type TokenIdentity, type TokenSource, buildTokenSet, parseTokenLines, parseTokensFile } from './token-set.js';

/**
 * Server-side bearer token authentication: each token stands for a site or
 * tenant, with the attributes processors read as `auth.<name>`, so that
 * account and site come from the credential and never from the payload.
 * Tokens are compared in constant time (helper/secrets.ts) and never
 * logged. Editing a token file revokes or adds tokens without a restart; a
 * broken edit keeps the tokens in use and logs why.
 */
export class BearerTokenAuth implements ServerAuthenticator {
  readonly isServerAuthenticator = true;
  private readonly life = new Lifecycle();
  private readonly id: string;
  private readonly schemes: readonly string[];
  private readonly challenge: string | undefined;
  private readonly warn: ReturnType<typeof throttle>;
  private readonly inline: readonly TokenSource[];
  private fromFilename: readonly TokenEntry[] = [];
  private fromTokensFile: readonly TokenEntry[] = [];
  private tokens: SecretSet<TokenIdentity> | undefined;
  private readonly files: WatchedFile<TokenEntry[]>[] = [];

  constructor(
    private readonly set: CreateSettings,
    private readonly config: BearerTokenAuthConfig,
  ) {
    this.id = set.id.toString();
    this.schemes = schemesOf(config);
    const named = (config.schemes ?? [config.scheme ?? 'Bearer']).filter((s) => s !== '');
    this.challenge = named.length === 0 ? undefined : named.map((s) => `${s} realm="tributary"`).join(', ');
    this.inline = [
      { from: 'token', entries: config.token === undefined ? [] : [{ token: config.token, name: undefined, attributes: {} }] },
      { from: 'tokens', entries: config.tokens },
    ];
    this.warn = throttle(set.logger);
    const c = config;
    if (c.filename !== undefined) {
      this.files.push(new WatchedFile(c.filename, c.reload_interval, parseTokenLines, (v) => this.rebuild(v, this.fromTokensFile), set.logger, 'filename'));
    }
    if (c.tokens_file !== undefined) {
      this.files.push(new WatchedFile(c.tokens_file, c.reload_interval, parseTokensFile, (v) => this.rebuild(this.fromFilename, v), set.logger, 'tokens_file'));
    }
  }

  start(_host: Host): Promise<void> {
    return this.life.start(async () => {
      const who = `extensions::${this.id}`;
      const r = this.rebuild(this.fromFilename, this.fromTokensFile);
      if (r !== undefined) throw new TributaryError(Errors.START_FAILED, `${who}: ${r}`);
      for (const f of this.files) f.mustLoad(who);
      if (this.tokens!.size === 0) this.set.logger.warn({ extension: this.id }, 'no bearer tokens: every request will be refused until a token file lists some');
      for (const f of this.files) f.watch();
    });
  }

  shutdown(): Promise<void> {
    return this.life.shutdown(async () => {
      for (const f of this.files) f.stop();
    });
  }

  async authenticate(req: AuthRequest): Promise<AuthInfo> {
    const tokens = this.tokens;
    if (tokens === undefined) throw unauthenticated(`${this.id} is not running`, this.challenge);
    const value = headerValue(req.headers, this.config.header);
    if (value === undefined || value.trim() === '') {
      throw this.refuse(req, 'missing', `no credentials: send the header "${this.config.header}: ${this.example()}"`);
    }
    const presented = this.presented(value);
    if (presented === undefined) throw this.refuse(req, 'scheme', `the ${this.config.header} header must read "${this.example()}"`);
    const who = tokens.match(presented);
    if (who === undefined) throw this.refuse(req, 'invalid', 'the token is not valid (unknown or revoked)');
    const why = notAllowed(this.config.allowed, who.attributes);
    if (why !== undefined) {
      this.warn('warn', `forbidden:${who.name}`, { extension: this.id, token: who.name, remote: req.remoteAddress }, 'bearer token refused here');
      throw forbidden(`token "${who.name}": ${why}`);
    }
    return { authenticator: this.id, subject: who.name, attributes: who.attributes };
  }

  /** The token in a header value, if its scheme is accepted. */
  private presented(value: string): string | undefined {
    const { scheme, credentials } = splitAuthorization(value);
    if (credentials !== '' && this.schemes.includes(scheme.toLowerCase())) return credentials;
    if (this.schemes.includes('')) return value.trim();
    return undefined;
  }

  private example(): string {
    const s = (this.config.schemes ?? [this.config.scheme ?? 'Bearer']).filter((x) => x !== '');
    return s.length === 0 ? '<token>' : `${s.join(' or ')} <token>`;
  }

  private refuse(req: AuthRequest, reason: string, message: string): Error {
    this.warn('debug', `${reason}:${req.remoteAddress ?? ''}`, { extension: this.id, reason, remote: req.remoteAddress }, 'bearer token authentication failed');
    return unauthenticated(message, this.challenge);
  }

  /** Installs the tokens of every source, or says why not (the tokens in use stay). */
  private rebuild(fromFilename: readonly TokenEntry[], fromTokensFile: readonly TokenEntry[]): string | undefined {
    const sources: TokenSource[] = [
      ...this.inline,
      { from: 'filename', entries: fromFilename },
      { from: 'tokens_file', entries: fromTokensFile },
    ];
    const r = buildTokenSet(sources);
    if (!r.ok) return r.error;
    this.tokens = r.value;
    this.fromFilename = fromFilename;
    this.fromTokensFile = fromTokensFile;
    return undefined;
  }
}
