import type { AwsCredentialIdentity, AwsCredentialIdentityProvider, DeserializeHandlerOutput, MetadataBearer, MiddlewareStack } from '@smithy/types';
import type { HttpHandler } from '@smithy/protocol-http';
import { mustClientAuthenticator } from '../../../component/client-auth.js';
import { ComponentId, type CreateSettings, type Host } from '../../../component/component.js';
import { Errors } from '../../../errors/catalogue.js';
import { TributaryError } from '../../../errors/tributary-error.js';
import type { Env } from '../../../extensions/sigv4auth/aws-network.js';
import { sigv4AuthSchema } from '../../../extensions/sigv4auth/config.js';
import { Sigv4Auth, asSigv4Auth } from '../../../extensions/sigv4auth/sigv4auth.js';

/**
 * How a CloudWatch exporter's AWS SDK client gets its credentials and its
 * network path. Either from a sigv4auth extension named in
 * `auth.authenticator` (its credential cache, proxy and CA bundle, shared
 * with every exporter that names it), or, without one, from a private
 * instance of the same code built from the exporter's own keys: the AWS
 * default credential chain, optionally assuming `role_arn` with
 * `external_id`, as the Collector's AWS exporters do. Both paths load,
 * cache and refresh credentials the same way and honour HTTPS_PROXY,
 * NO_PROXY and AWS_CA_BUNDLE.
 */

export interface AwsConnectionConfig {
  readonly region?: string;
  readonly endpoint?: string;
  readonly role_arn?: string;
  readonly external_id?: string;
  readonly auth?: { readonly authenticator: string };
}

export interface AwsClientSettings {
  readonly region: string;
  readonly endpoint: string | undefined;
  readonly credentials: AwsCredentialIdentityProvider;
  readonly requestHandler: HttpHandler | undefined;
}

export class AwsConnection {
  private own: Sigv4Auth | undefined;

  constructor(
    private readonly set: CreateSettings,
    private readonly config: AwsConnectionConfig,
    private readonly env: Env,
    /** Replaces the AWS default credential chain of the private source (tests). */
    private readonly loadCredentials?: () => Promise<AwsCredentialIdentity>,
  ) {}

  /** Resolves the client settings; starts the private credential source when there is no authenticator. */
  async start(host: Host): Promise<AwsClientSettings> {
    const c = this.config;
    const who = `exporters::${this.set.id}`;
    const region = c.region ?? nonEmpty(this.env.AWS_REGION) ?? nonEmpty(this.env.AWS_DEFAULT_REGION);
    if (region === undefined) {
      throw new TributaryError(Errors.START_FAILED, `${who}: no AWS region: set region (for example "eu-west-1"), or AWS_REGION in the environment`);
    }
    let source: Sigv4Auth;
    if (c.auth !== undefined) {
      const sigv4 = asSigv4Auth(mustClientAuthenticator(host, c.auth.authenticator, who));
      if (sigv4 === undefined) {
        throw new TributaryError(Errors.START_FAILED, `${who}: auth::authenticator "${c.auth.authenticator}" must be a sigv4auth extension: the CloudWatch APIs take AWS Signature Version 4 only`);
      }
      source = sigv4;
    } else {
      const raw = { region, assume_role: { arn: c.role_arn, external_id: c.external_id } };
      const own = new Sigv4Auth({ ...this.set, id: new ComponentId('sigv4auth', `${this.set.id.type}_${this.set.id.name}`) }, sigv4AuthSchema.parse(raw), { env: this.env, loadCredentials: this.loadCredentials });
      await own.start(host);
      this.own = own;
      source = own;
    }
    return { region, endpoint: c.endpoint, credentials: source.credentialProvider(), requestHandler: source.requestHandler() };
  }

  async shutdown(): Promise<void> {
    await this.own?.shutdown();
  }
}

function nonEmpty(v: string | undefined): string | undefined {
  return v === undefined || v.trim() === '' ? undefined : v.trim();
}

/**
 * Two changes to an SDK client's middleware, made once at creation:
 *
 * - The SDK's logger middleware goes: it runs every input through the
 *   schema's sensitive-data filter for the log line even when the logger is
 *   the default no-op, which is a fifth of the client's CPU for a
 *   1,000-datum PutMetricData (bench/cloudwatch.ts); the exporters log
 *   their own outcomes.
 * - Error responses keep their bytes (as a Uint8Array body, which the SDK
 *   reads as it would the stream), so that an error body the SDK cannot
 *   read in its protocol (XML from an emulator, an HTML page from a proxy)
 *   is still reported by its code and message.
 */
export function tuneSdkClient<I extends object, O extends MetadataBearer>(stack: MiddlewareStack<I, O>): void {
  stack.remove('loggerMiddleware');
  stack.add(
    (next) => async (args) => {
      const out: DeserializeHandlerOutput<O> = await next(args);
      const res = out.response as { statusCode?: number; body?: unknown };
      const body = res?.body as AsyncIterable<Uint8Array> | Uint8Array | undefined;
      if ((res?.statusCode ?? 0) >= 300 && body !== undefined && !(body instanceof Uint8Array) && typeof (body as AsyncIterable<Uint8Array>)[Symbol.asyncIterator] === 'function') {
        const chunks: Uint8Array[] = [];
        for await (const c of body) chunks.push(c);
        res.body = Buffer.concat(chunks);
      }
      return out;
    },
    { step: 'deserialize', name: 'tributaryKeepErrorBodies', priority: 'low' },
  );
}
