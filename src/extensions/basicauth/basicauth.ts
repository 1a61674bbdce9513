import { randomBytes } from 'node:crypto';
import type { AuthRequest, ServerAuthenticator } from '../../component/auth.js';
import type { AuthInfo, CreateSettings, Host } from '../../component/component.js';
import { Lifecycle } from '../../component/lifecycle.js';
import { Errors } from '../../errors/catalogue.js';
import { TributaryError } from '../../errors/tributary-error.js';
import { throttle } from '../../telemetry/logger.js';
import { notAllowed } from '../helper/allowed.js';
import { forbidden, headerValue, splitAuthorization, unauthenticated } from '../helper/server-auth.js';
import { WatchedFile } from '../helper/watched-file.js';
import type { BasicAuthConfig } from './config.js';
import { type PasswordHash, parseHtpasswd, verifyPassword } from './htpasswd.js';

const CHALLENGE = 'Basic realm="tributary", charset="UTF-8"';

/** Compared against when the user is unknown, so an unknown user takes as long as a wrong password. */
const NOBODY: PasswordHash = { kind: 'sha1', digest: randomBytes(20) };

/**
 * Server-side HTTP Basic authentication against htpasswd entries (RFC 7617).
 * The user name is the auth subject; `user_attributes` give each user the
 * attributes processors read as `auth.<name>`. The htpasswd file is re-read
 * when it changes (a broken edit keeps the users in use). InfluxDB 1.x
 * clients' `u`/`p` query parameters reach this as Basic credentials (see the
 * influxdb receiver).
 */
export class BasicAuth implements ServerAuthenticator {
  readonly isServerAuthenticator = true;
  private readonly life = new Lifecycle();
  private readonly id: string;
  private readonly inline: Map<string, PasswordHash> | undefined;
  private users = new Map<string, PasswordHash>();
  private readonly file: WatchedFile<Map<string, PasswordHash>> | undefined;
  private readonly warn: ReturnType<typeof throttle>;
  private readonly inlineError: string | undefined;
  private started = false;

  constructor(
    set: CreateSettings,
    private readonly config: BasicAuthConfig,
  ) {
    this.id = set.id.toString();
    this.warn = throttle(set.logger);
    const inline = config.htpasswd?.inline;
    if (inline !== undefined) {
      // validateBasicAuth reports a bad inline text with the config; this is for a config that skipped it.
      const r = parseHtpasswd(inline);
      this.inline = r.ok ? r.value : undefined;
      this.inlineError = r.ok ? undefined : `htpasswd::inline: ${r.error}`;
    }
    const path = config.htpasswd?.file;
    if (path !== undefined) {
      this.file = new WatchedFile(path, config.reload_interval, parseHtpasswd, (fromFile) => this.install(fromFile), set.logger, 'htpasswd file');
    }
  }

  start(_host: Host): Promise<void> {
    return this.life.start(async () => {
      const who = `extensions::${this.id}`;
      if (this.inlineError !== undefined) throw new TributaryError(Errors.START_FAILED, `${who}: ${this.inlineError}`);
      if (this.file === undefined) this.install(new Map());
      else this.file.mustLoad(who);
      this.file?.watch();
      this.started = true;
    });
  }

  shutdown(): Promise<void> {
    return this.life.shutdown(async () => {
      this.file?.stop();
    });
  }

  async authenticate(req: AuthRequest): Promise<AuthInfo> {
    if (!this.started) throw unauthenticated(`${this.id} is not running`, CHALLENGE);
    const value = headerValue(req.headers, 'authorization');
    if (value === undefined || value.trim() === '') throw this.refuse(req, 'missing', 'no credentials: send "Authorization: Basic <base64 of user:password>"');
    const { scheme, credentials } = splitAuthorization(value);
    if (scheme.toLowerCase() !== 'basic' || !/^[A-Za-z0-9+/]+={0,2}$/.test(credentials)) {
      throw this.refuse(req, 'scheme', 'the Authorization header must read "Basic <base64 of user:password>"');
    }
    const decoded = Buffer.from(credentials, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon < 0) throw this.refuse(req, 'format', 'Basic credentials must be the base64 of "user:password"');
    const user = decoded.slice(0, colon);
    const password = decoded.slice(colon + 1);
    const hash = this.users.get(user);
    const ok = verifyPassword(hash ?? NOBODY, password) && hash !== undefined;
    if (!ok) throw this.refuse(req, 'invalid', 'unknown user or wrong password');
    const attributes = Object.freeze({ username: user, ...(Object.hasOwn(this.config.user_attributes, user) ? this.config.user_attributes[user] : {}) });
    const why = notAllowed(this.config.allowed, attributes);
    if (why !== undefined) {
      this.warn('warn', `forbidden:${user}`, { extension: this.id, user, remote: req.remoteAddress }, 'basic auth user refused here');
      throw forbidden(`user "${user}": ${why}`);
    }
    return { authenticator: this.id, subject: user, attributes };
  }

  private refuse(req: AuthRequest, reason: string, message: string): Error {
    this.warn('debug', `${reason}:${req.remoteAddress ?? ''}`, { extension: this.id, reason, remote: req.remoteAddress }, 'basic authentication failed');
    return unauthenticated(message, CHALLENGE);
  }

  /** The file's users with inline ones on top (the Collector's precedence). */
  private install(fromFile: Map<string, PasswordHash>): undefined {
    this.users = new Map([...fromFile, ...(this.inline ?? [])]);
    return undefined;
  }
}
