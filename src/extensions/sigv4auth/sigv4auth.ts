import type { AwsCredentialIdentity, AwsCredentialIdentityProvider } from '@smithy/types';
import type { ClientAuthenticator, OutgoingRequest } from '../../component/client-auth.js';
import type { CreateSettings, Host } from '../../component/component.js';
import { Lifecycle } from '../../component/lifecycle.js';
import { Errors } from '../../errors/catalogue.js';
import { TributaryError } from '../../errors/tributary-error.js';
import { AwsRequestHandler, type Env, loadCaBundle, proxySettings } from './aws-network.js';
import type { Sigv4AuthConfig } from './config.js';
import { CredentialCache } from './credential-cache.js';
import { createCredentialSource } from './credential-source.js';
import { ScopeResolver } from './infer.js';
import { type FileWatch, sharedFilePaths, watchFiles } from './shared-files.js';
import { RequestSigner } from './signer.js';

/**
 * The sigv4auth extension: signs exporters' requests to AWS (Amazon Managed
 * Service for Prometheus remote write, CloudWatch, CloudWatch Logs) with
 * Signature Version 4, as the Collector's sigv4auth does.
 *
 * The AWS conventions are environment-driven (AWS_PROFILE, AWS_REGION,
 * AWS_ENDPOINT_URL_STS, AWS_CA_BUNDLE, HTTPS_PROXY, NO_PROXY...), and the
 * SDK's credential chain reads them from the process itself; the extension
 * reads the same variables from `deps.env`, which the factory fills with
 * process.env once at creation.
 */

export interface Sigv4AuthDeps {
  readonly env?: Env;
  /** Replaces the AWS SDK credential chain (tests). */
  readonly loadCredentials?: () => Promise<AwsCredentialIdentity>;
  /** How often the shared config/credentials files are checked for changes. */
  readonly watchIntervalMs?: number;
  /** How long start() waits for the first credentials before going on (they keep loading). */
  readonly startWaitMs?: number;
}

export class Sigv4Auth implements ClientAuthenticator {
  readonly isClientAuthenticator = true as const;
  private readonly life = new Lifecycle();
  private readonly env: Env;
  private handler: AwsRequestHandler | undefined;
  private cache: CredentialCache | undefined;
  private signer: RequestSigner | undefined;
  private watch: FileWatch | undefined;
  private ca: string[] | undefined;

  constructor(
    private readonly set: CreateSettings,
    private readonly config: Sigv4AuthConfig,
    private readonly deps: Sigv4AuthDeps = {},
  ) {
    this.env = deps.env ?? process.env;
  }

  start(_host: Host): Promise<void> {
    return this.life.start(async () => {
      const log = this.set.logger;
      const caPath = this.config.ca_file ?? (this.env.AWS_CA_BUNDLE?.trim() || undefined);
      try {
        this.ca = loadCaBundle(caPath);
      } catch (err) {
        const key = this.config.ca_file !== undefined ? 'ca_file' : 'AWS_CA_BUNDLE';
        throw new TributaryError(Errors.START_FAILED, `sigv4auth: cannot read the CA bundle ${key} "${caPath}": ${(err as Error).message}`, { cause: err });
      }
      const proxy = proxySettings(this.env);
      this.handler = new AwsRequestHandler(proxy, this.ca);
      const source = createCredentialSource({ config: this.config, env: this.env, requestHandler: this.handler, logger: log });
      const cache = new CredentialCache({
        load: this.deps.loadCredentials ?? source.load,
        onRefreshFailed: (err, validUntil) =>
          log.warn({ err: String((err as Error)?.message ?? err), validUntil: validUntil.toISOString() }, 'sigv4auth: refreshing AWS credentials failed; signing with the current ones until they expire'),
        onRecovered: (creds) => log.info(source.describe(creds), 'sigv4auth: AWS credentials refreshed again'),
      });
      this.cache = cache;
      this.signer = new RequestSigner(() => cache.get(), new ScopeResolver(this.config.service, this.config.region));
      this.watch = watchFiles(
        sharedFilePaths(this.env),
        (path) => {
          log.info({ path }, 'sigv4auth: AWS shared config/credentials file changed; loading credentials anew');
          cache.invalidate();
        },
        this.deps.watchIntervalMs,
      );

      const sts = this.config.sts_endpoint ?? this.env.AWS_ENDPOINT_URL_STS;
      if (this.config.assume_role.arn !== undefined && sts !== undefined && sts !== '') {
        log.info({ sts, route: this.handler.routeFor(new URL(sts)), ca: caPath ?? 'system' }, 'sigv4auth: STS endpoint');
      }
      // Resolve once to report the source; missing credentials must not stop the gateway (IMDS or a
      // mounted token may appear later), so this only warns, and start waits a bounded time.
      const first = cache.get().then(
        (creds) => log.info(source.describe(creds), 'sigv4auth: AWS credentials loaded'),
        (err: unknown) =>
          log.warn(
            { err: err instanceof Error ? err.message : String(err) },
            'sigv4auth: no AWS credentials yet; requests fail with a retryable error until some can be loaded (environment, profile, web identity, container or instance metadata)',
          ),
      );
      let timer: NodeJS.Timeout | undefined;
      const waited = new Promise<void>((res) => {
        timer = setTimeout(res, this.deps.startWaitMs ?? 10_000);
      });
      await Promise.race([first, waited]);
      clearTimeout(timer);
    });
  }

  authorize(req: OutgoingRequest): Promise<Record<string, string>> {
    if (this.signer === undefined || !this.life.running) {
      return Promise.reject(new TributaryError(Errors.AUTH_CREDENTIALS, `sigv4auth "${this.set.id}" is not running`));
    }
    return this.signer.sign(req);
  }

  credentialsExpired(): void {
    this.set.logger.warn('sigv4auth: the server refused the credentials as expired; loading them anew');
    this.cache?.invalidate();
  }

  shutdown(): Promise<void> {
    return this.life.shutdown(() => {
      this.watch?.close();
      this.handler?.destroy();
    });
  }

  /** The cached credentials as an AWS SDK provider, for exporters built on SDK clients (CloudWatch). */
  credentialProvider(): AwsCredentialIdentityProvider {
    return () => {
      if (this.cache === undefined) return Promise.reject(new TributaryError(Errors.AUTH_CREDENTIALS, `sigv4auth "${this.set.id}" is not running`));
      return this.cache.get();
    };
  }

  /** The SDK HTTP handler with the proxy and CA settings (defined after start). */
  requestHandler(): AwsRequestHandler | undefined {
    return this.handler;
  }

  /**
   * The CA certificates exporters should trust for AWS endpoints: Node's
   * roots plus ca_file / AWS_CA_BUNDLE, or undefined for Node's defaults.
   * Defined after start.
   */
  caCertificates(): readonly string[] | undefined {
    return this.ca;
  }
}

/** For exporters: the sigv4auth instance behind a client authenticator, if it is one. */
export function asSigv4Auth(a: ClientAuthenticator | undefined): Sigv4Auth | undefined {
  return a instanceof Sigv4Auth ? a : undefined;
}
